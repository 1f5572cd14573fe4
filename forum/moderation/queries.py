"""Read-side queries for moderators: the queue, an item in context, author history."""

from __future__ import annotations

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from forum import permissions
from forum.extensions import db
from forum.models import AuditEntry, Category, Flag, Post, ReviewItem, User, display_name_key

QUEUE_PER_PAGE = 25
CONTEXT_POSTS = 2


def _scope(stmt, user, column):
    """Limit ``stmt`` to the categories ``user`` moderates (admins: all)."""
    return stmt.where(permissions.moderated_filter(user, column))


def queue(user, *, category_id: int | None, reason: str | None, status: str, page: int):
    """Review items in ``user``'s categories: most urgent first, then oldest."""
    stmt = _scope(select(ReviewItem), user, ReviewItem.category_id)
    if status in ("open", "resolved"):
        stmt = stmt.where(ReviewItem.status == status)
    if category_id:
        stmt = stmt.where(ReviewItem.category_id == category_id)
    if reason:
        stmt = stmt.where(ReviewItem.reason == reason)
    if status == "resolved":
        stmt = stmt.order_by(ReviewItem.resolved_at.desc(), ReviewItem.id.desc())
    else:
        # Open items before resolved ones ("open" < "resolved"), then most urgent, oldest.
        stmt = stmt.order_by(ReviewItem.status, ReviewItem.priority,
                             ReviewItem.created_at, ReviewItem.id)
    # Everything a row of the queue shows, loaded with the page (not once per row).
    stmt = stmt.options(joinedload(ReviewItem.post).joinedload(Post.thread),
                        joinedload(ReviewItem.category), joinedload(ReviewItem.claimed_by),
                        selectinload(ReviewItem.flags))
    return db.paginate(stmt, page=page, per_page=QUEUE_PER_PAGE, error_out=False)


def item_or_404(item_id: int, user, *, for_update: bool = False) -> ReviewItem:
    """The item if ``user`` may moderate its category. ``for_update`` locks its row
    (PostgreSQL) until the commit: two moderators acting on one item at the same moment
    then act one after the other, and the second finds it closed."""
    item = db.session.get(ReviewItem, item_id, with_for_update=for_update, options=[
        selectinload(ReviewItem.flags).joinedload(Flag.reporter)])
    if item is None or not permissions.can_moderate(user, item.category_id):
        abort(404)
    return item


def posts_around(post: Post) -> list[Post]:
    """The post with up to two neighbours on each side, in thread order."""
    before = db.session.scalars(
        select(Post).options(joinedload(Post.author)).where(Post.thread_id == post.thread_id,
                           (Post.created_at < post.created_at)
                           | ((Post.created_at == post.created_at) & (Post.id < post.id)))
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(CONTEXT_POSTS)
    ).all()
    after = db.session.scalars(
        select(Post).options(joinedload(Post.author)).where(Post.thread_id == post.thread_id,
                           (Post.created_at > post.created_at)
                           | ((Post.created_at == post.created_at) & (Post.id > post.id)))
        .order_by(Post.created_at, Post.id).limit(CONTEXT_POSTS)
    ).all()
    return list(reversed(before)) + [post] + list(after)


def author_history(author: User) -> dict:
    """What a moderator needs to know about a post's author."""
    outcomes = dict(db.session.execute(
        select(ReviewItem.outcome, func.count()).join(Post, Post.id == ReviewItem.post_id)
        .where(Post.author_id == author.id, ReviewItem.status == "resolved")
        .group_by(ReviewItem.outcome)
    ).all())
    total_posts = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.author_id == author.id)
    )
    return {"user": author, "total_posts": total_posts, "outcomes": outcomes}


def audit_entries(user, *, action: str | None, category_id: int | None,
                  actor_name: str | None, page: int | None = None):
    """Audit entries ``user`` may see (moderators: their categories), newest first."""
    stmt = _scope(select(AuditEntry), user, AuditEntry.category_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if category_id:
        stmt = stmt.where(AuditEntry.category_id == category_id)
    if actor_name:
        stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(
            User.display_name_key == display_name_key(actor_name))
    stmt = stmt.options(joinedload(AuditEntry.actor)).order_by(
        AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if page is None:
        return db.session.scalars(stmt)
    return db.paginate(stmt, page=page, per_page=50, error_out=False)


def moderated_categories(user) -> list[Category]:
    stmt = _scope(select(Category), user, Category.id).order_by(Category.position, Category.name)
    return list(db.session.scalars(stmt))
