"""Screening a new or edited post before it is saved: the risk engine (crisis and
check-in), watched phrases, personal information and pre-moderation of new members.
Pure decisions; no writes.

The risk engine (``engine.assess``, rules in ``rules.toml`` plus the admins' additions,
``custom.py``) reads the language of risk:
a ``crisis`` holds the post and alerts on-duty moderators exactly like a crisis phrase;
a ``concern`` publishes it and opens a check-in review item. Both carry the engine's
evidence (rule and matched words) to the review item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, User, WatchedPhrase
from forum.models.moderation import PHRASE_CATEGORIES, PHRASE_CATEGORY_REASON
from forum.models.vocab import FlagReason, ReviewSource
from forum.moderation.screening.custom import active_rules
from forum.moderation.screening.engine import RiskDecision, assess, phrase_in_safe_context
from forum.moderation.watch import find_matches, fold_phrase, personal_info

__all__ = ["PostBlocked", "Review", "RiskDecision", "Screening", "assess", "screen"]

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
    kind: str | None = None  # emotional | medical, from the risk engine
    evidence: str | None = None  # "rule: “words”; ..." from the risk engine


@dataclass
class Screening:
    """What to do with a post: its status and the review items it needs."""

    status: str = "visible"
    reviews: list[Review] = field(default_factory=list)
    risk: RiskDecision = field(default_factory=RiskDecision)

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

    The risk engine decides first: ``crisis`` holds the post as a crisis (never blocked;
    the author is shown a supportive page), ``concern`` publishes it with a check-in item.
    Crisis and medical-emergency phrases still hold as a crisis, unless the engine's cues
    say the phrase is safe where it stands (past, question, advice, negation, idiom...):
    then the post is published with a check-in item naming the phrase.
    """
    rules = active_rules()
    result = Screening(risk=assess(text, rules))
    matches = find_matches(text, db.session.scalars(select(WatchedPhrase)).all())
    crisis = [m for m in matches if m.category in CRISIS_CATEGORIES]
    blocking = [m for m in matches if m.action == "block" and m.category not in CRISIS_CATEGORIES]
    if blocking and not crisis and result.risk.decision != "crisis":
        raise PostBlocked(blocking[0].category)
    for match in matches:
        is_crisis = match.category in CRISIS_CATEGORIES
        if match.action == "block" and not is_crisis:
            continue
        if is_crisis and result.risk.decision != "crisis" and phrase_in_safe_context(
                text, fold_phrase(match.phrase), rules):
            # "I was in DKA two years ago", "this sensor is killing me": the engine's cues
            # say the phrase is not a crisis here. Published, and a moderator checks in.
            result.reviews.append(Review("watched_phrase", FlagReason.CHECK_IN,
                                         phrase=match.phrase))
            continue
        if match.action == "hold" or is_crisis:
            result.status = "pending"
        result.reviews.append(Review("watched_phrase", PHRASE_CATEGORY_REASON[match.category],
                                     crisis=is_crisis, phrase=match.phrase))
    # After the phrases, so an item a phrase opened keeps its source and phrase and
    # gains the engine's evidence.
    if result.risk.decision == "crisis":
        result.status = "pending"
        result.reviews.append(Review(ReviewSource.SCREENING, FlagReason.RISK_OF_HARM,
                                     crisis=True, kind=result.risk.kind,
                                     evidence=result.risk.evidence_text))
    elif result.risk.decision == "concern":
        result.reviews.append(Review(ReviewSource.SCREENING, FlagReason.CHECK_IN,
                                     kind=result.risk.kind,
                                     evidence=result.risk.evidence_text))
    if personal_info_confirmed and personal_info(text):
        result.reviews.append(Review("watched_phrase", "personal_info"))
    if new_post and _needs_premoderation(author, is_staff):
        result.status = "pending"
        result.reviews.append(Review("pre_moderation", "other"))
    return result
