"""Screening a new or edited post before it is saved: watched phrases, personal
information and pre-moderation of new members. Pure decisions; no writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, User, WatchedPhrase
from forum.models.moderation import PHRASE_CATEGORIES, PHRASE_CATEGORY_REASON
from forum.moderation.watch import find_matches, personal_info

CRISIS_CATEGORIES = ("crisis", "medical_emergency")


class PostBlocked(Exception):
    """A watched phrase refuses this post (spam, prescription trading)."""

    def __init__(self, category: str):
        super().__init__(category)
        self.category = category

    @property
    def message(self) -> str:
        label = PHRASE_CATEGORIES.get(self.category, "our guidelines").lower()
        return (f"This can't be posted because it looks like {label}, which our community "
                "guidelines don't allow. Please edit it and try again.")


@dataclass
class Review:
    """A review item the post needs once it is saved."""

    source: str
    reason: str
    crisis: bool = False
    phrase: str | None = None


@dataclass
class Screening:
    """What to do with a post: its status and the review items it needs."""

    status: str = "visible"
    reviews: list[Review] = field(default_factory=list)

    @property
    def is_crisis(self) -> bool:
        return any(r.crisis for r in self.reviews)


def _needs_premoderation(author: User, is_staff: bool) -> bool:
    limit = current_app.config["PREMODERATION_POSTS"]
    if is_staff or limit <= 0:
        return False
    published = db.session.scalar(
        select(func.count()).select_from(Post)
        .where(Post.author_id == author.id, Post.status.in_(("visible", "hidden")))
    )
    return published < limit


def screen(author: User, text: str, *, is_staff: bool, new_post: bool = True,
           personal_info_confirmed: bool = False) -> Screening:
    """Decide a post's fate. Raises PostBlocked for a ``block`` phrase.

    Crisis and medical-emergency phrases are never blocked: the post is held for a
    trained peer moderator and the author is shown a supportive page.
    """
    result = Screening()
    matches = find_matches(text, db.session.scalars(select(WatchedPhrase)).all())
    crisis = [m for m in matches if m.category in CRISIS_CATEGORIES]
    blocking = [m for m in matches if m.action == "block" and m.category not in CRISIS_CATEGORIES]
    if blocking and not crisis:
        raise PostBlocked(blocking[0].category)
    for match in matches:
        is_crisis = match.category in CRISIS_CATEGORIES
        if match.action == "block" and not is_crisis:
            continue
        if match.action == "hold" or is_crisis:
            result.status = "pending"
        result.reviews.append(Review("watched_phrase", PHRASE_CATEGORY_REASON[match.category],
                                     crisis=is_crisis, phrase=match.phrase))
    if personal_info_confirmed and personal_info(text):
        result.reviews.append(Review("watched_phrase", "personal_info"))
    if new_post and _needs_premoderation(author, is_staff):
        result.status = "pending"
        result.reviews.append(Review("pre_moderation", "other"))
    return result
