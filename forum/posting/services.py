"""Member writes with the safety net around them: contact details, screening, review
items, alerts.

``submit_thread``, ``submit_reply`` and ``submit_edit`` are what the views call. Each
first asks the member to confirm contact details found in the text
(``ContactDetailsFound``), then screens it (watched phrases, pre-moderation of new
members), asks about dose instructions to someone else (``DoseAdviceFound``, unless the
post is a crisis), writes through ``forum.threads.services``, opens the review item the
post needs and queues crisis alerts, which go out only after the commit.

The dose-advice prompt is counted in ``advice_nudges`` (no text, no author): ``shown``
once per draft, added to the session before the prompt is raised (the view commits it),
and ``rephrased`` or ``posted_anyway`` with the post itself.

This package sits above both ``threads`` (storage) and ``moderation`` (screening,
review items, alerts), so neither of those needs the other's write path.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from forum import permissions
from forum.extensions import db
from forum.models import AdviceNudge, AdviceNudgeKind, Category, Post, Thread, User
from forum.moderation import alerts
from forum.moderation.screening import PostBlocked, Screening, screen
from forum.moderation.services import open_review_item
from forum.moderation.watch import personal_info
from forum.posting.advice import dose_advice
from forum.threads import services

__all__ = ["AdviceChoice", "AskFirst", "ContactDetailsFound", "DoseAdviceFound", "PostBlocked",
           "Submitted", "submit_edit", "submit_reply", "submit_thread"]


class AskFirst(Exception):
    """Nothing is written yet: the member has a question to answer first. Either list
    may be empty, never both; the view shows a prompt for each."""

    def __init__(self, found: list[str], dose_advice: list[str] | None = None):
        super().__init__(len(found), len(dose_advice or []))
        self.found = found  # kinds of contact details ("phone number")
        self.dose_advice = dose_advice or []  # sentences that read as dose instructions


class ContactDetailsFound(AskFirst):
    """The text holds contact details (phone numbers, email addresses) the member has
    not yet agreed to share: ask them first (and about dose advice, if also found)."""


class DoseAdviceFound(AskFirst):
    """The text tells someone else what dose to take (``forum.posting.advice``): suggest
    sharing experience instead, and let the member rephrase or post anyway."""


@dataclass(frozen=True)
class AdviceChoice:
    """The member's side of the dose-advice prompt, read from the form by the view."""

    post_anyway: bool = False  # they ticked "post anyway"
    prompted: bool = False  # the form they sent came from the prompt (its hidden field)
    counted: bool = False  # this draft's prompt is already counted (a resend, a reload)


NOT_ASKED = AdviceChoice()


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
            personal_info_confirmed: bool, advice: AdviceChoice) -> Screening:
    """Screen ``text``. Raises ContactDetailsFound first if it needs the member's consent,
    and DoseAdviceFound after screening if it tells someone what dose to take (a crisis
    is never slowed down by that prompt; a blocked post is refused first)."""
    contacts = personal_info(text)
    ask_contacts = bool(contacts) and not personal_info_confirmed
    instructions = dose_advice(text)
    ask_advice = bool(instructions) and not advice.post_anyway
    if ask_contacts and not ask_advice:
        raise ContactDetailsFound(contacts)
    screening = screen(author, text, is_staff=permissions.can_moderate(author, category_id),
                       new_post=new_post and current_app.config["PREMODERATION_POSTS"] > 0,
                       personal_info_confirmed=personal_info_confirmed)
    if ask_advice and not screening.is_crisis:
        if not advice.counted:
            _count(AdviceNudgeKind.SHOWN, category_id)
        if ask_contacts:
            raise ContactDetailsFound(contacts, instructions)
        raise DoseAdviceFound([], instructions)
    if ask_contacts:
        raise ContactDetailsFound(contacts)
    if instructions and advice.post_anyway:
        _count(AdviceNudgeKind.POSTED_ANYWAY, category_id)
    elif not instructions and advice.prompted:
        _count(AdviceNudgeKind.REPHRASED, category_id)
    return screening


def _count(kind: AdviceNudgeKind, category_id: int) -> None:
    db.session.add(AdviceNudge(kind=kind, category_id=category_id))


def submit_thread(category: Category, *, author: User, title: str, body: str,
                  personal_info_confirmed: bool = False, advice: AdviceChoice = NOT_ASKED,
                  moderator_led: bool = False) -> Submitted:
    """Start a thread. Raises ContactDetailsFound or DoseAdviceFound (ask first), or
    PostBlocked for spam or prescription trading."""
    screening = _screen(author, category.id, f"{title}\n{body}", new_post=True,
                        personal_info_confirmed=personal_info_confirmed, advice=advice)
    thread = services.create_thread(
        category, author=author, title=title, body=body, status=screening.status,
        moderator_led=moderator_led and permissions.can_moderate(author, category.id))
    return _follow_up(thread.posts[0], screening)


def submit_reply(thread: Thread, *, author: User, body: str,
                 personal_info_confirmed: bool = False,
                 advice: AdviceChoice = NOT_ASKED) -> Submitted:
    """Reply to a thread. Raises ContactDetailsFound, DoseAdviceFound, PostBlocked or
    ThreadLocked."""
    screening = _screen(author, thread.category_id, body, new_post=True,
                        personal_info_confirmed=personal_info_confirmed, advice=advice)
    post = services.add_reply(thread, author=author, body=body, status=screening.status,
                              allow_locked=permissions.can_moderate(author, thread.category_id))
    return _follow_up(post, screening)


def submit_edit(post: Post, *, editor: User, body: str, title: str | None = None,
                personal_info_confirmed: bool = False,
                advice: AdviceChoice = NOT_ASKED) -> Submitted:
    """Edit one's own post; an edit that trips a crisis phrase is held for review.
    Raises ContactDetailsFound, DoseAdviceFound or PostBlocked."""
    text = f"{title}\n{body}" if title else body
    screening = _screen(editor, post.thread.category_id, text, new_post=False,
                        personal_info_confirmed=personal_info_confirmed, advice=advice)
    services.edit_post(post, editor=editor, body=body, title=title)
    if screening.status == "pending" and post.status == "visible":
        services.change_post_status(post, "pending")
    return _follow_up(post, screening)
