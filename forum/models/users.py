"""Member accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from forum import clock
from forum.extensions import db
from forum.models.base import UTCDateTime, now
from forum.models.vocab import DeletionPosts, Role, check_in

ROLES = tuple(Role)


def normalize_email(email: str) -> str:
    """The form in which emails are stored and compared (case-insensitive)."""
    return email.strip().lower()


def display_name_key(name: str) -> str:
    """The case-insensitive uniqueness key for display names."""
    return " ".join(name.split()).casefold()


class User(UserMixin, db.Model):
    """A member. ``email`` is private: it is never rendered for another member."""

    __tablename__ = "users"
    __table_args__ = (check_in("role", Role), check_in("deletion_posts", DeletionPosts))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    display_name_key: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bio: Mapped[str] = mapped_column(Text, default="")
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on logout, password change and email change: every older session dies.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    # A moderator who marks themselves available gets crisis alerts for their categories.
    is_on_duty: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Notification settings (forum.notifications): follow the threads one starts or
    # replies to; be told when quoted or @mentioned.
    auto_follow: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    notify_mentions: Mapped[bool] = mapped_column(Boolean, default=True,
                                                  server_default=text("true"))
    # Notifications by email (forum.notifications.emails): "immediately" (at most one
    # email per thread per 15 minutes), "daily" (one summary a day) or "never"; for
    # replies in threads one started, and for everything else (other followed threads,
    # quotes, mentions). Quiet hours: no email 22:00-07:00 in ``time_zone`` ("" is the
    # forum's NOTIFY_EMAIL_TIMEZONE). ``summary_sent_at``: the last daily summary.
    email_replies: Mapped[str] = mapped_column(String(12), default="immediately",
                                               server_default="immediately")
    email_follows: Mapped[str] = mapped_column(String(12), default="daily",
                                               server_default="daily")
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False,
                                              server_default=text("false"))
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default=text("''"))
    summary_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Privacy (forum.privacy). A hidden profile shows visitors (not members) nothing but
    # the display name; a display name may change at most once in 30 days (the old
    # names are kept for moderators in ``display_name_changes``).
    profile_hidden: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=text("false"))
    display_name_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "Delete my account": erasure runs once the grace period after
    # ``deletion_requested_at`` ends (logging in cancels it); ``deletion_posts`` is the
    # member's choice for their posts. ``erased_at``: this row is an erased member's
    # tombstone (random pseudonym, no email, no password), kept so that moderation
    # records and the audit log still point at something.
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deletion_posts: Mapped[str] = mapped_column(String(8), default=DeletionPosts.REMOVE,
                                                server_default=DeletionPosts.REMOVE)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def get_id(self) -> str:
        """Flask-Login identity, stored in the session and the remember-me cookie at login:
        "<id>:<session_version>:<issued>". Bumping the version revokes every copy; the
        issue time lets the server expire a copied cookie (forum.auth.sessions)."""
        return f"{self.id}:{self.session_version}:{int(clock.timestamp())}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_moderator(self) -> bool:
        """Holds a staff role. Whether moderator powers are *current* (training, categories)
        is decided in forum.permissions."""
        return self.role in (Role.MODERATOR, Role.ADMIN)

    def is_suspended(self, at: datetime) -> bool:
        return self.suspended_until is not None and self.suspended_until > at

    def set_display_name(self, name: str) -> None:
        self.display_name = " ".join(name.split())
        self.display_name_key = display_name_key(name)

    def __repr__(self) -> str:
        return f"<User {self.id}>"
