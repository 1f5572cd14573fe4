"""Member writes with the safety net around them: contact details, screening, review
items, alerts.

``submit_thread``, ``submit_reply`` and ``submit_edit`` are what the views call. Each
first asks the member to confirm contact details found in the text
(``ContactDetailsFound``), then screens it (watched phrases, pre-moderation of new
members), writes through ``forum.threads.services``, opens the review item the post
needs and queues crisis alerts, which go out only after the commit.

This package sits above both ``threads`` (storage) and ``moderation`` (screening,
review items, alerts), so neither of those needs the other's write path.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from forum import permissions
from forum.models import Category, Post, Thread, User
from forum.moderation import alerts
from forum.moderation.screening import PostBlocked, Screening, screen
from forum.moderation.services import open_review_item
from forum.moderation.watch import personal_info
from forum.threads import services

__all__ = ["ContactDetailsFound", "PostBlocked", "Submitted", "submit_edit", "submit_reply",
           "submit_thread"]


class ContactDetailsFound(Exception):
    """The text holds contact details (phone numbers, email addresses) the member has
    not yet agreed to share: ask them first."""

    def __init__(self, found: list[str]):
        super().__init__(len(found))
        self.found = found


@dataclass
class Submitted:
    """What happened to a member's post, for the view to tell them."""

    post: Post
    held: bool
    crisis: bool


def _follow_up(post: Post, screening: Screening) -> Submitted:
    """Open the post's review item (one per post) and alert on-duty moderators."""
    item = None
    for review in screening.reviews:
        item = open_review_item(post, source=review.source, reason=review.reason,
                                crisis=review.crisis, matched_phrase=review.phrase,
                                risk_kind=review.kind, evidence=review.evidence)
    if item is not None and item.is_crisis and item.alerted_at is None:
        alerts.alert_on_duty(item)
    return Submitted(post=post, held=post.status == "pending", crisis=screening.is_crisis)


def _screen(author: User, category_id: int, text: str, *, new_post: bool,
            personal_info_confirmed: bool) -> Screening:
    """Screen ``text``; raises ContactDetailsFound first if it needs the member's consent."""
    found = personal_info(text)
    if found and not personal_info_confirmed:
        raise ContactDetailsFound(found)
    return screen(author, text, is_staff=permissions.can_moderate(author, category_id),
                  new_post=new_post and current_app.config["PREMODERATION_POSTS"] > 0,
                  personal_info_confirmed=personal_info_confirmed)


def submit_thread(category: Category, *, author: User, title: str, body: str,
                  personal_info_confirmed: bool = False,
                  moderator_led: bool = False) -> Submitted:
    """Start a thread. Raises ContactDetailsFound, or PostBlocked for spam or
    prescription trading."""
    screening = _screen(author, category.id, f"{title}\n{body}", new_post=True,
                        personal_info_confirmed=personal_info_confirmed)
    thread = services.create_thread(
        category, author=author, title=title, body=body, status=screening.status,
        moderator_led=moderator_led and permissions.can_moderate(author, category.id))
    return _follow_up(thread.posts[0], screening)


def submit_reply(thread: Thread, *, author: User, body: str,
                 personal_info_confirmed: bool = False) -> Submitted:
    """Reply to a thread. Raises ContactDetailsFound, PostBlocked or ThreadLocked."""
    screening = _screen(author, thread.category_id, body, new_post=True,
                        personal_info_confirmed=personal_info_confirmed)
    post = services.add_reply(thread, author=author, body=body, status=screening.status,
                              allow_locked=permissions.can_moderate(author, thread.category_id))
    return _follow_up(post, screening)


def submit_edit(post: Post, *, editor: User, body: str, title: str | None = None,
                personal_info_confirmed: bool = False) -> Submitted:
    """Edit one's own post; an edit that trips a crisis phrase is held for review."""
    text = f"{title}\n{body}" if title else body
    screening = _screen(editor, post.thread.category_id, text, new_post=False,
                        personal_info_confirmed=personal_info_confirmed)
    services.edit_post(post, editor=editor, body=body, title=title)
    if screening.status == "pending" and post.status == "visible":
        services.change_post_status(post, "pending")
    return _follow_up(post, screening)
