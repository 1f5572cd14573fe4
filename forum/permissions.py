"""Who may see and do what: the one place every view, listing and feed asks.

Visibility of posts is decided here (``visible_post_filter`` for SQL listings and
``can_view_post`` for a loaded row) so that search, digest and moderation, added
later, use the same rule as the thread page.
"""

from __future__ import annotations

from sqlalchemy import or_

from forum.clock import utcnow
from forum.models import Category, Post, Thread, User

EDIT_STATUSES = ("visible", "pending")


def _member(user) -> User | None:
    """The logged-in ``User`` behind ``user`` (a proxy, a User or None), else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def is_staff(user) -> bool:
    """Moderators and admins see every post status (scoping per category comes with moderation)."""
    member = _member(user)
    return member is not None and member.is_moderator


def can_view_category(user, category: Category) -> bool:
    """Visitors never see members-only categories (not even that they exist)."""
    return not category.members_only or _member(user) is not None


def visible_category_filter(user):
    """SQL criterion limiting ``Category`` rows to those ``user`` may see."""
    if _member(user) is not None:
        return Category.id.is_not(None)
    return Category.members_only.is_(False)


def can_view_thread(user, thread: Thread) -> bool:
    return can_view_category(user, thread.category)


def can_view_post(user, post: Post) -> bool:
    """Whether ``user`` may read ``post``'s text (placeholders are shown otherwise)."""
    if not can_view_thread(user, post.thread):
        return False
    if post.status == "visible":
        return True
    if post.status == "deleted_by_author":
        return False
    member = _member(user)
    return member is not None and (member.id == post.author_id or is_staff(member))


def visible_post_filter(user):
    """SQL criterion for the posts whose text ``user`` may read (listings, search, feeds)."""
    member = _member(user)
    if member is None:
        return Post.status == "visible"
    if is_staff(member):
        return Post.status != "deleted_by_author"
    return or_(
        Post.status == "visible",
        (Post.author_id == member.id) & Post.status.in_(("pending", "hidden", "removed")),
    )


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
    return not thread.is_locked or is_staff(user)


def can_edit_post(user, post: Post) -> bool:
    """Authors edit their own visible or pending posts while they may still post."""
    member = _member(user)
    return (
        member is not None
        and member.id == post.author_id
        and post.status in EDIT_STATUSES
        and can_post(member)
        and (not post.thread.is_locked or is_staff(member))
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


TEMPLATE_HELPERS = {
    "can_reply": can_reply,
    "can_edit_post": can_edit_post,
    "can_delete_post": can_delete_post,
    "can_react": can_react,
    "can_view_post": can_view_post,
    "can_post": can_post,
    "can_start_thread": can_start_thread,
    "why_cannot_post": why_cannot_post,
}
