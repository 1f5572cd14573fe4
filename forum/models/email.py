"""The email outbox: transactional mail waiting to be delivered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, now
from forum.models.vocab import OutboxStatus, check_in


class OutboxEmail(db.Model):
    """One transactional message (an alert, a notice, a reset link) to one address.

    Written in the same transaction as the change it reports (``forum.email.queue_email``),
    so a committed change always has its message, even if the process dies before
    sending; delivered after the commit and, when that fails, retried with backoff by
    ``flask mail flush``. Once sent, the message bytes are emptied (they may hold a
    one-time link) and only the metadata stays, for monitoring.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        check_in("status", OutboxStatus),
        Index("ix_email_outbox_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # the template's name, never content
    sender: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(254))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(80), default="")
