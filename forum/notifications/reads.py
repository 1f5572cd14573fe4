"""Unread tracking: how far each member has read each thread (``ThreadRead``), the
"N new" counts on thread listings, the first unread post, and the "New" page.

What is new for a member: posts with status ``visible`` written by someone else, after
their marker in the thread page's own order, ``(created_at, id)``. Their own posts never
count, nor posts others may not read yet (pending, hidden, removed). A thread they never
opened has no marker: listings show nothing for it, and the "New" page counts all of it
(see ``followed_filter`` for which threads that page covers).

Writes are one ``INSERT … ON CONFLICT DO UPDATE`` each (SQLite and PostgreSQL both have
it) that never moves a marker backwards; the caller commits. They run from POST views
only, never while a page is read (SECURITY.md 26): the thread page carries a small form
that ``static/js/read-marker.js`` posts when the page loads, and a "Mark as read" button
for readers without JavaScript. Writing a post moves the writer's marker to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, literal, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager

from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    CategoryFollow,
    FollowLevel,
    Notification,
    Post,
    Thread,
    ThreadFollow,
    ThreadRead,
    User,
)
from forum.models.base import UTCDateTime
from forum.permissions import listed_thread_filter, visible_category_filter

_COLUMNS = ["user_id", "thread_id", "last_read_post_id", "last_read_post_at", "updated_at"]


# --- writing markers ------------------------------------------------------------------

def _upsert(rows):
    """``INSERT … ON CONFLICT DO UPDATE`` of ``rows`` (a SELECT of ``_COLUMNS``): a new
    marker, or an existing one moved forward, never back."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ThreadRead).from_select(_COLUMNS, rows)
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "thread_id"],
        set_={"last_read_post_id": new.last_read_post_id,
              "last_read_post_at": new.last_read_post_at, "updated_at": new.updated_at},
        where=tuple_(ThreadRead.last_read_post_at, ThreadRead.last_read_post_id)
        < tuple_(new.last_read_post_at, new.last_read_post_id),
    )


def _readable_by(user: User):
    """SQL criterion on ``Post``: a post whose place ``user`` may be marked past (theirs,
    or visible)."""
    return or_(Post.status == "visible", Post.author_id == user.id)


def mark_read(user: User, thread: Thread, *, upto: Post | None = None) -> None:
    """``user`` has read ``thread`` up to ``upto`` (a post the caller checked they may
    read), or, without it, to the last post they may read. Their notifications about
    the posts read so far are read too (following an email's link to a reply clears
    the header's count). Two statements."""
    _notifications_read(user, thread, upto)
    now = literal(utcnow(), UTCDateTime())
    if upto is not None:
        rows = select(literal(user.id), literal(thread.id), literal(upto.id),
                      literal(upto.created_at, UTCDateTime()), now)
    else:
        rows = (select(literal(user.id), Post.thread_id, Post.id, Post.created_at, now)
                .where(Post.thread_id == thread.id, _readable_by(user))
                .order_by(Post.created_at.desc(), Post.id.desc()).limit(1))
    db.session.execute(_upsert(rows))


def _notifications_read(user: User, thread: Thread, upto: Post | None) -> None:
    read = select(Post.id).where(Post.thread_id == thread.id)
    if upto is not None:
        read = read.where(tuple_(Post.created_at, Post.id) <= tuple_(
            literal(upto.created_at, UTCDateTime()), literal(upto.id)))
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.thread_id == thread.id,
               Notification.read_at.is_(None), Notification.post_id.in_(read))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))


def mark_all_read(user: User) -> None:
    """Every thread on ``user``'s "New" page read to its last post they may read. One
    statement, whatever the number of threads."""
    ranked = (
        select(Post.thread_id, Post.id, Post.created_at,
               func.row_number().over(partition_by=Post.thread_id,
                                      order_by=(Post.created_at.desc(), Post.id.desc()))
               .label("rank"))
        .where(_readable_by(user), Post.thread_id.in_(
            select(Thread.id).join(Thread.category)
            .where(followed_filter(user), listed_thread_filter(user),
                   visible_category_filter(user))))
        .subquery()
    )
    rows = select(literal(user.id), ranked.c.thread_id, ranked.c.id, ranked.c.created_at,
                  literal(utcnow(), UTCDateTime())).where(ranked.c.rank == 1)
    db.session.execute(_upsert(rows))


# --- reading them ---------------------------------------------------------------------

def _member(user) -> User | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _is_new(user: User):
    """SQL criterion on ``Post`` outer-joined to ``user``'s ``ThreadRead`` of its thread:
    someone else's visible post after the marker (no marker: every such post)."""
    return and_(
        Post.status == "visible", Post.author_id != user.id,
        or_(ThreadRead.user_id.is_(None),
            tuple_(Post.created_at, Post.id)
            > tuple_(ThreadRead.last_read_post_at, ThreadRead.last_read_post_id)),
    )


def _their_marker(user: User):
    return and_(ThreadRead.thread_id == Post.thread_id, ThreadRead.user_id == user.id)


def new_counts(user, thread_ids) -> dict[int, int]:
    """``{thread id: new posts}`` for the threads among ``thread_ids`` that ``user`` has
    read before and that have something new since: one grouped query for a whole page
    of a listing (none for visitors or an empty list)."""
    member = _member(user)
    ids = list(thread_ids)
    if member is None or not ids:
        return {}
    return dict(db.session.execute(
        select(Post.thread_id, func.count(Post.id))
        .join(ThreadRead, _their_marker(member))
        .where(Post.thread_id.in_(ids), _is_new(member))
        .group_by(Post.thread_id)).all())


@dataclass(frozen=True)
class ThreadState:
    """What the thread page needs to know about ``user``'s reading of it."""

    marker: tuple | None  # (created_at, id) of the last post read; None: never opened
    new: int  # new posts since (0 when never opened: the page shows no "new" box)

    def is_new(self, post: Post, user) -> bool:
        """Whether ``post`` is after the marker and counts as new for ``user``."""
        return (self.marker is not None and post.status == "visible"
                and post.author_id != user.id and (post.created_at, post.id) > self.marker)

    def upto(self, posts, can_view) -> Post | None:
        """The last of ``posts`` (one page) the reader may see, if it is past the marker:
        how far that page moves it. None: nothing to record."""
        readable = [post for post in posts if can_view(post)]
        if not readable:
            return None
        last = readable[-1]
        if self.marker is not None and (last.created_at, last.id) <= self.marker:
            return None
        return last


NO_STATE = ThreadState(marker=None, new=0)


def thread_state(user, thread: Thread) -> ThreadState:
    """``user``'s marker in ``thread`` and the number of new posts after it (two small
    queries; none for visitors)."""
    member = _member(user)
    if member is None:
        return NO_STATE
    row = db.session.execute(select(ThreadRead.last_read_post_at, ThreadRead.last_read_post_id)
                             .where(ThreadRead.user_id == member.id,
                                    ThreadRead.thread_id == thread.id)).first()
    if row is None:
        return NO_STATE
    return ThreadState(marker=tuple(row), new=new_counts(member, [thread.id]).get(thread.id, 0))


def first_unread_post(user, thread: Thread) -> Post | None:
    """The first post of ``thread`` that is new for ``user`` (never opened: the first
    post by someone else), or None."""
    member = _member(user)
    if member is None:
        return None
    return db.session.scalar(
        select(Post).outerjoin(ThreadRead, _their_marker(member))
        .where(Post.thread_id == thread.id, _is_new(member))
        .order_by(Post.created_at, Post.id).limit(1))


# --- the "New" page -------------------------------------------------------------------

def followed_filter(user: User):
    """SQL criterion on ``Thread``: the threads on ``user``'s "New" page, those they
    follow (explicitly, or automatically by writing in them), plus the threads of
    categories they follow that they have opened before and not muted. (A followed
    category's other threads stay in the notifications: listing every thread of a busy
    category as unread would bury the conversations the member is part of.)"""
    follows = select(ThreadFollow.thread_id).where(ThreadFollow.user_id == user.id,
                                                   ThreadFollow.level == FollowLevel.FOLLOW)
    mutes = select(ThreadFollow.thread_id).where(ThreadFollow.user_id == user.id,
                                                 ThreadFollow.level == FollowLevel.MUTE)
    categories = select(CategoryFollow.category_id).where(CategoryFollow.user_id == user.id)
    opened = select(ThreadRead.thread_id).where(ThreadRead.user_id == user.id)
    return or_(Thread.id.in_(follows),
               and_(Thread.category_id.in_(categories), Thread.id.in_(opened),
                    Thread.id.not_in(mutes)))


class _Fetched(Pagination):
    """A page whose items and total were fetched together (one query)."""

    def _query_items(self):
        return self._query_args["items"]

    def _query_count(self):
        return self._query_args["total"]


def new_page(user: User, page: int) -> Pagination:
    """One page of the threads ``user`` follows that have new posts for them, most
    recently active first, as ``(thread, new posts)`` items. One query per page (the
    total comes with the rows, as a window count). Beyond the last page: 404."""
    per_page = current_app.config.get("NEW_THREADS_PER_PAGE", 25)
    unread = (
        select(Post.thread_id, func.count(Post.id).label("new"))
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(ThreadRead, _their_marker(user))
        .where(followed_filter(user), _is_new(user))
        .group_by(Post.thread_id).subquery()
    )
    rows = db.session.execute(
        select(Thread, unread.c.new, func.count().over().label("total"))
        .join(unread, unread.c.thread_id == Thread.id).join(Thread.category)
        .where(listed_thread_filter(user), visible_category_filter(user))
        .options(contains_eager(Thread.category))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return _Fetched(page=page, per_page=per_page, max_per_page=None,
                    items=[(thread, new) for thread, new, _ in rows],
                    total=rows[0].total if rows else 0)

