"""No newcomer left unanswered: newcomers' threads still waiting for a first reply from
someone else, for the moderators' "Newcomers waiting" list, and the definitions the
admin dashboard's reply-time figures share with it.

- A **newcomer's thread** is one whose opening post is visible and is among its author's
  first ``NEWCOMER_POSTS`` visible posts.
- A **peer reply** is a visible post in the thread by anyone but the thread's author
  (pending, hidden and removed replies don't count, nor do the author's own).
- A thread **waits** once it is ``NEWCOMER_REPLY_HOURS`` old without a peer reply. A
  locked thread never waits: a moderator has already seen it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from forum import permissions
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, Thread

NEWCOMER_POSTS = 3
PER_PAGE = 25

WELCOME = (
    "Welcome to {forum}, {name}! Thank you for sharing this with us. Lots of us have been "
    "where you are, so you're not on your own here.\n\n"
    "If you'd like to tell us a bit more (how long you've been living with diabetes, what "
    "you've tried so far), members who have been through something similar can chime in.\n\n"
    "Take care, and do keep us posted."
)


def welcome_text(name: str, forum_name: str) -> str:
    """The editable welcome reply a moderator starts from."""
    return WELCOME.format(forum=forum_name, name=name)


def newcomer_opening(opening) -> object:
    """SQL criterion: ``opening`` (a Post, correlated with the enclosing query) is among
    its author's first NEWCOMER_POSTS visible posts."""
    earlier = aliased(Post)
    before = (select(func.count()).select_from(earlier)
              .where(earlier.author_id == opening.author_id, earlier.status == "visible",
                     or_(earlier.created_at < opening.created_at,
                         and_(earlier.created_at == opening.created_at,
                              earlier.id < opening.id)))
              .scalar_subquery())
    return before < NEWCOMER_POSTS


def first_peer_replies(since: datetime | None = None):
    """A grouped subquery: ``thread_id`` and ``first_at``, the time of the first peer
    reply, for every thread that has one (created since ``since``, if given)."""
    stmt = (select(Post.thread_id.label("thread_id"),
                   func.min(Post.created_at).label("first_at"))
            .join(Thread, Thread.id == Post.thread_id)
            .where(Post.status == "visible", Post.author_id != Thread.author_id)
            .group_by(Post.thread_id))
    if since is not None:
        stmt = stmt.where(Thread.created_at >= since)
    return stmt.subquery()


def _waiting(user, hours: int):
    opening = aliased(Post)
    peer_reply = aliased(Post)
    replied = select(peer_reply.id).where(
        peer_reply.thread_id == Thread.id, peer_reply.author_id != Thread.author_id,
        peer_reply.status == "visible").exists()
    return (select(Thread)
            .join(opening, and_(opening.thread_id == Thread.id, opening.is_opening.is_(True)))
            .where(opening.status == "visible", Thread.is_locked.is_(False),
                   Thread.created_at <= utcnow() - timedelta(hours=hours),
                   permissions.moderated_filter(user, Thread.category_id),
                   permissions.listed_thread_filter(user),
                   newcomer_opening(opening), ~replied))


def waiting(user, *, hours: int, page: int):
    """Newcomers' threads in the categories ``user`` moderates (admins: all) with no
    peer reply after ``hours`` hours, oldest first, a page at a time."""
    stmt = (_waiting(user, hours)
            .options(joinedload(Thread.author), joinedload(Thread.category))
            .order_by(Thread.created_at, Thread.id))
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def waiting_count(user, *, hours: int) -> int:
    """How many threads ``waiting`` lists in all (for the moderation navigation)."""
    return db.session.scalar(select(func.count()).select_from(_waiting(user, hours).subquery()))
