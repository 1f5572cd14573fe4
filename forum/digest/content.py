"""What goes into a digest: selection for a window and audience, then one digest per
subscriber, re-checked against the database just before it is sent.

A window is what one subscriber's digest covers (``forum.digest.schedule.window_for``):
the whole period for everyone who had the one before, so one selection serves them all;
a newcomer's or a late subscriber's own window gets a selection of its own.

Sections: moderators' picks, new conversations, most active (replies and reactions in
the period) and "Can you help?" (threads of the last four weeks still waiting for a
first reply, newest first). A thread appears once, in the first of picks, "Can you help?", new and
most active that it qualifies for.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select

from forum.digest.audience import (
    MEMBERS,
    PUBLIC,
    digest_opening_filter,
    digest_post_filter,
    effective_mode,
)
from forum.digest.schedule import (
    FIRST_LOOKBACK,
    Period,
    Schedule,
    Window,
    period_window,
    window_for,
)
from forum.digest.versions import DataVersion
from forum.extensions import db
from forum.models import Category, DigestFeature, Post, Reaction, Thread
from forum.text import excerpt as cut_excerpt
from forum.urls import external_url

UNANSWERED_WINDOW = timedelta(days=28)
EXCERPT_SOURCE = 600  # characters read per opening post: plenty for a 200-character excerpt
SECTIONS = (
    ("picks", "Picked by our moderators"),
    ("new", "New conversations"),
    ("active", "Most active this week"),
    ("help", "Can you help?"),
)
# A thread goes into the first section of this order that it qualifies for.
_PRIORITY = ("picks", "help", "new", "active")


@dataclass(frozen=True)
class Item:
    """One thread as a digest shows it (plain data, safe to keep across sessions)."""

    thread_id: int
    title: str
    category_id: int
    category_name: str
    excerpt: str | None  # None: the category shows titles only
    replies: int
    url: str
    created_at: datetime
    activity: int = 0
    is_new: bool = False


@dataclass
class Digest:
    """One subscriber's digest: what ``window`` holds for them."""

    window: Window
    sections: list[tuple[str, str, list[Item]]] = field(default_factory=list)
    _key: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def items(self) -> list[Item]:
        return [item for _key, _heading, items in self.sections for item in items]

    @property
    def new_count(self) -> int:
        return sum(1 for item in self.items if item.is_new)

    @property
    def is_empty(self) -> bool:
        """Nothing new this week: no pick, no new thread, no activity."""
        return not any(key != "help" or item.is_new
                       for key, _heading, items in self.sections for item in items)

    def key(self) -> tuple:
        """The digest's content as a hashable value: equal keys, equal emails."""
        if self._key is None:
            self._key = (self.window, tuple((key, heading, tuple(items))
                                                for key, heading, items in self.sections))
        return self._key

    def copy(self) -> Digest:
        """A copy whose section list can change without changing this one."""
        return Digest(self.window, list(self.sections), self._key)

    def thread_ids(self) -> list[int]:
        return [item.thread_id for item in self.items]


def audience_of(subscriber) -> str:
    """A member reads as a member; an email-only subscriber as a visitor."""
    return MEMBERS if subscriber.is_member else PUBLIC


def _opening_select(audience: str, *where, body: bool = True):
    """(Thread, opening Post body_text, Category) rows for threads whose opening post a
    digest for ``audience`` may show (without the body when ``body`` is False)."""
    columns = [Thread.id, Thread.title, Thread.category_id, Thread.reply_count,
               Thread.created_at, Category.name, Category.digest_mode]
    if body:
        columns.append(func.substr(Post.body_text, 1, EXCERPT_SOURCE).label("body_text"))
    return (
        select(*columns)
        .join(Post, (Post.thread_id == Thread.id) & Post.is_opening.is_(True))
        .join(Category, Category.id == Thread.category_id)
        .where(digest_opening_filter(audience), *where)
    )


def _shown(row, body_text: str | None) -> dict:
    """What an item shows of ``row`` as it is now: title (never a CR or LF, wherever the
    title goes), category, excerpt as the category's digest mode allows, replies."""
    full = effective_mode(row.digest_mode) == "full"
    return {"title": " ".join(row.title.split()), "category_name": row.name,
            "excerpt": cut_excerpt(body_text or "", 200) if full else None,
            "replies": row.reply_count}


def _item(row, body_text: str | None, *, activity: int = 0, is_new: bool = False) -> Item:
    return Item(
        thread_id=row.id, category_id=row.category_id, **_shown(row, body_text),
        url=external_url("threads.show", thread_id=row.id), created_at=row.created_at,
        activity=activity, is_new=is_new,
    )


class Selection:
    """The candidate threads of one window for one audience, ranked per section.

    Built once per run (the expensive part); ``digest_for`` then only filters by the
    subscriber's categories, and ``recheck`` asks the database again right before a
    message goes out, so anything hidden, flagged or locked meanwhile drops out.
    """

    def __init__(self, window: Window | Period, audience: str):
        if isinstance(window, Period):
            window = period_window(window)
        self.window, self.audience = window, audience
        self.per_section = int(current_app.config["DIGEST_ITEMS_PER_SECTION"])
        self.sections: dict[str, list[Item]] = {key: [] for key, _ in SECTIONS}
        self._cache: dict[frozenset[int] | None, Digest] = {}
        # Built once: the check before each message then costs one indexed query.
        self._recheck = _opening_select(audience, Thread.id.in_(bindparam("ids", expanding=True)))
        self._select()

    def _select(self) -> None:
        start, end = self.window.start, self.window.end
        activity = self._activity(start, end)
        picks = dict(db.session.execute(
            select(DigestFeature.thread_id, func.min(DigestFeature.created_at))
            .where(DigestFeature.period.in_(self.window.picks))
            .group_by(DigestFeature.thread_id)).all()) if self.window.picks else {}
        window = end - UNANSWERED_WINDOW
        candidates = db.session.execute(_opening_select(
            self.audience, Thread.created_at < end,
            (Thread.created_at >= start)
            | ((Thread.created_at >= window) & (Thread.reply_count == 0))
            | Thread.id.in_(list(activity) + list(picks)), body=False)).all()
        placed: dict[str, list[tuple]] = defaultdict(list)
        for row in candidates:
            is_new = row.created_at >= start
            newest = -row.created_at.timestamp()
            for key in _PRIORITY:
                if key == "picks" and row.id in picks:
                    rank = (picks[row.id],)
                elif key == "help" and row.reply_count == 0:
                    rank = (newest,)
                elif key == "new" and is_new:
                    rank = (newest,)
                elif key == "active" and activity.get(row.id, 0) > 0:
                    rank = (-activity[row.id], newest)
                else:
                    continue
                placed[key].append((*rank, row.id, row, is_new))
                break
        kept = {key: self._top_per_category(entries) for key, entries in placed.items()}
        # Excerpts (and links) only for the threads that can reach some digest.
        bodies = {row.id: row.body_text for row in db.session.execute(
            self._recheck, {"ids": [e[-2].id for entries in kept.values() for e in entries]})}
        for key, entries in kept.items():
            self.sections[key] = [
                _item(row, bodies[row.id], activity=activity.get(row.id, 0), is_new=is_new)
                for *_rank, row, is_new in entries if row.id in bodies]

    def _top_per_category(self, entries: list[tuple]) -> list[tuple]:
        """``entries`` in rank order, keeping the first ``per_section`` of each category.

        Enough for every subscriber: a digest takes a section's first ``per_section``
        threads among its categories, so it never reaches past a category's own first
        ``per_section``.
        """
        entries.sort(key=lambda entry: entry[:-2])
        seen: dict[int, int] = defaultdict(int)
        kept = []
        for entry in entries:
            category_id = entry[-2].category_id
            if seen[category_id] < self.per_section:
                seen[category_id] += 1
                kept.append(entry)
        return kept

    def _activity(self, start: datetime, end: datetime) -> dict[int, int]:
        """Replies plus reactions in the period, per thread, on posts the audience sees."""
        in_period = (Post.created_at >= start) & (Post.created_at < end)
        counts: dict[int, int] = defaultdict(int)
        replies = db.session.execute(
            select(Post.thread_id, func.count(Post.id))
            .where(in_period, Post.is_opening.is_(False), digest_post_filter(self.audience))
            .group_by(Post.thread_id))
        reactions = db.session.execute(
            select(Post.thread_id, func.count(Reaction.id)).select_from(Reaction)
            .join(Post, Post.id == Reaction.post_id)
            .where(Reaction.created_at >= start, Reaction.created_at < end,
                   digest_post_filter(self.audience))
            .group_by(Post.thread_id))
        for thread_id, count in [*replies, *reactions]:
            counts[thread_id] += count
        return counts

    def digest_for(self, category_ids: frozenset[int] | None) -> Digest:
        """The digest for a subscriber reading ``category_ids`` (None: every category).

        Subscribers share a handful of category choices, so each choice is worked out once.
        """
        if category_ids not in self._cache:
            digest = Digest(self.window)
            for key, heading in SECTIONS:
                chosen = []
                for item in self.sections[key]:
                    if category_ids is None or item.category_id in category_ids:
                        chosen.append(item)
                        if len(chosen) == self.per_section:
                            break
                if chosen:
                    digest.sections.append((key, heading, chosen))
            self._cache[category_ids] = digest
        return self._cache[category_ids].copy()

    def recheck(self, digest: Digest) -> Digest:
        """The same digest with only the threads that still pass the rule right now, with
        their titles, excerpts and reply counts as they are now."""
        ids = digest.thread_ids()
        if not ids:
            return digest
        rows = db.session.connection().execute(self._recheck, {"ids": ids})
        fresh = {row.id: row for row in rows}
        checked = Digest(digest.window)
        for key, heading, items in digest.sections:
            kept = [_refresh(item, fresh[item.thread_id]) for item in items
                    if item.thread_id in fresh
                    and not (key == "help" and fresh[item.thread_id].reply_count > 0)]
            if kept:
                checked.sections.append((key, heading, kept))
        return checked


def _refresh(item: Item, row) -> Item:
    """``item`` with the title, excerpt, category and reply count of ``row`` (its link and
    ranking stay as selected)."""
    return replace(item, **_shown(row, row.body_text))


class Selections:
    """Lazily built ``Selection`` per window and audience for one period's run (one run's
    cache): the whole period's, shared by nearly everyone, and a few recent others."""

    RECHECKED = 256  # rechecked digests kept while the database does not change
    OWN_WINDOWS = 16  # selections kept for subscribers' own windows

    def __init__(self, period: Period, versions: DataVersion | None = None,
                 schedule: Schedule | None = None):
        self.period = period
        self.window = period_window(period)
        self.schedule = schedule or Schedule.from_config(current_app.config)
        self.versions = versions or DataVersion()
        self._by_audience: dict[str, Selection] = {}
        self._own: OrderedDict = OrderedDict()
        self._rechecked: OrderedDict = OrderedDict()

    def __getitem__(self, audience: str) -> Selection:
        if audience not in self._by_audience:
            self._by_audience[audience] = Selection(self.window, audience)
        return self._by_audience[audience]

    def selection(self, window: Window, audience: str) -> Selection:
        if window == self.window:
            return self[audience]
        key = (window, audience)
        if key not in self._own:
            self._own[key] = Selection(window, audience)
            if len(self._own) > self.OWN_WINDOWS:
                self._own.popitem(last=False)
        self._own.move_to_end(key)
        return self._own[key]

    def window_for(self, recipient, *, until=None) -> Window | None:
        """What ``recipient``'s digest for this period covers (None: nothing left)."""
        joined = recipient.subscribed_at
        if until is None and recipient.covered_until == self.period.start and (
                joined is None or (joined <= self.period.end
                                   and joined - FIRST_LOOKBACK <= self.period.start)):
            return self.window  # had the one before: the common case, kept cheap
        return window_for(self.schedule, self.period, covered_until=recipient.covered_until,
                          subscribed_at=recipient.subscribed_at, until=until)

    def compose(self, recipient, *, window: Window | None = None, version=None) -> Digest:
        """``recipient``'s digest (a ``forum.digest.emails.Recipient``) for ``window``
        (default: ``window_for(recipient)``; an empty digest when that is None), checked
        against the database as it is now (``version``: ``DataVersion.now()`` taken
        before this call). A check is reused for the next subscriber of the same digest
        only while the database is unchanged."""
        window = window or self.window_for(recipient)
        if window is None:
            return Digest(self.window)
        audience = audience_of(recipient)
        selection = self.selection(window, audience)
        digest = selection.digest_for(recipient.category_ids)
        key = (audience, digest.key())
        version = self.versions.now() if version is None else version
        cached = self._rechecked.get(key)
        if cached is not None and self.versions.unchanged(cached[0], version):
            # Still true as of ``version``: the next look compares with that.
            self._rechecked[key] = (version, cached[1])
            self._rechecked.move_to_end(key)
            return cached[1].copy()
        checked = selection.recheck(digest)
        checked.key()
        self._rechecked[key] = (version, checked)
        if len(self._rechecked) > self.RECHECKED:
            self._rechecked.popitem(last=False)
        return checked
