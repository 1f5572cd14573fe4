"""Moderation: training records, category leads, flags, review items, notices,
watched phrases and the append-only audit log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, now
from forum.models.forum import Category, Post
from forum.models.users import User
from forum.models.vocab import (
    FlagReason,
    PhraseAction,
    PhraseCategory,
    ReviewStatus,
    check_in,
    labelled,
)

# Flag reasons in the order members see them, with the review priority of each
# (lower number = more urgent: risk of harm > medical advice/prescriptions >
# harassment/personal info > spam/other).
FLAG_REASONS = labelled(FlagReason, {
    FlagReason.RISK_OF_HARM: ("At risk of harm (self-harm, suicide, medical emergency)", 0),
    FlagReason.MEDICAL_ADVICE: ("Harmful medical advice", 1),
    FlagReason.PRESCRIPTIONS: ("Selling or swapping prescriptions", 1),
    FlagReason.HARASSMENT: ("Harassment or abuse", 2),
    FlagReason.PERSONAL_INFO: ("Personal information", 2),
    FlagReason.SPAM: ("Spam", 3),
    FlagReason.OTHER: ("Something else", 3),
    FlagReason.CHECK_IN: ("Check-in: signs of distress or a health worry (published)", 2),
})
# Reasons only the screener raises: never offered to members in the flag form.
SCREENER_ONLY_REASONS = (FlagReason.CHECK_IN,)
PHRASE_ACTIONS = tuple(PhraseAction)
PHRASE_CATEGORIES = labelled(PhraseCategory, {
    PhraseCategory.CRISIS: "Crisis (suicide, self-harm)",
    PhraseCategory.MEDICAL_EMERGENCY: "Medical emergency",
    PhraseCategory.PRESCRIPTION_TRADING: "Prescription trading",
    PhraseCategory.SPAM: "Spam",
    PhraseCategory.PERSONAL_INFORMATION: "Personal information",
})
# What a phrase category means for the review queue.
PHRASE_CATEGORY_REASON = labelled(PhraseCategory, {
    PhraseCategory.CRISIS: FlagReason.RISK_OF_HARM,
    PhraseCategory.MEDICAL_EMERGENCY: FlagReason.RISK_OF_HARM,
    PhraseCategory.PRESCRIPTION_TRADING: FlagReason.PRESCRIPTIONS,
    PhraseCategory.SPAM: FlagReason.SPAM,
    PhraseCategory.PERSONAL_INFORMATION: FlagReason.PERSONAL_INFO,
})


class ModeratorTraining(db.Model):
    """A recorded moderator training; moderator powers need a current one."""

    __tablename__ = "moderator_trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_name: Mapped[str] = mapped_column(String(120))
    completed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    trainer: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class CategoryModerator(db.Model):
    """A moderator leading a category (they act only in the categories they lead)."""

    __tablename__ = "category_moderators"
    __table_args__ = (
        UniqueConstraint("category_id", "user_id", name="uq_category_moderators_category_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    category: Mapped[Category] = relationship()
    user: Mapped[User] = relationship()


class ReviewItem(db.Model):
    """Everything open about one post, in one place in the review queue."""

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_queue", "status", "priority", "created_at"),
        check_in("status", ReviewStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # a ReviewSource
    reason: Mapped[str] = mapped_column(String(20))  # a FlagReason
    priority: Mapped[int] = mapped_column(Integer)
    is_crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    matched_phrase: Mapped[str | None] = mapped_column(String(200))
    # From the risk engine: emotional | medical (a RiskKind), and its evidence, one
    # "rule: “matched words”" per rule, separated by "; ".
    risk_kind: Mapped[str | None] = mapped_column(String(10))
    risk_evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20))  # a ReviewOutcome
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship()
    category: Mapped[Category] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    flags: Mapped[list[Flag]] = relationship(back_populates="item", order_by="Flag.created_at")

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN

    @property
    def reason_label(self) -> str:
        return FLAG_REASONS.get(self.reason, (self.reason, 3))[0]

    @property
    def evidence_items(self) -> list[str]:
        """The risk engine's evidence, one "rule: “words”" per entry."""
        return [part for part in (self.risk_evidence or "").split("; ") if part]


class Flag(db.Model):
    """One member's report of a post (at most one per member and post)."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id", name="uq_flags_post_reporter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # a FlagReason
    message: Mapped[str] = mapped_column(Text, default="")
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    reporter: Mapped[User] = relationship()
    item: Mapped[ReviewItem] = relationship(back_populates="flags")


class ModerationNotice(db.Model):
    """A private on-site message to a member about moderation of their posts or account."""

    __tablename__ = "moderation_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    post: Mapped[Post | None] = relationship()


class WatchedPhrase(db.Model):
    """A word or phrase that holds, flags or blocks a post at write time."""

    __tablename__ = "watched_phrases"
    __table_args__ = (
        check_in("action", PhraseAction),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200), unique=True)
    action: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(30))  # a PhraseCategory
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class ScreeningRules(db.Model):
    """One version of the admins' local additions to the crisis-screening rules (TOML in
    the shipped ``rules.toml`` format). The newest version is in force; older ones are
    kept so anyone can see what changed, when and by whom."""

    __tablename__ = "screening_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    additions: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    created_by: Mapped[User | None] = relationship()


class AuditEntry(db.Model):
    """An append-only record of a moderator's or admin's action."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20))  # an AuditTargetType
    target_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, index=True)

    actor: Mapped[User | None] = relationship()


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_audit_update(mapper, connection, target):
    raise AuditLogIsAppendOnly(target.id)


@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_delete(mapper, connection, target):
    raise AuditLogIsAppendOnly(target.id)
