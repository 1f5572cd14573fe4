"""Following threads and categories, and the notifications they produce.

A ``Notification`` is one line on a member's notifications page. It is written in the
same transaction as what caused it (a post becoming visible, a reaction, a moderator's
decision) and says only *what* happened and *where* (kind, thread, post, who): never the
post's text, which is read, through ``forum.permissions``, when the page is shown. So
a post hidden after the fact disappears from the page without touching the rows.

Built to be extended: ``emailed_at`` is for the email side (a sender claims rows whose
``emailed_at`` is empty). Per-thread unread tracking is ``ThreadRead``: one row per
member and thread they have read, holding the last post read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, now
from forum.models.forum import Post, Thread
from forum.models.moderation import ModerationNotice
from forum.models.users import User
from forum.models.vocab import FollowLevel, NotificationKind, check_in


class ThreadFollow(db.Model):
    """A member's choice about one thread: ``follow`` (every new post) or ``mute``
    (nothing from it, even if they follow its category). No row: the category decides."""

    __tablename__ = "thread_follows"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", name="uq_thread_follows_user_thread"),
        # The fan-out reads a thread's followers by level.
        Index("ix_thread_follows_thread_level", "thread_id", "level"),
        check_in("level", FollowLevel),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10), default=FollowLevel.FOLLOW)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class CategoryFollow(db.Model):
    """A member follows every new post in a category (threads they muted excepted)."""

    __tablename__ = "category_follows"
    __table_args__ = (
        UniqueConstraint("user_id", "category_id", name="uq_category_follows_user_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"),
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)


class Notification(db.Model):
    """One thing to tell a member.

    - ``reply``, ``mention``, ``quote``: ``post_id`` is the new post, ``actor_id`` its
      author. At most one of these per member and post (a mention beats a reply).
    - ``reactions``: ``post_id`` is the member's own post; while unread, one row per post
      is updated (``count`` = people who reacted since ``created_at``), never one per click.
    - ``moderation``: ``notice_id`` holds the decision's text (``ModerationNotice``);
      ``post_id`` the post it is about, if any.

    ``updated_at`` orders the page (a batched row moves up when it grows).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count, "mark all read" and the page (a member's rows are
        # found here and sorted: a second per-member index, on updated_at, tripled the
        # fan-out's cost on SQLite, whose commit writes every index page it touched).
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # The fan-out's "not told about this post yet" and the reactions batch.
        Index("ix_notifications_post_user", "post_id", "user_id"),
        check_in("kind", NotificationKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # Copies of the post's thread and (for reply, mention, quote) author, for display and
    # grouping without a join; the latest reactor for ``reactions``. No foreign key on
    # purpose: each one costs the fan-out about 3 ms per 1,000 rows on PostgreSQL (its
    # check runs per row), and ``post_id``'s key already ties the row to real data.
    thread_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_notices.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # For the email side: when this was sent by email (None: not yet, or never).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    thread: Mapped[Thread | None] = relationship(
        primaryjoin="foreign(Notification.thread_id) == Thread.id", viewonly=True)
    post: Mapped[Post | None] = relationship()
    actor: Mapped[User | None] = relationship(
        primaryjoin="foreign(Notification.actor_id) == User.id", viewonly=True)
    notice: Mapped[ModerationNotice | None] = relationship()

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class ThreadRead(db.Model):
    """How far a member has read a thread: the last post they were shown.

    ``last_read_post_at`` is that post's ``created_at``, copied so that "posts after the
    marker" is a comparison on ``(created_at, id)``, the thread page's own order, with
    no join (listings count new posts for a whole page of threads in one query). The
    post id has no foreign key on purpose: the marker is a position in the thread, and
    stays one even if that post is erased. No row: the member never opened the thread.
    """

    __tablename__ = "thread_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    last_read_post_id: Mapped[int] = mapped_column(Integer)
    last_read_post_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
