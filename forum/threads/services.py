"""Domain operations on threads and posts. They add and flush; the caller commits.

Every change of a post's status passes through here, so this is also where
``forum.notifications`` hears that a post became visible (and where writers follow
the threads they write in, and have read the thread as far as their post).

Counters (thread, category and member post counts) change in the same transaction
as the post, with SQL-side increments so concurrent requests never lose an update.
Counts include only ``visible`` posts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, inspect, select

from forum import text
from forum.audit import audit
from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    POST_STATUSES,
    REACTION_KINDS,
    Category,
    Post,
    PostRevision,
    Reaction,
    Thread,
    User,
)
from forum.notifications import reads
from forum.notifications import services as notifications
from forum.permissions import LISTED_STATUSES
from forum.search.indexing import expunge_after_commit


class ThreadLocked(Exception):
    """Replies are closed on this thread."""


class NotAllowed(Exception):
    """The member may not change this post in this way."""


def _count_post(post: Post, delta: int) -> None:
    """Move every counter that includes ``post`` by ``delta`` (±1)."""
    thread = post.thread
    if inspect(thread).persistent:
        thread.post_count = Thread.post_count + delta
        if not post.is_opening:
            thread.reply_count = Thread.reply_count + delta
    else:  # a thread being created in this transaction has no row to update yet
        thread.post_count = (thread.post_count or 0) + delta
    thread.category.post_count = Category.post_count + delta
    post.author.post_count = User.post_count + delta


def _new_post(thread: Thread, author: User, body: str, at: datetime, *, status: str,
              is_opening: bool) -> Post:
    body_html, body_text = text.render(body)
    post = Post(thread=thread, author=author, body_source=body, body_html=body_html,
                body_text=body_text, created_at=at, status=status, is_opening=is_opening)
    db.session.add(post)
    return post


def create_thread(category: Category, *, author: User, title: str, body: str,
                  at: datetime | None = None, status: str = "visible",
                  moderator_led: bool = False) -> Thread:
    """Start a thread in ``category`` with its opening post (``status`` from screening).

    A thread whose opening post is not yet visible is unlisted: only its author and
    the category's moderators see it until a moderator approves the post.
    """
    at = at or utcnow()
    listed = status in LISTED_STATUSES
    thread = Thread(category=category, author=author, title=" ".join(title.split()),
                    created_at=at, last_post_at=at, post_count=0, reply_count=0,
                    is_listed=listed, is_moderator_led=moderator_led)
    db.session.add(thread)
    post = _new_post(thread, author, body, at, status=status, is_opening=True)
    if listed:
        category.thread_count = Category.thread_count + 1
    if status == "visible":
        _count_post(post, +1)
        _touch_category(category, at)
    db.session.flush()
    notifications.auto_follow(author, thread)
    reads.mark_read(author, thread, upto=post)  # writers have read as far as their post
    notifications.post_published(post)
    return thread


def add_reply(thread: Thread, *, author: User, body: str, at: datetime | None = None,
              allow_locked: bool = False, status: str = "visible") -> Post:
    """Add a reply to ``thread``; a visible one bumps its activity time."""
    if thread.is_locked and not allow_locked:
        raise ThreadLocked(thread.id)
    at = at or utcnow()
    post = _new_post(thread, author, body, at, status=status, is_opening=False)
    if status == "visible":
        _count_post(post, +1)
        if thread.last_post_at is None or at > thread.last_post_at:
            thread.last_post_at = at
        _touch_category(thread.category, at)
    db.session.flush()
    notifications.auto_follow(author, thread)
    reads.mark_read(author, thread, upto=post)  # writers have read as far as their post
    notifications.post_published(post)
    return post


def _touch_category(category: Category, at: datetime) -> None:
    if category.last_post_at is None or at > category.last_post_at:
        category.last_post_at = at


def edit_post(post: Post, *, editor: User, body: str, title: str | None = None) -> Post:
    """Replace a post's text, keeping the previous version as a revision."""
    if body != post.body_source:
        db.session.add(PostRevision(post=post, editor=editor, body_source=post.body_source))
        post.body_source = body
        post.body_html, post.body_text = text.render(body)
        post.edited_at = utcnow()
    if title is not None and is_opening_post(post):
        post.thread.title = " ".join(title.split())
    db.session.flush()
    return post


def redact_revision(revision: PostRevision, *, by: User, reason: str) -> bool:
    """Remove an earlier version's text for good (personal details taken out of a post),
    keeping who, when and why; audited. Returns False if it was already redacted.

    Earlier versions are never indexed for search and audit entries never copy post
    text, so emptying the revision removes the text from the whole database. The
    search index only ever held the text as the post's *current* version; after the
    edit that replaced it, Whoosh keeps it in a deleted document until segments are
    merged, so the commit also expunges the index (``forum.search``). Text still in the
    post's current version is not touched: that is the author's or a moderator's edit.
    """
    if revision.is_redacted:
        return False
    revision.body_source = ""
    revision.redacted_at, revision.redacted_by_id = utcnow(), by.id
    revision.redaction_reason = reason
    post = revision.post
    audit(by, "redact_revision", target_type="post", target_id=post.id,
          category_id=post.thread.category_id, reason=reason,
          before={"revision_id": revision.id}, after={"redacted": True})
    expunge_after_commit()
    db.session.flush()
    return True


def redact_history(post: Post, *, by: User, reason: str) -> int:
    """Redact every earlier version of ``post``; returns how many were redacted."""
    return sum(redact_revision(revision, by=by, reason=reason) for revision in post.revisions)


def delete_post_by_author(post: Post, *, author: User) -> None:
    """Soft-delete: the post stays in place as "removed by its author"."""
    if post.author_id != author.id:
        raise NotAllowed(post.id)
    change_post_status(post, "deleted_by_author")


def change_post_status(post: Post, status: str) -> None:
    """Set ``post``'s status (moderation, author deletion), keeping every counter right.

    Counters include visible posts only, so a post leaving or returning to ``visible``
    moves them by one, and the thread's and category's latest activity are recomputed.
    An opening post also decides whether its thread is listed.
    """
    if status not in POST_STATUSES:
        raise ValueError(status)
    was_visible, now_visible = post.status == "visible", status == "visible"
    if was_visible != now_visible:
        _count_post(post, +1 if now_visible else -1)
    post.status = status
    if post.is_opening:
        # An author deleting their opening post keeps the thread as it was: listed if
        # it was, and never listed if the post was held or hidden (its title was never
        # published).
        listed = now_visible or (status in LISTED_STATUSES and post.thread.is_listed)
        _set_listed(post.thread, listed)
    db.session.flush()
    if was_visible != now_visible:
        _refresh_thread_activity(post.thread)
        _refresh_category_activity(post.thread.category)
        db.session.flush()
    if now_visible and not was_visible:
        # Approved, restored or edited back by a moderator: tell people now (a post never
        # notifies while held, pending, hidden or removed; nobody is told twice).
        notifications.post_published(post)


def unlist_thread(thread: Thread) -> None:
    """Take ``thread`` out of listings (its author and moderators still see it), keeping
    the category's thread count right. Erasure uses it for a thread left with nothing
    anyone may read."""
    _set_listed(thread, False)
    db.session.flush()


def _set_listed(thread: Thread, listed: bool) -> None:
    if thread.is_listed != listed:
        thread.is_listed = listed
        thread.category.thread_count = Category.thread_count + (1 if listed else -1)


def move_thread(thread: Thread, to_category: Category) -> None:
    """Move ``thread`` to ``to_category``, taking its thread and post counts with it."""
    source = thread.category
    if source.id == to_category.id:
        return
    posts = db.session.scalar(
        select(func.count()).select_from(Post)
        .where(Post.thread_id == thread.id, Post.status == "visible")
    )
    listed = 1 if thread.is_listed else 0
    source.thread_count = Category.thread_count - listed
    source.post_count = Category.post_count - posts
    to_category.thread_count = Category.thread_count + listed
    to_category.post_count = Category.post_count + posts
    thread.category = to_category
    db.session.flush()
    _refresh_category_activity(source)
    _refresh_category_activity(to_category)
    db.session.flush()


# The two refreshes below are SQL subqueries, run after the change they follow has been
# flushed, so the newest *visible* post decides.

def _refresh_thread_activity(thread: Thread) -> None:
    """The thread's newest visible post time (its creation time if it has none)."""
    thread.last_post_at = func.coalesce(
        select(func.max(Post.created_at))
        .where(Post.thread_id == thread.id, Post.status == "visible").scalar_subquery(),
        Thread.created_at,
    )


def _refresh_category_activity(category: Category) -> None:
    """The category's newest visible post time (None if it has none)."""
    category.last_post_at = (
        select(func.max(Post.created_at)).join(Post.thread)
        .where(Thread.category_id == category.id, Post.status == "visible").scalar_subquery()
    )


def toggle_reaction(post: Post, *, user: User, kind: str) -> bool:
    """Add ``user``'s reaction of ``kind`` to ``post``, or take it back. True if added."""
    if kind not in REACTION_KINDS:
        raise ValueError(kind)
    existing = db.session.scalar(
        select(Reaction).filter_by(post_id=post.id, user_id=user.id, kind=kind)
    )
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        notifications.reactions_changed(post, by=user, added=False)
        return False
    reaction = Reaction(post_id=post.id, user_id=user.id, kind=kind)
    db.session.add(reaction)
    db.session.flush()
    notifications.reactions_changed(post, by=user, added=True, at=reaction.created_at)
    return True


def is_opening_post(post: Post) -> bool:
    return post.is_opening


def reaction_counts(post_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{post_id: {kind: count}}`` for the given posts, in one query."""
    counts: dict[int, dict[str, int]] = {pid: {} for pid in post_ids}
    if not post_ids:
        return counts
    rows = db.session.execute(
        select(Reaction.post_id, Reaction.kind, func.count())
        .where(Reaction.post_id.in_(post_ids)).group_by(Reaction.post_id, Reaction.kind)
    )
    for post_id, kind, count in rows:
        counts[post_id][kind] = count
    return counts


def reactions_by(user: User | None, post_ids: list[int]) -> set[tuple[int, str]]:
    """The ``(post_id, kind)`` pairs ``user`` has reacted with among ``post_ids``."""
    if user is None or not post_ids:
        return set()
    rows = db.session.execute(
        select(Reaction.post_id, Reaction.kind)
        .where(Reaction.user_id == user.id, Reaction.post_id.in_(post_ids))
    )
    return {(post_id, kind) for post_id, kind in rows}
