"""Programme evaluation for staff: weekly figures for the last EVALUATION_WEEKS complete
weeks (Monday 00:00 UTC to Monday 00:00 UTC, the ISO weeks the reply-time tables use),
the de-identified weekly CSV, and the research CSV of consenting members' posts.

Definitions (docs/evaluation.md explains them for staff):

- **active members**: distinct members who wrote a post (any status) or gave a reaction
  that week;
- **new members**: accounts created that week;
- **posts**: posts written that week that are visible now;
- **threads answered within 24 h** and **time to a first peer reply**: threads started
  that week, as the dashboard's reply-time tables count them (``queries.reply_summary``);
- **crisis items**: crisis review items opened that week, and for those claimed, the
  median and 90th percentile (nearest rank) minutes from opening to claim;
- **flags**: members' flags raised that week, by reason and by where their review item
  stands now (open, or its outcome);
- **digest reach**: digests sent that week (ledger rows ``sent``, by when), and
  subscriptions that ended that week (``unsubscribed_at``).

Counts are aggregated in SQL, a week index computed by a ``CASE`` over the week
boundaries (the same SQL on SQLite and PostgreSQL), inside a subquery that the outer
query groups (PostgreSQL binds parameters on the server, so a ``GROUP BY`` cannot repeat
an expression that has parameters). Durations need every value for a median, so their
pairs are read (one query each) and bucketed here.
"""

from __future__ import annotations

import csv
import io
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import case, distinct, func, select, union_all

from forum import permissions
from forum.admin import queries
from forum.audit import audit
from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    Category,
    DigestDelivery,
    DigestSubscription,
    Flag,
    FlagReason,
    Post,
    Reaction,
    ReviewItem,
    ReviewOutcome,
    Thread,
    User,
)
from forum.models.moderation import SCREENER_ONLY_REASONS
from forum.moderation.screening import assess
from forum.moderation.screening.custom import active_rules
from forum.notifications import mentions
from forum.research.services import consenting_ids

EVALUATION_WEEKS = 12
SMALL = 5  # counts from 1 to SMALL - 1 are shown as "<5" in the CSV
SUPPRESSED = f"<{SMALL}"
# A count that is not small itself but would give a small one away by subtraction (a
# part whose total is shown, one of a group that sums to a known total).
WITHHELD = "withheld"
FLAG_REASONS = tuple(r.value for r in FlagReason if r not in SCREENER_ONLY_REASONS)
FLAG_OUTCOMES = ("open", *(o.value for o in ReviewOutcome))


@dataclass(frozen=True)
class Period:
    """The weeks evaluated: ``starts`` are their Mondays (00:00 UTC), oldest first;
    ``end`` is the Monday after the last (this week's: it is not over yet)."""

    starts: tuple[datetime, ...]
    end: datetime

    @property
    def start(self) -> datetime:
        return self.starts[0]

    def week_of(self, column):
        """SQL: the index in ``starts`` of the week ``column`` falls in (the caller keeps
        the rows within the period)."""
        return case(*((column < bound, i) for i, bound in enumerate(self.starts[1:])),
                    else_=len(self.starts) - 1)

    def index(self, moment: datetime) -> int | None:
        if not self.start <= moment < self.end:
            return None
        return int((moment - self.start) / timedelta(weeks=1))

    def within(self, column):
        return (column >= self.start) & (column < self.end)


def period(now: datetime | None = None, weeks: int = EVALUATION_WEEKS) -> Period:
    """The last ``weeks`` complete weeks before ``now``."""
    end = queries.week_start(now or utcnow())
    return Period(tuple(end - timedelta(weeks=weeks - i) for i in range(weeks)), end)


def iso_week(moment: datetime) -> str:
    return "{}-W{:02d}".format(*moment.isocalendar()[:2])


# --- the weekly figures ------------------------------------------------------------------

def _by_week(p: Period, stmt) -> list:
    """``stmt`` selects a ``week`` column (``p.week_of``) then other grouping columns:
    (week, *others, count) rows, grouped outside a subquery."""
    sub = stmt.subquery()
    keys = list(sub.c)
    return db.session.execute(select(*keys, func.count()).group_by(*keys)).all()


def _weekly_counts(p: Period, column, *where) -> list[int]:
    counts = [0] * len(p.starts)
    stmt = select(p.week_of(column).label("week")).where(p.within(column), *where)
    for week, count in _by_week(p, stmt):
        counts[week] = count
    return counts


def _active_members(p: Period) -> list[int]:
    """Distinct members who posted or reacted, per week: one query over both tables."""
    both = union_all(
        select(Post.author_id.label("user_id"), p.week_of(Post.created_at).label("week"))
        .where(p.within(Post.created_at)),
        select(Reaction.user_id.label("user_id"), p.week_of(Reaction.created_at).label("week"))
        .where(p.within(Reaction.created_at))).subquery()
    counts = [0] * len(p.starts)
    for week, count in db.session.execute(
            select(both.c.week, func.count(distinct(both.c.user_id))).group_by(both.c.week)):
        counts[week] = count
    return counts


def _flags(p: Period) -> list[tuple[dict[str, int], dict[str, int]]]:
    """Per week: flags by reason, and by their review item's state now."""
    state = case((ReviewItem.status == "open", "open"),
                 else_=func.coalesce(ReviewItem.outcome, "dismissed"))
    stmt = (select(p.week_of(Flag.created_at).label("week"), Flag.reason.label("reason"),
                   state.label("outcome"))
            .join(ReviewItem, ReviewItem.id == Flag.item_id)
            .where(p.within(Flag.created_at)))
    weeks = [({r: 0 for r in FLAG_REASONS}, {o: 0 for o in FLAG_OUTCOMES}) for _ in p.starts]
    for week, reason, outcome, count in _by_week(p, stmt):
        by_reason, by_outcome = weeks[week]
        reason = reason if reason in by_reason else FlagReason.OTHER.value
        by_reason[reason] += count
        if outcome in by_outcome:
            by_outcome[outcome] += count
    return weeks


def _nearest_rank(values: list[float], q: float) -> float | None:
    return values[math.ceil(q * len(values)) - 1] if values else None


def _crisis_claims(p: Period) -> list[dict]:
    rows = db.session.execute(
        select(ReviewItem.created_at, ReviewItem.claimed_at)
        .where(ReviewItem.is_crisis.is_(True), p.within(ReviewItem.created_at))).all()
    waits: list[list[float]] = [[] for _ in p.starts]
    items = [0] * len(p.starts)
    for created, claimed in rows:
        week = p.index(created)
        items[week] += 1
        if claimed is not None:
            waits[week].append((claimed - created).total_seconds() / 60)
    result = []
    for count, minutes in zip(items, waits, strict=True):
        minutes.sort()
        result.append({"items": count, "claimed": len(minutes),
                       "median_minutes": round(median(minutes), 1) if minutes else None,
                       "p90_minutes": (round(_nearest_rank(minutes, 0.9), 1)
                                       if minutes else None)})
    return result


def _replies(p: Period, now: datetime) -> list[dict]:
    threads: list[list] = [[] for _ in p.starts]
    for created, first_at, _newcomer in queries.first_replies(p.start, p.end):
        threads[p.index(created)].append((created, first_at))
    return [queries.reply_summary(week, now) for week in threads]


def weekly(now: datetime | None = None) -> list[dict]:
    """The evaluation figures per week, oldest first (see the module's definitions)."""
    now = now or utcnow()
    p = period(now)
    active, flags = _active_members(p), _flags(p)
    new = _weekly_counts(p, User.created_at)
    posts = _weekly_counts(p, Post.created_at, Post.status == "visible")
    sent = _weekly_counts(p, DigestDelivery.finished_at, DigestDelivery.status == "sent")
    unsubscribed = _weekly_counts(p, DigestSubscription.unsubscribed_at)
    claims, replies = _crisis_claims(p), _replies(p, now)
    return [{"week": iso_week(start), "starts": start, "active_members": active[i],
             "new_members": new[i], "posts": posts[i], "replies": replies[i],
             "crisis": claims[i], "flags": sum(flags[i][0].values()),
             "flags_by_reason": flags[i][0], "flags_by_outcome": flags[i][1],
             "digests_sent": sent[i], "digest_unsubscribes": unsubscribed[i]}
            for i, start in enumerate(p.starts)]


# --- the de-identified weekly CSV --------------------------------------------------------

WEEKLY_COLUMNS = (
    "week", "week_starts", "active_members", "new_members", "posts", "threads_started",
    "threads_judged_24h", "share_answered_24h", "threads_answered",
    "median_hours_to_first_reply", "crisis_items", "crisis_items_claimed",
    "median_minutes_to_claim_crisis", "p90_minutes_to_claim_crisis",
    *(f"flags_reason_{r}" for r in FLAG_REASONS),
    *(f"flags_outcome_{o}" for o in FLAG_OUTCOMES),
    "digests_sent", "digest_unsubscribes",
)


def count_cell(n: int) -> str:
    """A count as the CSV shows it: 0, "<5" for 1 to 4, else the number."""
    return SUPPRESSED if 0 < n < SMALL else str(n)


def derived_cell(value: float | None, base: int, digits: int) -> str:
    """A share or a duration worked out from ``base`` items: empty when there are fewer
    than SMALL of them (or none); otherwise always with a decimal point, so that every
    whole number in the CSV is a count."""
    if value is None or base < SMALL:
        return ""
    return f"{value:.{digits}f}"


def part_cell(part: int, total: int) -> str:
    """A count that is part of ``total`` (also in the CSV): withheld when the rest,
    ``total - part``, is a small count that subtraction would reveal."""
    if 0 < total - part < SMALL and not 0 < part < SMALL:
        return WITHHELD
    return count_cell(part)


def group_cells(counts: list[int]) -> list[str]:
    """Counts of one group that sums to a total readable elsewhere in the row (flags by
    reason and by outcome both sum to the week's flags): when exactly one is small, the
    next smallest non-zero one is withheld too, so neither can be worked out."""
    cells = [count_cell(n) for n in counts]
    small = [i for i, n in enumerate(counts) if 0 < n < SMALL]
    if len(small) == 1:
        others = [i for i, n in enumerate(counts) if n >= SMALL]
        if others:
            cells[min(others, key=lambda i: counts[i])] = WITHHELD
    return cells


def share_cell(within: int, judged: int) -> str:
    """The share answered within 24 h: empty unless both the answered and the not
    answered threads number at least SMALL (share × judged would give either back)."""
    if within < SMALL or judged - within < SMALL:
        return ""
    return derived_cell(within / judged, judged, 2)


def weekly_rows(weeks: list[dict]) -> list[list[str]]:
    """``weekly()`` as CSV rows under WEEKLY_COLUMNS: only counts, shares and durations
    per week, small counts suppressed (``count_cell``, ``derived_cell``) and the counts
    that would give them away by subtraction withheld (``part_cell``, ``group_cells``)."""
    rows = []
    for w in weeks:
        r, c = w["replies"], w["crisis"]
        rows.append([
            w["week"], w["starts"].date().isoformat(), count_cell(w["active_members"]),
            count_cell(w["new_members"]), count_cell(w["posts"]), count_cell(r["threads"]),
            count_cell(r["judged"]), share_cell(r["within_24h"], r["judged"]),
            part_cell(r["answered"], r["threads"]),
            derived_cell(r["median_hours"], r["answered"], 1),
            count_cell(c["items"]), part_cell(c["claimed"], c["items"]),
            derived_cell(c["median_minutes"], c["claimed"], 1),
            derived_cell(c["p90_minutes"], c["claimed"], 1),
            *group_cells(list(w["flags_by_reason"].values())),
            *group_cells(list(w["flags_by_outcome"].values())),
            count_cell(w["digests_sent"]), count_cell(w["digest_unsubscribes"]),
        ])
    return rows


# --- the research CSV: consenting members' posts -----------------------------------------

class _OwnWords:
    """A post's text as the research CSV may carry it: only the consenting author's
    own words. Quoted lines (``> …``, other members' words) are dropped, and every
    @mention of a member is written ``@member``: the people a post names did not
    consent. Display names are looked up once each."""

    _QUOTED = re.compile(r"^>.*$\n?", re.MULTILINE)

    def __init__(self) -> None:
        self.known: dict[str, bool] = {}

    def __call__(self, source: str) -> str:
        own = self._QUOTED.sub("", source).strip()
        keys = mentions.find(own).keys() - self.known.keys()
        if keys:
            taken = set(db.session.scalars(select(User.display_name_key)
                                           .where(User.display_name_key.in_(keys))))
            self.known.update({key: key in taken for key in keys})
        names = sorted((key for key, taken in self.known.items() if taken), key=len,
                       reverse=True)
        for key in names:
            words = r"\s+".join(re.escape(word) for word in key.split())
            own = re.sub(rf"(?<![\w@])@{words}(?!\w)", "@member", own, flags=re.IGNORECASE)
        return own



POSTS_COLUMNS = ("author", "category", "week", "words", "screening")


def _pseudonyms():
    """author id -> a random name for this export only (never derived from the id)."""
    names: dict[int, str] = {}
    taken: set[str] = set()

    def name_for(author_id: int) -> str:
        if author_id not in names:
            name = f"M-{secrets.token_hex(4)}"
            while name in taken:
                name = f"M-{secrets.token_hex(4)}"
            taken.add(name)
            names[author_id] = name
        return names[author_id]

    return name_for


def research_posts(*, include_text: bool, now: datetime | None = None) -> list[list[str]]:
    """The research CSV's rows: every post of the evaluated weeks that a visitor can read
    (visible, in a listed thread of a public category: never members-only), by a member
    taking part at this moment (``research.services.consenting_ids``), in random order
    within each week. Each author gets a pseudonym made up for this export; the
    screening decision is the risk engine's (``assess``, today's rules) on the post as
    it reads now. The text only if ``include_text``."""
    p = period(now)
    rules = active_rules()
    pseudonym = _pseudonyms()
    own_words = _OwnWords()
    stmt = (select(Post.author_id, Post.created_at, Post.body_text, Category.name,
                   Post.body_source)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Category, Category.id == Thread.category_id)
            .where(permissions.visible_post_filter(None), p.within(Post.created_at),
                   Post.author_id.in_(consenting_ids())))
    rows = []
    for author_id, created, text, category, source in db.session.execute(stmt):
        row = [pseudonym(author_id), category, iso_week(created), str(len(text.split())),
               assess(text, rules).decision]
        if include_text:
            row.append(own_words(source))
        rows.append(row)
    secrets.SystemRandom().shuffle(rows)  # no order that follows ids or times
    rows.sort(key=lambda row: row[2])  # stable: random within each week
    return rows


def export_posts(*, admin: User, include_text: bool, now: datetime | None = None):
    """The research CSV's header and rows, audited (row count, whether the text is in
    it, the weeks); the caller commits."""
    rows = research_posts(include_text=include_text, now=now)
    p = period(now)
    audit(admin, "research_export", target_type="post", target_id=None,
          after={"rows": len(rows), "include_text": include_text,
                 "weeks": f"{iso_week(p.start)} to {iso_week(p.starts[-1])}"})
    return [*POSTS_COLUMNS, *(("text",) if include_text else ())], rows


def _csv_safe(value: str) -> str:
    """Stop spreadsheet formula injection from category names and post text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(header, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()
