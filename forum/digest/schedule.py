"""When digests go out, and which week each one covers. Pure functions on aware datetimes.

The schedule is a weekday and an hour in a time zone (default Monday 08:00,
Europe/London). A *period* runs from one scheduled send time to the next, and is
sent at its end. It is named by the ISO week in which it starts, so with the default
schedule "2026-W48" runs from Monday 23 November 2026 08:00 to Monday 30 November 08:00
London time. Local wall-clock times are turned into UTC with ``zoneinfo``, so a period
that contains a daylight-saving change is 167 or 169 hours long, and the send stays at
08:00 local time. A send hour that falls in a spring-forward gap or an autumn overlap
resolves with ``fold=0`` (the offset in force before the change).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    """Every ``weekday`` (0 = Monday) at ``hour``:00 in ``timezone``."""

    weekday: int = 0
    hour: int = 8
    timezone: str = "Europe/London"

    def __post_init__(self):
        if not 0 <= self.weekday <= 6 or not 0 <= self.hour <= 23:
            raise ValueError("DIGEST_WEEKDAY must be 0-6 and DIGEST_HOUR 0-23")
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for an unknown zone

    @classmethod
    def from_config(cls, config) -> Schedule:
        return cls(int(config["DIGEST_WEEKDAY"]), int(config["DIGEST_HOUR"]),
                   config["DIGEST_TIMEZONE"])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def send_time_in_week(self, iso_year: int, iso_week: int) -> datetime:
        """The scheduled send time (UTC) that falls in the given ISO week (local dates)."""
        day = date.fromisocalendar(iso_year, iso_week, self.weekday + 1)
        return self._at(day)

    def _at(self, day: date) -> datetime:
        local = datetime.combine(day, time(self.hour), tzinfo=self.zone)
        return local.astimezone(UTC)

    def latest_send_time(self, now: datetime) -> datetime:
        """The last scheduled send time at or before ``now``."""
        local_day = now.astimezone(self.zone).date()
        day = local_day - timedelta(days=(local_day.weekday() - self.weekday) % 7)
        moment = self._at(day)
        while moment > now:
            day -= timedelta(days=7)
            moment = self._at(day)
        return moment


@dataclass(frozen=True)
class Period:
    """One digest week: ``start`` ≤ t < ``end`` (UTC), sent at ``end``."""

    key: str
    start: datetime
    end: datetime

    def __str__(self) -> str:
        return self.key


def period_for_key(schedule: Schedule, key: str) -> Period:
    """The period named ``key`` ("2026-W48"); ValueError if it is not a valid ISO week."""
    match = _KEY.match(key.strip())
    if not match:
        raise ValueError(f"{key!r} is not a period like 2026-W48")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        start = schedule.send_time_in_week(year, week)
    except ValueError:
        raise ValueError(f"{key!r}: {year} has no ISO week {week}") from None
    return _period_starting(schedule, start)


def _period_starting(schedule: Schedule, start: datetime) -> Period:
    local_start = start.astimezone(schedule.zone).date()
    year, week, _ = local_start.isocalendar()
    end = schedule._at(local_start + timedelta(days=7))
    return Period(f"{year:04d}-W{week:02d}", start, end)


def period_ending_at(schedule: Schedule, end: datetime) -> Period:
    """The period whose scheduled send time is ``end``."""
    local_end = end.astimezone(schedule.zone).date()
    return _period_starting(schedule, schedule._at(local_end - timedelta(days=7)))


def latest_ended_period(schedule: Schedule, now: datetime) -> Period:
    """The most recent period that has ended: the one the last send time was for."""
    return period_ending_at(schedule, schedule.latest_send_time(now))


def current_period(schedule: Schedule, now: datetime) -> Period:
    """The period in progress at ``now``: the next digest to go out covers it."""
    return _period_starting(schedule, schedule.latest_send_time(now))


def period_label(period: Period, zone) -> str:
    """"23 to 30 November 2026" in the schedule's zone (the end is the send day)."""
    zone = zone.zone if isinstance(zone, Schedule) else zone
    start, end = period.start.astimezone(zone), period.end.astimezone(zone)
    if start.year != end.year:
        return f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%B} to {end.day} {end:%B %Y}"
    return f"{start.day} to {end.day} {end:%B %Y}"


# --- what one subscriber's digest covers ------------------------------------------------

FIRST_LOOKBACK = timedelta(days=7)  # a first digest covers the week before joining


@dataclass(frozen=True)
class Window:
    """What one digest covers: ``start`` ≤ t < ``end`` (UTC). It is sent as period
    ``key``'s digest (the ledger row's name) and shows the moderators' picks of
    ``picks``: the periods whose send time falls inside it."""

    key: str
    start: datetime
    end: datetime
    picks: tuple[str, ...]


def period_window(period: Period) -> Window:
    """The whole of ``period``: what a subscriber who had the one before gets."""
    return Window(period.key, period.start, period.end, (period.key,))


def window_for(schedule: Schedule, period: Period, *, covered_until: datetime | None,
               subscribed_at: datetime | None, until: datetime | None = None
               ) -> Window | None:
    """What a subscriber's digest for ``period`` covers: from the end of their last
    digest (``covered_until``), but never from earlier than a week before they (last)
    subscribed, up to the end of the period, or to the moment they subscribed if that
    was later (a newcomer's first digest is the week before they joined). ``until``
    (``send --to``) ends it earlier or later. None: nothing left to cover.
    """
    start = subscribed_at - FIRST_LOOKBACK if subscribed_at is not None else period.start
    if covered_until is not None and covered_until > start:
        start = covered_until
    end = until or (max(period.end, subscribed_at) if subscribed_at is not None
                    else period.end)
    if start >= end:
        return None
    if start == period.start and end == period.end:
        return period_window(period)
    picks, moment = [], schedule.latest_send_time(end)
    while moment > start:  # every period sent within (start, end]
        picks.append(period_ending_at(schedule, moment).key)
        moment = schedule.latest_send_time(moment - timedelta(seconds=1))
    return Window(period.key, start, end, tuple(picks))
