"""Who may see and do what: the one place every view, listing, search and feed asks.

Post visibility is decided here, once for SQL (``visible_post_filter``) and once for a
loaded row (``can_view_post``), and search, digest and moderation use the same rule:

- visitors: visible posts in public categories;
- members: visible posts anywhere, plus their own pending/hidden/removed posts;
- moderators (with a current training record) additionally see every status except
  author-deleted in the categories they lead; admins in every category;
- author-deleted posts are never shown to anyone.

Moderator powers need the ``moderator`` role *and* a current training record: when the
training lapses, the powers lapse with it and the person posts as a member.
"""

from __future__ import annotations

from datetime import date

from flask import g, has_request_context
from sqlalchemy import false, or_, select, true

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Category, CategoryModerator, ModeratorTraining, Post, Thread, User

EDIT_STATUSES = ("visible", "pending")
LISTED_STATUSES = ("visible", "deleted_by_author")
RECERTIFY_WITHIN_DAYS = 30


class _All:
    """Sentinel: every category (admins)."""

    def __repr__(self) -> str:
        return "ALL"


ALL = _All()


def _member(user) -> User | None:
    """The logged-in ``User`` behind ``user`` (a proxy, a User or None), else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


# --- moderator powers -----------------------------------------------------------------

def current_training(user: User, on: date | None = None) -> ModeratorTraining | None:
    """The user's training record valid on ``on`` (today), the longest-lasting one."""
    on = on or utcnow().date()
    return db.session.scalar(
        select(ModeratorTraining)
        .where(ModeratorTraining.user_id == user.id, ModeratorTraining.valid_until >= on,
               ModeratorTraining.completed_on <= on)
        .order_by(ModeratorTraining.valid_until.desc()).limit(1)
    )


def current_trainings(users, on: date | None = None) -> dict[int, ModeratorTraining]:
    """``current_training`` for many users in one query, by user id (absent: none)."""
    on = on or utcnow().date()
    ids = [user.id for user in users]
    if not ids:
        return {}
    found: dict[int, ModeratorTraining] = {}
    for training in db.session.scalars(
            select(ModeratorTraining)
            .where(ModeratorTraining.user_id.in_(ids), ModeratorTraining.completed_on <= on)
            .order_by(ModeratorTraining.valid_until)):
        if training.valid_until >= on:
            found[training.user_id] = training  # the longest-lasting one comes last
    return found


def latest_trainings(users, on: date | None = None) -> dict[int, ModeratorTraining]:
    """Each user's longest-lasting training completed by ``on`` (today), current or
    lapsed, by user id: what a recertification reminder shows."""
    on = on or utcnow().date()
    ids = [user.id for user in users]
    if not ids:
        return {}
    return {training.user_id: training for training in db.session.scalars(
        select(ModeratorTraining)
        .where(ModeratorTraining.user_id.in_(ids), ModeratorTraining.completed_on <= on)
        .order_by(ModeratorTraining.valid_until))}


def has_current_training(user: User) -> bool:
    return current_training(user) is not None


def category_leads(category_id: int, *, on_duty: bool = False) -> list[User]:
    """The moderators who have powers in the category right now (they lead it, their
    training is current and they are not suspended), in one query; with ``on_duty``,
    only those who marked themselves available. The same rule as
    ``moderated_category_ids``, for many people at once."""
    stmt = (select(User).join(CategoryModerator, CategoryModerator.user_id == User.id)
            .where(CategoryModerator.category_id == category_id, _trained_lead(utcnow()))
            .order_by(User.display_name_key))
    if on_duty:
        stmt = stmt.where(User.is_on_duty.is_(True))
    return list(db.session.scalars(stmt))


def _trained_lead(now):
    """SQL criterion on ``User`` (joined to its ``CategoryModerator`` rows by the caller,
    or correlated): a moderator with current training who is not suspended."""
    today = now.date()
    trained = (select(ModeratorTraining.id)
               .where(ModeratorTraining.user_id == User.id,
                      ModeratorTraining.valid_until >= today,
                      ModeratorTraining.completed_on <= today).exists())
    return (User.role == "moderator") & trained & not_suspended_filter(now)


def not_suspended_filter(now=None):
    """SQL criterion on ``User``: not suspended at ``now`` (``User.is_suspended``)."""
    now = now or utcnow()
    return or_(User.suspended_until.is_(None), User.suspended_until <= now)


def moderated_category_ids(user) -> set[int] | _All:
    """Categories in which ``user`` has moderator powers right now (ALL for admins)."""
    member = _member(user)
    if member is None or member.role not in ("moderator", "admin"):
        return set()
    if member.role == "admin":
        return ALL
    if member.is_suspended(utcnow()):
        return set()  # a suspended moderator has no powers until the suspension ends
    cache = g.setdefault("_moderated_categories", {}) if has_request_context() else {}
    if member.id not in cache:
        ids: set[int] = set()
        if has_current_training(member):
            ids = set(db.session.scalars(
                select(CategoryModerator.category_id).where(CategoryModerator.user_id == member.id)
            ))
        cache[member.id] = ids
    return cache[member.id]


def preload_moderator_powers(users) -> None:
    """Work out ``moderated_category_ids`` for many moderators in two queries and keep
    it for the request, so that a page badging each post's author asks once, not per
    author."""
    if not has_request_context():
        return
    cache = g.setdefault("_moderated_categories", {})
    moderators = {user.id: user for user in users
                  if user is not None and user.role == "moderator" and user.id not in cache}
    if not moderators:
        return
    trained = current_trainings(moderators.values())
    led: dict[int, set[int]] = {user_id: set() for user_id in trained}
    if led:
        for user_id, category_id in db.session.execute(
                select(CategoryModerator.user_id, CategoryModerator.category_id)
                .where(CategoryModerator.user_id.in_(list(led)))):
            led[user_id].add(category_id)
    for user_id in moderators:
        cache[user_id] = led.get(user_id, set())


def is_active_moderator(user) -> bool:
    """An admin, or a trained moderator who leads at least one category."""
    ids = moderated_category_ids(user)
    return ids is ALL or bool(ids)


def can_moderate(user, category) -> bool:
    """Whether ``user`` may act on posts and threads in ``category`` (object or id)."""
    category_id = category if isinstance(category, int) else getattr(category, "id", None)
    ids = moderated_category_ids(user)
    return ids is ALL or category_id in ids


def moderated_filter(user, category_column):
    """SQL criterion: ``category_column`` is a category ``user`` moderates right now."""
    ids = moderated_category_ids(user)
    if ids is ALL:
        return true()
    return category_column.in_(ids) if ids else false()


# --- seeing ---------------------------------------------------------------------------

def can_view_category(user, category: Category) -> bool:
    """Visitors never see members-only categories (not even that they exist)."""
    return not category.members_only or _member(user) is not None


def visible_category_filter(user):
    """SQL criterion limiting ``Category`` rows to those ``user`` may see."""
    if _member(user) is not None:
        return Category.id.is_not(None)
    return Category.members_only.is_(False)


def can_view_thread(user, thread: Thread) -> bool:
    """A thread whose opening post is awaiting review or hidden is shown only to its
    author and the category's moderators."""
    if not can_view_category(user, thread.category):
        return False
    if thread.is_listed:
        return True
    member = _member(user)
    return member is not None and (member.id == thread.author_id
                                   or can_moderate(member, thread.category_id))


def listed_thread_filter(user):
    """SQL criterion for ``Thread`` rows ``user`` may see listed (category checked apart)."""
    member = _member(user)
    if member is None:
        return Thread.is_listed.is_(True)
    return or_(Thread.is_listed.is_(True), Thread.author_id == member.id,
               moderated_filter(member, Thread.category_id))


def thread_readers_filter(thread: Thread):
    """SQL criterion on ``User`` rows: the members who may read ``thread``'s visible
    posts right now, for many members at once (notifications). The same rule as
    ``can_view_thread`` for a logged-in member: every category is open to members; an
    unlisted thread only to its author and the category's moderators (admins, and
    trained, unsuspended leads)."""
    if thread.is_listed:
        return true()
    leads = select(CategoryModerator.user_id).where(
        CategoryModerator.category_id == thread.category_id)
    return or_(User.id == thread.author_id, User.role == "admin",
               _trained_lead(utcnow()) & User.id.in_(leads))


def can_view_history(user, post: Post) -> bool:
    """A post's earlier versions are for its author and the category's moderators only:
    text taken out of a post (a phone number, an address) must not stay public."""
    member = _member(user)
    if member is None or not can_view_post(member, post):
        return False
    return member.id == post.author_id or can_moderate(member, post.thread.category_id)


def can_view_post(user, post: Post) -> bool:
    """Whether ``user`` may read ``post``'s text (placeholders are shown otherwise)."""
    if not can_view_thread(user, post.thread):
        return False
    if post.status == "visible":
        return True
    if post.status == "deleted_by_author":
        return False
    member = _member(user)
    return member is not None and (
        member.id == post.author_id or can_moderate(member, post.thread.category_id)
    )


def visible_post_filter(user):
    """SQL criterion for the posts whose text ``user`` may read (listings, search, feeds).

    It checks the post's status and its category's audience (via a subquery, so the
    caller needs no join).
    """
    member = _member(user)
    if member is None:
        public_threads = select(Thread.id).join(Thread.category).where(
            Category.members_only.is_(False), Thread.is_listed.is_(True))
        return (Post.status == "visible") & Post.thread_id.in_(public_threads)
    listed = select(Thread.id).where(listed_thread_filter(member))
    moderated = select(Thread.id).where(moderated_filter(member, Thread.category_id))
    return Post.thread_id.in_(listed) & or_(
        Post.status == "visible",
        (Post.author_id == member.id) & Post.status.in_(("pending", "hidden", "removed")),
        (Post.status != "deleted_by_author") & Post.thread_id.in_(moderated),
    )


def can_view_full_profile(user, member: User) -> bool:
    """A profile's bio, facts and threads: for everyone, unless its owner hid it from
    visitors (``User.profile_hidden``); then for logged-in members only. Visitors
    still get the page with the display name, which every post shows anyway."""
    return not member.profile_hidden or _member(user) is not None


def can_see_former_names(user) -> bool:
    """Earlier display names (``display_name_changes``) are for staff only: admins and
    moderators with powers, who may need to follow a conversation across a change."""
    return is_active_moderator(user)


# --- doing ----------------------------------------------------------------------------

def can_post(user) -> bool:
    """Confirmed, not suspended members may write."""
    member = _member(user)
    return member is not None and member.is_confirmed and not member.is_suspended(utcnow())


def why_cannot_post(user) -> str | None:
    """A sentence telling ``user`` why they cannot write, or None if they can."""
    member = _member(user)
    if member is None:
        return "Log in or create an account to join the conversation."
    if not member.is_confirmed:
        return "Please confirm your email address before posting: check your inbox for our link."
    if member.is_suspended(utcnow()):
        return "Your account is suspended, so you can read but not post for now."
    return None


def can_start_thread(user, category: Category) -> bool:
    return can_post(user) and can_view_category(user, category)


def can_reply(user, thread: Thread) -> bool:
    if not (can_post(user) and can_view_thread(user, thread)):
        return False
    return not thread.is_locked or can_moderate(user, thread.category_id)


def can_edit_post(user, post: Post) -> bool:
    """Authors edit their own visible or pending posts while they may still post."""
    member = _member(user)
    return (
        member is not None
        and member.id == post.author_id
        and post.status in EDIT_STATUSES
        and can_post(member)
        and (not post.thread.is_locked or can_moderate(member, post.thread.category_id))
    )


def can_delete_post(user, post: Post) -> bool:
    member = _member(user)
    return (
        member is not None
        and member.id == post.author_id
        and post.status in ("visible", "pending", "hidden")
    )


def can_react(user, post: Post) -> bool:
    """Members react to other people's visible posts."""
    member = _member(user)
    return (
        can_post(member)
        and post.status == "visible"
        and member.id != post.author_id
        and can_view_thread(member, post.thread)
    )


def can_flag(user, post: Post) -> bool:
    """Confirmed members flag other people's visible posts (visitors cannot)."""
    member = _member(user)
    return (
        member is not None and member.is_confirmed
        and post.status == "visible" and member.id != post.author_id
        and can_view_thread(member, post.thread)
    )


TEMPLATE_HELPERS = {
    "can_reply": can_reply,
    "can_edit_post": can_edit_post,
    "can_delete_post": can_delete_post,
    "can_react": can_react,
    "can_flag": can_flag,
    "can_view_post": can_view_post,
    "can_view_history": can_view_history,
    "can_view_full_profile": can_view_full_profile,
    "can_see_former_names": can_see_former_names,
    "can_post": can_post,
    "can_start_thread": can_start_thread,
    "can_moderate": can_moderate,
    "is_active_moderator": is_active_moderator,
    "why_cannot_post": why_cannot_post,
}
