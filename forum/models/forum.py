"""Categories, threads, posts, their revisions and reactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, now
from forum.models.users import User
from forum.models.vocab import PostStatus, ReactionKind, check_in, labelled

POST_STATUSES = tuple(PostStatus)
REACTION_KINDS = labelled(ReactionKind, {ReactionKind.THANKS: "Thanks",
                                         ReactionKind.ME_TOO: "Me too"})


class Category(db.Model):
    """A board of threads. ``members_only`` hides it and its threads from visitors."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    members_only: Mapped[bool] = mapped_column(Boolean, default=False)
    thread_count: Mapped[int] = mapped_column(Integer, default=0)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How the weekly digest treats this category (forum.digest.audience.DIGEST_MODES):
    # "full", "sensitive" (per DIGEST_SENSITIVE_MODE), "title_only" or "excluded".
    digest_mode: Mapped[str] = mapped_column(String(12), default="full", server_default="full")

    threads: Mapped[list[Thread]] = relationship(back_populates="category")


class Thread(db.Model):
    """A discussion. ``post_count`` counts its visible posts, the opening post included."""

    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_category_listing", "category_id", "is_pinned", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    # Visible posts other than the opening one.
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # False while the opening post is pending, hidden or removed: the thread (and its
    # title) is then shown only to its author and the category's moderators.
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Started by a peer moderator (e.g. a weekly check-in); shows a badge.
    is_moderator_led: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=text("false"))
    # A "guided" thread shows the moderator who leads it.
    guide_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    category: Mapped[Category] = relationship(back_populates="threads")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    guide: Mapped[User | None] = relationship(foreign_keys=[guide_id])
    posts: Mapped[list[Post]] = relationship(
        back_populates="thread", order_by="Post.created_at, Post.id"
    )


class Post(db.Model):
    """One message. ``body_html`` is produced only by ``forum.text.render`` (sanitised)."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_thread_created", "thread_id", "created_at", "id"),
        check_in("status", PostStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.VISIBLE)
    is_opening: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    thread: Mapped[Thread] = relationship(back_populates="posts")
    author: Mapped[User] = relationship()
    revisions: Mapped[list[PostRevision]] = relationship(
        back_populates="post", order_by="PostRevision.created_at"
    )

    @property
    def is_visible(self) -> bool:
        return self.status == PostStatus.VISIBLE


class PostRevision(db.Model):
    """A previous version of a post's text, kept when the post is edited.

    Only the author and the category's moderators may read it. A redacted revision has
    lost its text for good (personal details a moderator or the author took out):
    ``body_source`` is emptied and who, when and why are kept instead.
    """

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body_source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redacted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    redaction_reason: Mapped[str | None] = mapped_column(Text)

    post: Mapped[Post] = relationship(back_populates="revisions")
    editor: Mapped[User] = relationship(foreign_keys=[editor_id])
    redacted_by: Mapped[User | None] = relationship(foreign_keys=[redacted_by_id])

    @property
    def is_redacted(self) -> bool:
        return self.redacted_at is not None


class Reaction(db.Model):
    """A "Thanks" or "Me too" from one member on one post (at most one of each kind)."""

    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id", "kind", name="uq_reactions_post_user_kind"),
        check_in("kind", ReactionKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
