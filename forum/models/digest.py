"""The weekly digest: subscriptions, the delivery ledger and moderators' picks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, now
from forum.models.forum import Category, Thread
from forum.models.users import User
from forum.models.vocab import DeliveryStatus, SubscriptionStatus, check_in

SUBSCRIPTION_STATUSES = tuple(SubscriptionStatus)
DELIVERY_STATUSES = tuple(DeliveryStatus)

digest_subscription_categories = Table(
    "digest_subscription_categories",
    db.metadata,
    Column("subscription_id", ForeignKey("digest_subscriptions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class DigestSubscription(db.Model):
    """One subscriber: a member (``user_id``) or an email-only address (``email``).

    ``token`` is random and never changes: signed, it is the subscriber's unsubscribe
    link, which therefore never expires and reveals nothing. A member's digest goes to
    their account's current address. ``all_categories`` follows every category the
    subscriber may see, new ones included; otherwise ``categories`` lists the choice.
    """

    __tablename__ = "digest_subscriptions"
    __table_args__ = (
        check_in("status", SubscriptionStatus),
        CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.PENDING)
    all_categories: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    # Email-only: when the last confirmation email went out (pending expires 7 days on).
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Start of the current subscription: the first digest covers the 7 days before it.
    subscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The end of what the last digest sent (or skipped: nothing new) covered; the next one
    # covers from here. Advanced in the same transaction as that digest's ledger row.
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Permanent SMTP failures in a row; DIGEST_SUPPRESS_AFTER of them suppress.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User | None] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary=digest_subscription_categories,
                                                      order_by="Category.position")

    @property
    def is_member(self) -> bool:
        return self.user_id is not None

    @property
    def is_active(self) -> bool:
        return self.status == SubscriptionStatus.CONFIRMED


class DigestDelivery(db.Model):
    """The ledger: one row per (subscriber, period), claimed before sending and
    recorded after. The unique pair is what makes a digest go out at most once. The
    period names the row; what the digest covers is the subscriber's own window
    (``covers_from``, ``covers_until``; see ``forum.digest.schedule.window_for``).

    queued → sending (claimed by ``claimed_by`` until ``lease_until``) → sent | skipped
    (nothing new) | failed (permanent, or too many attempts) | cancelled (left meanwhile);
    a transient failure goes back to sending for a retry in the run, or to deferred
    (``next_attempt_at``) for a later run.
    """

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "period",
                         name="uq_digest_deliveries_subscription_period"),
        Index("ix_digest_deliveries_claim", "period", "status", "id"),
        check_in("status", DeliveryStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    smtp_reply: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    item_count: Mapped[int | None] = mapped_column(Integer)
    # What a sent or skipped digest covered: covers_from <= t < covers_until.
    covers_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    covers_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    subscription: Mapped[DigestSubscription] = relationship()


class DigestFeature(db.Model):
    """A moderator's pick: ``thread`` is featured in the digest for ``period``."""

    __tablename__ = "digest_features"
    __table_args__ = (
        UniqueConstraint("thread_id", "period", name="uq_digest_features_thread_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    period: Mapped[str] = mapped_column(String(8), index=True)
    featured_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    thread: Mapped[Thread] = relationship()
    featured_by: Mapped[User] = relationship()
