"""Members' data rights: login history, "Download my data" jobs, display-name history
and the research-consent ledger (used by ``forum.privacy``).

Every table here belongs to one member (``user_id`` with ``ON DELETE CASCADE``) and is
deleted with the rest of their data on erasure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, now
from forum.models.vocab import ExportStatus, check_in


class LoginEvent(db.Model):
    """One successful login: when, from roughly where (the address with its last
    part zeroed: /24 for IPv4, /48 for IPv6) and with which browser (a short summary,
    not the whole user-agent string). Shown to the member, exported, deleted after
    ``RETAIN_LOGIN_HISTORY_DAYS``."""

    __tablename__ = "login_events"
    __table_args__ = (Index("ix_login_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, index=True)
    network: Mapped[str] = mapped_column(String(64), default="")
    browser: Mapped[str] = mapped_column(String(80), default="")


class DataExport(db.Model):
    """A member's "Download my data" request: a job drained by ``flask exports run``
    (claimed with a lease, like the email outbox), then a ZIP in the instance folder
    that one link downloads once, within 7 days, in the member's own session. Only the
    SHA-256 of the link's token is stored."""

    __tablename__ = "data_exports"
    __table_args__ = (check_in("status", ExportStatus),
                      Index("ix_data_exports_status_due", "status", "requested_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    status: Mapped[str] = mapped_column(String(12), default=ExportStatus.PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_hash: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(String(120), default="")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")


class DisplayNameChange(db.Model):
    """A member's earlier display name: private, for moderators (who may need to follow
    a conversation across a change) and the member's own export."""

    __tablename__ = "display_name_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    old_name: Mapped[str] = mapped_column(String(40))
    new_name: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class ResearchConsent(db.Model):
    """One grant or withdrawal of consent to de-identified research use of the
    member's posts: a ledger, never updated. The newest row decides; ``version`` names
    the consent text the member saw (``forum.research.consent``)."""

    __tablename__ = "research_consents"
    __table_args__ = (Index("ix_research_consents_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
