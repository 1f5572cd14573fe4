"""The daily retention job: login history, notifications and sent or failed outbox
emails older than their limits go, in batches; pending mail and newer rows stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.jobs import DAY, PERIODIC_JOBS, Job, Scheduler, crontab
from forum.models import LoginEvent, Notification, OutboxEmail
from tests.factories import make_user


def days(n: float) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def rows(app, frozen_clock):
    """Each kind of row just past and just within 90 days (the defaults)."""
    now = frozen_clock.now
    with app.app_context():
        user = make_user()
        for age in (91, 89, 400):
            db.session.add(LoginEvent(user_id=user.id, at=now - days(age), network="192.0.2.0",
                                      browser="Firefox"))
        for age, read in ((91, True), (91, False), (89, True)):
            db.session.add(Notification(user_id=user.id, kind="reply",
                                        created_at=now - days(age), updated_at=now - days(age),
                                        read_at=now if read else None))
        # a batched "reactions" row that grew recently is recent, however old it started
        db.session.add(Notification(user_id=user.id, kind="reactions", created_at=now - days(120),
                                    updated_at=now - days(2)))
        for age, status in ((91, "sent"), (91, "failed"), (91, "pending"), (400, "pending"),
                            (89, "sent")):
            db.session.add(OutboxEmail(kind=f"{status}-{age}", sender="forum@example.test",
                                       recipient="member@example.test", message=b"",
                                       status=status, created_at=now - days(age),
                                       due_at=now - days(age)))
        db.session.commit()
    return now


def ages(app, column) -> list[int]:
    with app.app_context():
        now = utcnow()
        return sorted((now - at).days for at in db.session.scalars(select(column)))


def test_the_job_deletes_what_is_past_its_limit(app, runner, rows):
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert result.output == "deleted login_events=2 notifications=2 outbox_emails=2\n"
    assert ages(app, LoginEvent.at) == [89]
    assert ages(app, Notification.updated_at) == [2, 89]
    with app.app_context():
        assert sorted(db.session.scalars(select(OutboxEmail.kind))) == [
            "pending-400", "pending-91", "sent-89"]
    again = runner.invoke(args=["retention", "run"])
    assert again.output == "deleted login_events=0 notifications=0 outbox_emails=0\n"


def test_batches_delete_everything_due(app, runner, rows):
    result = runner.invoke(args=["retention", "run", "--batch", "1"])
    assert result.output == "deleted login_events=2 notifications=2 outbox_emails=2\n"
    assert ages(app, LoginEvent.at) == [89]


def test_limits_come_from_the_settings_and_zero_keeps_everything(app, runner, rows):
    app.config.update(RETAIN_LOGIN_HISTORY_DAYS=30, RETAIN_NOTIFICATIONS_DAYS=0,
                      RETAIN_EMAIL_OUTBOX_DAYS=365)
    result = runner.invoke(args=["retention", "run"])
    assert result.output == "deleted login_events=3 notifications=kept outbox_emails=0\n"
    assert ages(app, LoginEvent.at) == []
    assert len(ages(app, Notification.updated_at)) == 4


# --- the daily job -----------------------------------------------------------------------

def test_the_retention_job_runs_daily_at_a_fixed_time():
    [job] = [job for job in PERIODIC_JOBS if job.command == ("retention", "run")]
    assert (job.minutes, job.cron_schedule) == (DAY, "17 3 * * *")
    assert "17 3 * * * cd /srv/forum && .venv/bin/flask --app forum retention run\n" in crontab()
    others = {job.cron_schedule for job in PERIODIC_JOBS if job.at is None}
    assert others <= {"* * * * *", "*/15 * * * *"}  # the frequent jobs are unchanged


@pytest.mark.parametrize(("minutes", "at"), [(DAY, "24:00"), (DAY, "3:60"), (DAY, "3"),
                                             (15, "03:17"), (DAY, None), (120, None)])
def test_a_time_of_day_is_only_for_daily_jobs(minutes, at):
    with pytest.raises(ValueError):
        Job(("x", "y"), minutes, "why", at=at)


def test_the_development_scheduler_runs_a_daily_job_once_a_day():
    now, ran = [1000.0], []
    daily = Job(("retention", "run"), DAY, "z", at="03:17")
    scheduler = Scheduler([daily], runner=ran.append, clock=lambda: now[0])
    scheduler.run_due()
    for _ in range(24 * 60 - 1):
        now[0] += 60
        scheduler.run_due()
    assert ran == [daily]
    now[0] += 60
    scheduler.run_due()
    assert ran == [daily, daily]
