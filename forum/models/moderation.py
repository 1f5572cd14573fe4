"""Moderation: training records, category leads, flags, review items, notices,
watched phrases and the append-only audit log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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

# Flag reasons in the order members see them, with the review priority of each
# (lower number = more urgent: risk of harm > medical advice/prescriptions >
# harassment/personal info > spam/other).
FLAG_REASONS = {
    "risk_of_harm": ("At risk of harm (self-harm, suicide, medical emergency)", 0),
    "medical_advice": ("Harmful medical advice", 1),
    "prescriptions": ("Selling or swapping prescriptions", 1),
    "harassment": ("Harassment or abuse", 2),
    "personal_info": ("Personal information", 2),
    "spam": ("Spam", 3),
    "other": ("Something else", 3),
}
PHRASE_ACTIONS = ("hold", "flag", "block")
PHRASE_CATEGORIES = {
    "crisis": "Crisis (suicide, self-harm)",
    "medical_emergency": "Medical emergency",
    "prescription_trading": "Prescription trading",
    "spam": "Spam",
    "personal_information": "Personal information",
}
# What a phrase category means for the review queue.
PHRASE_CATEGORY_REASON = {
    "crisis": "risk_of_harm",
    "medical_emergency": "risk_of_harm",
    "prescription_trading": "prescriptions",
    "spam": "spam",
    "personal_information": "personal_info",
}


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
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    # flags | pre_moderation | watched_phrase
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer)
    is_crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    matched_phrase: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20))
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship()
    category: Mapped[Category] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    flags: Mapped[list[Flag]] = relationship(back_populates="item", order_by="Flag.created_at")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def reason_label(self) -> str:
        return FLAG_REASONS.get(self.reason, (self.reason, 3))[0]


class Flag(db.Model):
    """One member's report of a post (at most one per member and post)."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id", name="uq_flags_post_reporter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
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
        CheckConstraint("action IN ('hold', 'flag', 'block')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200), unique=True)
    action: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class AuditEntry(db.Model):
    """An append-only record of a moderator's or admin's action."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
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
