"""What a digest may show: the one rule, used when content is selected and again when
each message is sent.

A digest reader is never a moderator. An email-only subscriber reads as a visitor
(public categories only); a member subscriber reads as a member without moderator
powers, whatever their role: only ``visible`` posts, never pending, hidden, removed or
author-deleted ones, not even their own. On top of forum.permissions the digest also
leaves out posts that a moderator has not finished reviewing (an open flag or an open
review item), threads locked by a moderator, unlisted threads, and categories whose
``digest_mode`` keeps them out.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import and_, exists, select

from forum.models import Category, Flag, Post, ReviewItem, Thread
from forum.permissions import visible_category_filter

PUBLIC, MEMBERS = "public", "members"

# Category.digest_mode values and how admins see them.
DIGEST_MODES = {
    "full": "Full: titles and excerpts",
    "sensitive": "Sensitive: as DIGEST_SENSITIVE_MODE says (title only, or left out)",
    "title_only": "Title only, no excerpt",
    "excluded": "Left out of the digest",
}


class _MemberReader:
    """Stands for "a logged-in member without moderator powers" in forum.permissions."""

    is_authenticated = True
    id = None
    role = "member"


def reader_for(audience: str):
    """The forum.permissions user an audience reads as (None is a visitor)."""
    if audience not in (PUBLIC, MEMBERS):
        raise ValueError(audience)
    return None if audience == PUBLIC else _MemberReader()


def sensitive_mode() -> str:
    """What "sensitive" means here: "title_only" (the default) or "exclude"."""
    mode = current_app.config["DIGEST_SENSITIVE_MODE"]
    return "exclude" if mode in ("exclude", "excluded") else "title_only"


def effective_mode(digest_mode: str) -> str:
    """"full", "title_only" or "excluded" for a category's stored ``digest_mode``."""
    if digest_mode == "sensitive":
        return "excluded" if sensitive_mode() == "exclude" else "title_only"
    return digest_mode if digest_mode in ("full", "title_only", "excluded") else "full"


def excluded_modes() -> tuple[str, ...]:
    return ("excluded", "sensitive") if sensitive_mode() == "exclude" else ("excluded",)


def category_filter(audience: str):
    """SQL criterion for the ``Category`` rows whose threads a digest may show."""
    return and_(visible_category_filter(reader_for(audience)),
                Category.digest_mode.not_in(excluded_modes()))


def under_review():
    """SQL criterion: the post has an open flag or an open review item."""
    return (exists().where(Flag.post_id == Post.id, Flag.is_open.is_(True))
            | exists().where(ReviewItem.post_id == Post.id, ReviewItem.status == "open"))


def digest_thread_filter(audience: str):
    """SQL criterion for the ``Thread`` (joined with its ``Category``) a digest for
    ``audience`` may show: listed, not locked, in a category it may show."""
    return and_(Thread.is_listed.is_(True), Thread.is_locked.is_(False),
                category_filter(audience))


def digest_post_filter(audience: str):
    """SQL criterion for the ``Post`` rows a digest for ``audience`` may show or count.

    A thread is shown only if its opening post passes; replies and reactions count
    towards "most active" only on posts that pass.
    """
    # A correlated EXISTS (one primary-key lookup per post), not "IN (every listed
    # thread)": the check before each message must stay cheap on a big forum.
    thread_ok = (select(Thread.id).join(Thread.category)
                 .where(Thread.id == Post.thread_id, digest_thread_filter(audience))
                 .exists())
    return and_(Post.status == "visible", thread_ok, ~under_review())


def digest_opening_filter(audience: str):
    """``digest_post_filter`` for a query that already joins the post's ``Thread`` and
    its ``Category``: the same rule, without looking the thread up a second time."""
    return and_(Post.status == "visible", ~under_review(), digest_thread_filter(audience))
