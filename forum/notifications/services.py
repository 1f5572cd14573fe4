"""Following, and writing notifications. Services flush (or only add); the caller commits.

The fan-out (``post_published``) runs when a post *becomes visible*: created visible,
or made visible later by a moderator (approved, restored, edited back). It is called by
``forum.threads.services``, which is where every post's status changes, so a held,
pending, hidden or removed post notifies no one, and a held post notifies when a
moderator approves it. Who is told is decided in SQL at that moment, in at most three
``INSERT … SELECT`` statements whatever the number of followers:

1. quoted members, 2. @mentioned members (both unless they turned mentions off),
3. followers of the thread, and of its category unless they muted the thread;

each time leaving out the author, suspended members, members who may not read the
thread now (``forum.permissions.thread_readers_filter``) and anyone already told about
this post, so a member both mentioned and following gets one notification (the
mention), and a post hidden then restored does not notify twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, literal, select, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from forum import permissions
from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    Category,
    CategoryFollow,
    FollowLevel,
    ModerationNotice,
    Notification,
    NotificationKind,
    Post,
    Reaction,
    Thread,
    ThreadFollow,
    User,
)
from forum.models.base import UTCDateTime
from forum.notifications import mentions


def _insert_ignoring_duplicates(model):
    """``INSERT … ON CONFLICT DO NOTHING`` for ``model`` on this database."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()


# --- following ------------------------------------------------------------------------

def auto_follow(user: User, thread: Thread) -> None:
    """``user`` wrote in ``thread``: follow it, unless they turned that off or already
    chose (following, or muting: a mute is never undone by posting)."""
    if not user.auto_follow:
        return
    db.session.execute(_insert_ignoring_duplicates(ThreadFollow).values(
        user_id=user.id, thread_id=thread.id, level=FollowLevel.FOLLOW, created_at=utcnow()))


def set_thread_follow(user: User, thread: Thread, level: str | None) -> None:
    """Follow (``"follow"``), mute (``"mute"``) or forget (None: the category decides)."""
    if level is not None and level not in {choice.value for choice in FollowLevel}:
        raise ValueError(level)
    row = db.session.scalar(select(ThreadFollow).where(
        ThreadFollow.user_id == user.id, ThreadFollow.thread_id == thread.id))
    if level is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(ThreadFollow(user_id=user.id, thread_id=thread.id, level=level,
                                    created_at=utcnow()))
    else:
        row.level = level
    db.session.flush()


def set_category_follow(user: User, category: Category, follow: bool) -> None:
    """Follow every new post in ``category``, or stop."""
    row = db.session.scalar(select(CategoryFollow).where(
        CategoryFollow.user_id == user.id, CategoryFollow.category_id == category.id))
    if follow and row is None:
        db.session.add(CategoryFollow(user_id=user.id, category_id=category.id,
                                      created_at=utcnow()))
    elif not follow and row is not None:
        db.session.delete(row)
    db.session.flush()


EMAIL_SETTINGS = ("immediately", "daily", "never")


def save_settings(user: User, *, auto_follow: bool, notify_mentions: bool,
                  email_replies: str | None = None, email_follows: str | None = None,
                  quiet_hours: bool | None = None, time_zone: str | None = None) -> None:
    """Save the notification settings; the email ones only when given."""
    user.auto_follow = auto_follow
    user.notify_mentions = notify_mentions
    for name, value in (("email_replies", email_replies), ("email_follows", email_follows)):
        if value is not None:
            if value not in EMAIL_SETTINGS:
                raise ValueError(value)
            setattr(user, name, value)
    if quiet_hours is not None:
        user.quiet_hours = quiet_hours
    if time_zone is not None:
        user.time_zone = time_zone
    db.session.flush()


# --- the fan-out ----------------------------------------------------------------------

def post_published(post: Post) -> None:
    """Notify quoted and mentioned members and followers about ``post``, which has just
    become visible (flushed, status ``visible``). At most four statements."""
    if post.status != "visible":
        return
    now = utcnow()
    found = mentions.find(post.body_source)
    keys = found.keys()
    if keys:
        by_key = dict(db.session.execute(
            select(User.display_name_key, User.id).where(User.display_name_key.in_(keys))).all())
        quoted, mentioned = mentions.resolve(found, by_key)
        for kind, user_ids in ((NotificationKind.QUOTE, quoted),
                               (NotificationKind.MENTION, mentioned)):
            if user_ids:
                _insert_for(post, kind, now, select(User.id.label("user_id")).where(
                    User.id.in_(user_ids), User.notify_mentions.is_(True)))
    thread = post.thread
    muted = exists().where(ThreadFollow.user_id == CategoryFollow.user_id,
                           ThreadFollow.thread_id == thread.id,
                           ThreadFollow.level == FollowLevel.MUTE)
    followers = union(
        select(ThreadFollow.user_id.label("user_id")).where(
            ThreadFollow.thread_id == thread.id, ThreadFollow.level == FollowLevel.FOLLOW),
        select(CategoryFollow.user_id.label("user_id")).where(
            CategoryFollow.category_id == thread.category_id, ~muted),
    )
    _insert_for(post, NotificationKind.REPLY, now, followers)


def _insert_for(post: Post, kind: str, now: datetime, recipients) -> None:
    """One ``INSERT … SELECT``: a ``kind`` notification about ``post`` for each of
    ``recipients`` (a SELECT of ``user_id``) who may be told now."""
    wanted = recipients.subquery()
    told = exists().where(Notification.user_id == User.id, Notification.post_id == post.id)
    rows = (
        select(User.id, literal(str(kind)), literal(post.thread_id), literal(post.id),
               literal(post.author_id), literal(1), literal(now, UTCDateTime()),
               literal(now, UTCDateTime()))
        .select_from(wanted).join(User, User.id == wanted.c.user_id)
        .where(User.id != post.author_id, permissions.not_suspended_filter(now),
               permissions.thread_readers_filter(post.thread), ~told)
    )
    db.session.execute(Notification.__table__.insert().from_select(
        ["user_id", "kind", "thread_id", "post_id", "actor_id", "count", "created_at",
         "updated_at"], rows))


# --- reactions: one batched line per post --------------------------------------------

def reactions_changed(post: Post, *, by: User, added: bool,
                      at: datetime | None = None) -> None:
    """Keep the author's unread "people reacted to your post" line for ``post`` in step
    after ``by`` added or took back a reaction (flushed).

    While the line is unread it is updated, never repeated: its ``count`` is the number
    of people whose reactions to the post are newer than the line. A reaction taken back
    lowers it, and a line that falls to zero is deleted, so clicking on and off tells
    the author nothing. Suspended authors are told nothing new. ``at`` is the time
    of the reaction just added.
    """
    line = db.session.scalar(
        select(Notification).where(Notification.user_id == post.author_id,
                                   Notification.post_id == post.id,
                                   Notification.kind == NotificationKind.REACTIONS,
                                   Notification.read_at.is_(None))
        .order_by(Notification.id.desc()).limit(1))
    now = utcnow()
    if post.author.is_suspended(now):
        return  # suspended members are told nothing new, not even a bigger number
    if line is None:
        if not added or post.author_id == by.id:
            return
        db.session.add(Notification(user_id=post.author_id, kind=NotificationKind.REACTIONS,
                                    thread_id=post.thread_id, post_id=post.id, actor_id=by.id,
                                    count=1, created_at=at or now, updated_at=now))
        db.session.flush()
        return
    people = db.session.scalar(
        select(func.count(func.distinct(Reaction.user_id)))
        .where(Reaction.post_id == post.id, Reaction.created_at >= line.created_at)) or 0
    if people == 0:
        db.session.delete(line)
    else:
        if people > line.count:  # it grew: move it up the page
            line.updated_at, line.actor_id = now, by.id
        line.count = people
    db.session.flush()


# --- moderation decisions -------------------------------------------------------------

def moderation_decision(notice: ModerationNotice, post: Post | None) -> None:
    """A moderator's decision about the member's post or account (the text is in
    ``notice``). Always delivered, even to a suspended member: it may be the suspension."""
    now = notice.created_at or utcnow()
    db.session.add(Notification(
        user_id=notice.user_id, kind=NotificationKind.MODERATION, notice=notice,
        post_id=post.id if post is not None else None,
        thread_id=post.thread_id if post is not None else None,
        created_at=now, updated_at=now))


# --- reading --------------------------------------------------------------------------

class NotYours(Exception):
    """The notification belongs to someone else (403)."""


def mark_read(notification: Notification, *, user: User) -> None:
    if notification.user_id != user.id:
        raise NotYours(notification.id)
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; how many there were."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)

