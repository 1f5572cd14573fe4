"""The weekly schedule and its periods, across time zones, DST changes and year ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.digest.schedule import (
    Schedule,
    current_period,
    latest_ended_period,
    period_ending_at,
    period_for_key,
    period_label,
)

LONDON = Schedule()  # Monday 08:00 Europe/London


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_default_schedule_is_monday_8am_london():
    assert (LONDON.weekday, LONDON.hour, LONDON.timezone) == (0, 8, "Europe/London")


def test_a_period_runs_from_one_send_time_to_the_next():
    period = period_for_key(LONDON, "2026-W48")
    assert period.start == utc(2026, 11, 23, 8)  # GMT: London is UTC in winter
    assert period.end == utc(2026, 11, 30, 8)
    assert period.key == "2026-W48"


def test_summer_send_times_follow_local_time():
    period = period_for_key(LONDON, "2026-W27")
    assert period.start == utc(2026, 6, 29, 7)  # 08:00 BST
    assert period.end - period.start == timedelta(days=7)


def test_spring_forward_week_is_167_hours_and_still_sends_at_8_local():
    period = period_for_key(LONDON, "2026-W13")  # clocks go forward on Sunday 29 March
    assert period.start == utc(2026, 3, 23, 8)
    assert period.end == utc(2026, 3, 30, 7)
    assert period.end - period.start == timedelta(hours=167)


def test_autumn_back_week_is_169_hours():
    period = period_for_key(LONDON, "2026-W43")  # clocks go back on Sunday 25 October
    assert period.start == utc(2026, 10, 19, 7)
    assert period.end == utc(2026, 10, 26, 8)
    assert period.end - period.start == timedelta(hours=169)


@pytest.mark.parametrize(("now", "key"), [
    (utc(2026, 11, 30, 8, 0), "2026-W48"),  # exactly at the send time: due
    (utc(2026, 11, 30, 7, 59), "2026-W47"),  # a minute before: last week's is the latest
    (utc(2026, 12, 2, 15, 0), "2026-W48"),  # mid-week
    (utc(2026, 3, 30, 7, 0), "2026-W13"),  # the DST week ends at 07:00 UTC
    (utc(2026, 3, 30, 6, 59), "2026-W12"),
    (utc(2026, 10, 26, 7, 30), "2026-W42"),  # 07:30 UTC is 07:30 GMT: not due yet
    (utc(2026, 10, 26, 8, 0), "2026-W43"),
])
def test_latest_ended_period(now, key):
    assert latest_ended_period(LONDON, now).key == key


def test_current_period_is_the_one_after_the_latest_ended():
    now = utc(2026, 12, 2, 15)
    assert current_period(LONDON, now).key == "2026-W49"
    assert current_period(LONDON, now).start == latest_ended_period(LONDON, now).end


def test_periods_tile_time_across_dst_and_year_end():
    period = period_for_key(LONDON, "2026-W01")
    keys = []
    for _ in range(60):
        following = period_ending_at(LONDON, period.end + timedelta(days=7))
        assert following.start == period.end
        keys.append(following.key)
        period = following
    assert "2026-W53" in keys and "2027-W01" in keys  # 2026 has 53 ISO weeks


def test_send_hour_in_the_spring_gap_resolves_before_the_change():
    schedule = Schedule(weekday=6, hour=1, timezone="Europe/London")  # Sunday 01:00
    gap = period_for_key(schedule, "2026-W13")  # starts Sunday 29 March 01:00, which never exists
    assert gap.start == utc(2026, 3, 29, 1)  # fold=0: the GMT offset in force before
    assert period_ending_at(schedule, gap.end).start == gap.start


def test_send_hour_in_the_autumn_overlap_is_the_first_one():
    schedule = Schedule(weekday=6, hour=1, timezone="Europe/London")
    overlap = period_for_key(schedule, "2026-W43")  # Sunday 25 October 01:00 happens twice
    assert overlap.start == utc(2026, 10, 25, 0)  # the first 01:00 (BST)


def test_another_zone_and_weekday():
    schedule = Schedule(weekday=4, hour=17, timezone="America/New_York")  # Friday 17:00
    period = period_for_key(schedule, "2026-W10")  # US clocks change on Sunday 8 March
    assert period.start == utc(2026, 3, 6, 22)  # EST
    assert period.end == utc(2026, 3, 13, 21)  # EDT
    assert latest_ended_period(schedule, utc(2026, 3, 13, 21)).key == "2026-W10"


@pytest.mark.parametrize("key", ["2026-48", "2026-W54", "2025-W53", "W48", "2026-W00", ""])
def test_bad_period_keys_are_refused(key):
    with pytest.raises(ValueError):
        period_for_key(LONDON, key)


def test_bad_schedules_are_refused():
    with pytest.raises(ValueError):
        Schedule(weekday=7)
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo's own error
        Schedule(timezone="Mars/Olympus_Mons")


def test_period_label():
    assert period_label(period_for_key(LONDON, "2026-W48"), LONDON) == "23 to 30 November 2026"
    assert period_label(period_for_key(LONDON, "2026-W53"), LONDON) == \
        "28 December 2026 to 4 January 2027"
