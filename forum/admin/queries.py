"""Read-side queries for program staff."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    AdviceNudge,
    AdviceNudgeKind,
    CategoryModerator,
    ModeratorTraining,
    Post,
    ReviewItem,
    Thread,
    User,
)
from forum.models.users import display_name_key
from forum.moderation import newcomers
from forum.permissions import RECERTIFY_WITHIN_DAYS, current_trainings, latest_trainings

RECENT_DAYS = 30
REPLY_WEEKS = 8  # weeks of reply times on the dashboard, this one included
ANSWERED_WITHIN = timedelta(hours=24)


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def _median_minutes(pairs) -> float | None:
    values = [(end - start).total_seconds() / 60 for start, end in pairs if start and end]
    return round(median(values), 1) if values else None


def program_stats() -> dict:
    """Community and moderation health figures for the dashboard."""
    now = utcnow()
    week, month = now - timedelta(days=7), now - timedelta(days=RECENT_DAYS)
    resolved = db.session.execute(
        select(ReviewItem.created_at, ReviewItem.claimed_at, ReviewItem.resolved_at)
        .where(ReviewItem.status == "resolved", ReviewItem.resolved_at >= month)
    ).all()
    return {
        "members": _count(select(func.count()).select_from(User)),
        "new_members_week": _count(select(func.count()).select_from(User)
                                   .where(User.created_at >= week)),
        "active_members_week": _count(select(func.count()).select_from(User)
                                      .where(User.last_seen_at >= week)),
        "posts_week": _count(select(func.count()).select_from(Post)
                             .where(Post.created_at >= week, Post.status == "visible")),
        "unanswered": _count(select(func.count()).select_from(Thread)
                             .where(Thread.post_count == 1)),
        "open_items": _count(select(func.count()).select_from(ReviewItem)
                             .where(ReviewItem.status == "open")),
        "open_crisis": _count(select(func.count()).select_from(ReviewItem)
                              .where(ReviewItem.status == "open", ReviewItem.is_crisis.is_(True))),
        "median_claim_minutes": _median_minutes((c, cl) for c, cl, _ in resolved),
        **_crisis_claims(month),
        "median_resolve_minutes": _median_minutes((c, r) for c, _, r in resolved),
        "resolved_month": len(resolved),
    }


def _crisis_claims(since) -> dict:
    """How fast crisis items were claimed: every crisis item claimed since ``since``,
    whether or not it is resolved yet (the figure that matters is how long a member in
    crisis waited for a human), and the slowest of them."""
    pairs = db.session.execute(
        select(ReviewItem.created_at, ReviewItem.claimed_at)
        .where(ReviewItem.is_crisis.is_(True), ReviewItem.claimed_at >= since)
    ).all()
    waits = [(claimed - created).total_seconds() / 60 for created, claimed in pairs]
    return {
        "crisis_claimed_month": len(pairs),
        "crisis_median_claim_minutes": _median_minutes(pairs),
        "crisis_slowest_claim_minutes": round(max(waits), 1) if waits else None,
    }


def reply_times(weeks: int = REPLY_WEEKS) -> list[dict]:
    """Time to the first peer reply (a visible reply by someone other than the author)
    per ISO week (UTC) of thread creation, newest week first, for the last ``weeks``
    weeks: ``{"week", "starts", "all", "newcomers"}``, each group as ``reply_summary``.

    Threads count when their opening post is visible. One query: each thread's creation
    time, whether it is a newcomer's, and its first peer reply from a grouped subquery.
    """
    now = utcnow()
    this_week = week_start(now)
    since = this_week - timedelta(weeks=weeks - 1)
    rows = first_replies(since)
    starts = [this_week - timedelta(weeks=n) for n in range(weeks)]
    groups: dict[datetime, dict[str, list]] = {s: {"all": [], "newcomers": []} for s in starts}
    for created, first_at, newcomer in rows:
        week = groups.get(week_start(created))
        if week is None:  # created after "now" (a clock step back): not in any week shown
            continue
        week["all"].append((created, first_at))
        if newcomer:
            week["newcomers"].append((created, first_at))
    return [{"week": "{}-W{:02d}".format(*start.isocalendar()[:2]), "starts": start,
             "all": reply_summary(groups[start]["all"], now),
             "newcomers": reply_summary(groups[start]["newcomers"], now)}
            for start in starts]


def first_replies(since: datetime, until: datetime | None = None) -> list:
    """``(created_at, first_at, newcomer)`` for every thread created since ``since`` (and
    before ``until``) whose opening post is visible: when its first peer reply came (None:
    not yet) and whether it is a newcomer's thread. One query, the first peer replies
    from a grouped subquery (``newcomers.first_peer_replies``)."""
    opening = aliased(Post)
    first = newcomers.first_peer_replies(since=since)
    stmt = (select(Thread.created_at, first.c.first_at,
                   newcomers.newcomer_opening(opening).label("newcomer"))
            .join(opening, and_(opening.thread_id == Thread.id, opening.is_opening.is_(True)))
            .outerjoin(first, first.c.thread_id == Thread.id)
            .where(Thread.created_at >= since, opening.status == "visible"))
    if until is not None:
        stmt = stmt.where(Thread.created_at < until)
    return db.session.execute(stmt).all()


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of ``moment``'s ISO week."""
    return (moment - timedelta(days=moment.weekday())).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)


def reply_summary(threads: list[tuple[datetime, datetime | None]], now: datetime) -> dict:
    """``threads`` (created, first peer reply or None) → counts, the median and 90th
    percentile (nearest rank) hours to a first reply among answered threads, and the
    share answered within ANSWERED_WITHIN among threads whose first 24 hours are over
    (or that were already answered in time): an unanswered thread counts as not
    answered in time, but a young one is not judged yet."""
    hours = sorted((first - created).total_seconds() / 3600
                   for created, first in threads if first is not None)
    in_time = sum(1 for created, first in threads
                  if first is not None and first - created <= ANSWERED_WITHIN)
    judged = sum(1 for created, first in threads
                 if now - created >= ANSWERED_WITHIN
                 or (first is not None and first - created <= ANSWERED_WITHIN))
    return {
        "threads": len(threads),
        "answered": len(hours),
        "median_hours": round(median(hours), 1) if hours else None,
        "p90_hours": round(hours[math.ceil(0.9 * len(hours)) - 1], 1) if hours else None,
        "within_24h": in_time,
        "judged": judged,
        "share_24h": round(100 * in_time / judged) if judged else None,
    }


def advice_nudges() -> dict[str, int]:
    """How often the dose-advice prompt was shown in the last RECENT_DAYS days, and how
    often the post that followed was rephrased or posted anyway (one count per kind,
    zero included)."""
    since = utcnow() - timedelta(days=RECENT_DAYS)
    rows = db.session.execute(
        select(AdviceNudge.kind, func.count()).where(AdviceNudge.created_at >= since)
        .group_by(AdviceNudge.kind)).all()
    counts = dict(rows)
    return {kind.value: counts.get(kind.value, 0) for kind in AdviceNudgeKind}


def staff() -> list[tuple[User, ModeratorTraining | None]]:
    users = db.session.scalars(
        select(User).where(User.role.in_(("moderator", "admin")))
        .order_by(User.role, User.display_name_key)
    ).all()
    trained = db.session.scalars(
        select(User).join(ModeratorTraining, ModeratorTraining.user_id == User.id)
        .where(User.role == "member").distinct()
    ).all()
    people = list(users) + list(trained)
    current = current_trainings(people)
    return [(u, current.get(u.id)) for u in people]


def recertification_due() -> list[tuple[User, ModeratorTraining | None]]:
    """Moderators without a current training, or whose training lapses within
    RECERTIFY_WITHIN_DAYS (the same rule as their powers: ``current_training``)."""
    soon = utcnow().date() + timedelta(days=RECERTIFY_WITHIN_DAYS)
    moderators = list(db.session.scalars(select(User).where(User.role == "moderator")))
    current = current_trainings(moderators)
    latest = latest_trainings(moderators)
    return [(user, current.get(user.id) or latest.get(user.id)) for user in moderators
            if user.id not in current or current[user.id].valid_until <= soon]


def find_members(query: str) -> list[User]:
    key = display_name_key(query)
    return list(db.session.scalars(
        select(User).where(User.display_name_key.contains(key, autoescape=True))
        .order_by(User.display_name_key).limit(20)))


def led_category_ids(user: User) -> list[int]:
    return list(db.session.scalars(
        select(CategoryModerator.category_id).where(CategoryModerator.user_id == user.id)))


def trainings(user: User) -> list[ModeratorTraining]:
    return list(db.session.scalars(
        select(ModeratorTraining).where(ModeratorTraining.user_id == user.id)
        .order_by(ModeratorTraining.valid_until.desc())))
