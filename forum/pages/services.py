"""What help to show: the region's crisis contacts, and which kind of crisis a held post
is (medical help first, or emotional support)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from forum.extensions import db
from forum.models import ReviewItem, WatchedPhrase
from forum.models.vocab import PhraseCategory, RiskKind
from forum.pages.contacts import region

MEDICAL = RiskKind.MEDICAL.value
EMOTIONAL = RiskKind.EMOTIONAL.value


@dataclass(frozen=True)
class CrisisHelp:
    """Everything the help and supportive pages say about getting help now."""

    text: str  # CRISIS_TEXT
    region_name: str  # "the UK"
    emergency: str  # "999"
    contacts: tuple[tuple[str, str], ...]  # CRISIS_CONTACTS if set, else the region's


def crisis_help(config) -> CrisisHelp:
    """The crisis help for this forum's settings (``app.config``). CRISIS_CONTACTS, when
    set, replaces the region's crisis lines; the emergency number is always the region's."""
    place = region(config["CRISIS_REGION"])
    override = tuple((name, detail) for name, detail in config.get("CRISIS_CONTACTS") or ())
    return CrisisHelp(text=config["CRISIS_TEXT"], region_name=place.name,
                      emergency=place.emergency, contacts=override or place.contacts)


def crisis_kind(post_id: int) -> str:
    """"medical" or "emotional": which help the author of a held crisis post needs first.

    Read from the post's crisis review item (the open one, else the newest): medical if
    the risk engine said so, or if it came from a medical-emergency watched phrase;
    emotional otherwise, and for a post without a crisis item.
    """
    item = db.session.scalar(
        select(ReviewItem)
        .where(ReviewItem.post_id == post_id, ReviewItem.is_crisis.is_(True))
        .order_by((ReviewItem.status == "open").desc(), ReviewItem.created_at.desc(),
                  ReviewItem.id.desc())
        .limit(1))
    if item is None:
        return EMOTIONAL
    if item.risk_kind == MEDICAL:
        return MEDICAL
    if item.matched_phrase:
        category = db.session.scalar(
            select(WatchedPhrase.category).where(WatchedPhrase.phrase == item.matched_phrase))
        if category == PhraseCategory.MEDICAL_EMERGENCY:
            return MEDICAL
    return EMOTIONAL


# Paths with nothing a search engine should fetch: forms, personal pages, staff pages
# and search results (an endless crawl of private-looking URLs). Profiles and
# members-only pages stay fetchable so crawlers see their ``noindex`` (a disallowed URL
# can still be listed from links elsewhere, without its content).
ROBOTS_DISALLOWED = ("/search", "/settings", "/auth/", "/notifications", "/new", "/mod",
                     "/admin", "/digest/")


def robots_txt(search_engines: str) -> str:
    """``/robots.txt`` for ``SEARCH_ENGINES``: "public" keeps crawlers off the paths
    above; anything else ("none") keeps them off the whole site."""
    if search_engines != "public":
        return "User-agent: *\nDisallow: /\n"
    return "User-agent: *\n" + "".join(f"Disallow: {path}\n" for path in ROBOTS_DISALLOWED)
