"""Reading notifications and follow state. Visibility is checked again here, when read,
through ``forum.permissions``: a post hidden or removed after it notified, or a thread
the member can no longer see, drops out of the page and of the unread count alike."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import (
    REACTION_KINDS,
    Category,
    CategoryFollow,
    Notification,
    NotificationKind,
    Post,
    Reaction,
    Thread,
    ThreadFollow,
    User,
    display_name_key,
)
from forum.permissions import listed_thread_filter, visible_category_filter


def _readable(user: User):
    """SQL criterion on ``Notification`` outer-joined to its post, thread and category:
    a moderator's decision always shows; anything else only while its post is visible
    in a thread and category ``user`` may see."""
    return or_(
        Notification.kind == NotificationKind.MODERATION,
        and_(Post.status == "visible", listed_thread_filter(user),
             visible_category_filter(user)),
    )


def _mine(user: User, *columns):
    return (
        select(*columns)
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Thread, Thread.id == Post.thread_id)
        .outerjoin(Category, Category.id == Thread.category_id)
        .where(Notification.user_id == user.id, _readable(user))
    )


def unread_count(user: User) -> int:
    """The header's number: one query on the (user_id, read_at) index plus primary-key
    lookups of the few unread rows' posts and threads."""
    return db.session.scalar(
        _mine(user, func.count(Notification.id)).where(Notification.read_at.is_(None))) or 0


def page_of(user: User, page: int):
    """One page of ``user``'s notifications, newest first (a batched line counts from
    when it last grew). Beyond the last page: an empty page (the view 404s)."""
    per_page = current_app.config.get("NOTIFICATIONS_PER_PAGE", 20)
    stmt = (_mine(user, Notification)
            .options(joinedload(Notification.actor), joinedload(Notification.notice),
                     joinedload(Notification.post), joinedload(Notification.thread))
            .order_by(Notification.updated_at.desc(), Notification.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def reaction_summaries(items) -> dict[int, list[tuple[str, int]]]:
    """For the reactions lines among ``items``: ``{notification id: [(label, people)]}``,
    the people who reacted with each kind since the line began, in one query."""
    ids = [n.id for n in items if n.kind == NotificationKind.REACTIONS]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Notification.id, Reaction.kind, func.count(func.distinct(Reaction.user_id)))
        .join(Reaction, and_(Reaction.post_id == Notification.post_id,
                             Reaction.created_at >= Notification.created_at))
        .where(Notification.id.in_(ids)).group_by(Notification.id, Reaction.kind))
    found: dict[int, dict[str, int]] = {}
    for notification_id, kind, people in rows:
        found.setdefault(notification_id, {})[kind] = people
    return {nid: [(label, kinds[kind]) for kind, label in REACTION_KINDS.items() if kind in kinds]
            for nid, kinds in found.items()}


def thread_follow_level(user, thread: Thread) -> str | None:
    """``"follow"``, ``"mute"`` or None (no choice made) for a logged-in ``user``."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(ThreadFollow.level).where(
        ThreadFollow.user_id == user.id, ThreadFollow.thread_id == thread.id))


def follows_category(user, category_id: int) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(CategoryFollow.id).where(
        CategoryFollow.user_id == user.id, CategoryFollow.category_id == category_id)) is not None


def names_starting_with(prefix: str, *, limit: int) -> list[str]:
    """Up to ``limit`` display names whose key starts with ``prefix``'s key (2 to 40
    characters, else none), alphabetically."""
    key = display_name_key(prefix)[:40]
    if len(key) < 2 or "\x00" in key:
        return []
    pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.session.scalars(
        select(User.display_name).where(User.display_name_key.like(pattern, escape="\\"))
        .order_by(User.display_name_key).limit(limit)))


def unemailed(user: User, kinds, *, newest, oldest) -> list[Notification]:
    """``user``'s unread, not yet emailed notifications of ``kinds`` created between
    ``oldest`` and ``newest``, oldest first, with their posts, threads and categories:
    re-checked for visibility exactly as the page does (``_readable``)."""
    return list(db.session.scalars(
        _mine(user, Notification)
        .options(joinedload(Notification.actor),
                 joinedload(Notification.post).joinedload(Post.thread)
                 .joinedload(Thread.category))
        .where(Notification.kind.in_(kinds), Notification.read_at.is_(None),
               Notification.emailed_at.is_(None), Notification.created_at <= newest,
               Notification.created_at >= oldest)
        .order_by(Notification.created_at, Notification.id)).unique())


def last_emailed(user: User, thread_ids: list[int]) -> dict:
    """``{thread id: when user was last emailed about it}`` for ``thread_ids``."""
    return dict(db.session.execute(
        select(Notification.thread_id, func.max(Notification.emailed_at))
        .where(Notification.user_id == user.id, Notification.thread_id.in_(thread_ids),
               Notification.emailed_at.is_not(None))
        .group_by(Notification.thread_id)).all())
