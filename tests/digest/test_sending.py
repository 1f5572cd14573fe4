"""Sending: exactly once, retries, deferral, permanent failures and suppression."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import DigestDelivery, DigestSubscription
from tests.helpers import (
    PERIOD,
    SEND_TIME,
    TEST_DB,
    free_port,
    new_thread,
    send,
    subscribe_email,
    summary_of,
    use_smtp_port,
)


def _deliveries(app) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(DigestSubscription.email, DigestSubscription.user_id, DigestDelivery.status,
                   DigestDelivery.attempts, DigestDelivery.smtp_code, DigestDelivery.smtp_reply)
            .join(DigestSubscription, DigestSubscription.id == DigestDelivery.subscription_id)
        ).all()
    return {(row.email or f"user{row.user_id}"): tuple(row[2:]) for row in rows}


def _received(handler) -> Counter:
    return Counter(str(message["To"]) for message in handler.messages)


def test_running_twice_sends_nothing_twice(app, runner, world, mailbox):
    first = send(runner)
    assert first.exit_code == 0, first.output
    assert summary_of(first.output).items() >= {
        "period": PERIOD, "sent": "3", "skipped_empty": "0", "failed": "0", "deferred": "0",
    }.items()
    second = send(runner)
    assert summary_of(second.output)["sent"] == "0"
    third = runner.invoke(args=["digest", "run-due"])  # the same period, due now
    assert summary_of(third.output).items() >= {"period": PERIOD, "sent": "0"}.items()
    assert sorted(_received(mailbox).values()) == [1, 1, 1]
    assert {status for status, *_ in _deliveries(app).values()} == {"sent"}


def test_without_period_sends_the_latest_ended_week(app, runner, world, mailbox):
    result = runner.invoke(args=["digest", "send"])
    assert summary_of(result.output)["period"] == PERIOD
    clock.freeze(SEND_TIME - timedelta(hours=2))  # before Monday 08:00
    result = runner.invoke(args=["digest", "send"])
    assert summary_of(result.output)["period"] == "2026-W47"


def test_a_week_that_has_not_ended_is_refused(app, runner, world, mailbox):
    result = runner.invoke(args=["digest", "send", "--period", "2026-W49"])
    assert result.exit_code == 2 and "has not ended yet" in result.output
    result = runner.invoke(args=["digest", "send", "--period", "next week"])
    assert result.exit_code == 2
    assert mailbox.raw == []


def test_dry_run_sends_and_records_nothing(app, runner, world, mailbox):
    result = send(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert summary_of(result.output).items() >= {"would": "send=3"}.items() \
        or "would send=3" in result.output
    assert mailbox.raw == [] and _deliveries(app) == {}


def test_dry_run_counts_what_a_run_would_do(app, runner, world, mailbox):
    """The dry run, the progress bar and a real run share one rule of who is due: a
    member whose address is unconfirmed is never counted, and a finished week is 0."""
    from forum.digest.schedule import Schedule, period_for_key
    from forum.digest.sending import pending_count
    from tests.factories import make_user
    from tests.helpers import subscribe_member

    with app.app_context():
        subscribe_member(make_user(email="unconfirmed@example.test", confirmed=False))
        db.session.commit()
        period = period_for_key(Schedule.from_config(app.config), PERIOD)
        assert pending_count(period) == 3
    assert "would send=3 skipped_empty=0" in send(runner, "--dry-run").output
    assert summary_of(send(runner).output)["sent"] == "3"
    assert "would send=0 skipped_empty=0" in send(runner, "--dry-run").output
    with app.app_context():
        assert pending_count(period) == 0


def test_limit_handles_at_most_n(app, runner, world, mailbox):
    result = send(runner, "--limit", "2")
    assert summary_of(result.output)["sent"] == "2"
    result = send(runner, "--limit", "2")
    assert summary_of(result.output)["sent"] == "1"
    assert sorted(_received(mailbox).values()) == [1, 1, 1]


def test_transient_451_is_retried_in_the_run(app, runner, world, mailbox):
    mailbox.rcpt["guest@example.test"] = ["451 4.7.1 Greylisted, try again"]
    mailbox.data["reader@example.test"] = ["452 4.2.2 Mailbox full", "451 4.3.0 Try later"]
    result = send(runner)
    assert summary_of(result.output).items() >= {"sent": "3", "deferred": "0"}.items()
    assert _received(mailbox) == Counter({"guest@example.test": 1, "reader@example.test": 1,
                                           "mod@example.test": 1})
    rows = _deliveries(app)
    assert rows["guest@example.test"][:3] == ("sent", 2, 250)
    assert rows[f"user{world.ids['reader']}"][:2] == ("sent", 3)


def test_persistent_4xx_is_deferred_to_a_later_run(app, runner, world, mailbox):
    mailbox.rcpt["guest@example.test"] = ["451 4.7.1 Try again later"] * 3
    result = send(runner)
    assert summary_of(result.output).items() >= {"sent": "2", "deferred": "1"}.items()
    status, attempts, code, reply = _deliveries(app)["guest@example.test"]
    assert (status, attempts, code) == ("deferred", 3, 451) and "Try again later" in reply

    again = send(runner)  # too soon: the deferral has not run out
    assert summary_of(again.output)["sent"] == "0"
    clock.freeze(SEND_TIME + timedelta(minutes=15))
    later = runner.invoke(args=["digest", "run-due"])
    assert summary_of(later.output)["sent"] == "1"
    assert _received(mailbox)["guest@example.test"] == 1
    assert _deliveries(app)["guest@example.test"][:2] == ("sent", 4)


def test_permanent_550_is_recorded_and_three_in_a_row_suppress(app, runner, world, mailbox):
    reject = "550 5.1.1 No such user here"
    for week in range(4):
        mailbox.rcpt["guest@example.test"] = [reject]
        period_end = SEND_TIME + timedelta(days=7 * week)
        new_thread(app, category_id=world.general_id, title=f"News of week {week}",
                   at=period_end - timedelta(days=2))
        clock.freeze(period_end)
        result = runner.invoke(args=["digest", "send"])
        with app.app_context():
            subscription = db.session.get(DigestSubscription, world.subs["guest"])
            status, failures = subscription.status, subscription.consecutive_failures
        if week < 3:
            assert summary_of(result.output)["failed"] == "1", result.output
            assert result.exit_code == 1  # cron notices failures
            assert failures == week + 1
        if week == 2:
            assert status == "suppressed" and "suppressed=1" in result.output
        if week == 3:  # suppressed: not even queued
            assert summary_of(result.output).items() >= {"sent": "2", "failed": "0"}.items()
    with app.app_context():
        rows = db.session.scalars(
            select(DigestDelivery).where(DigestDelivery.subscription_id == world.subs["guest"])
            .order_by(DigestDelivery.period)).all()
        assert [(r.status, r.smtp_code) for r in rows] == [("failed", 550)] * 3
        assert rows[0].smtp_reply == "5.1.1 No such user here"
    assert _received(mailbox)["guest@example.test"] == 0


def test_a_success_resets_the_failure_count(app, runner, world, mailbox):
    with app.app_context():
        db.session.get(DigestSubscription, world.subs["guest"]).consecutive_failures = 2
        db.session.commit()
    send(runner)
    with app.app_context():
        subscription = db.session.get(DigestSubscription, world.subs["guest"])
        assert (subscription.status, subscription.consecutive_failures) == ("confirmed", 0)


def test_550_on_data_counts_too(app, runner, world, mailbox):
    mailbox.data["reader@example.test"] = ["554 5.7.1 Message rejected"]
    result = send(runner)
    assert summary_of(result.output).items() >= {"sent": "2", "failed": "1"}.items()
    assert _deliveries(app)[f"user{world.ids['reader']}"][:3] == ("failed", 1, 554)


def test_a_silent_server_times_out_and_nothing_is_lost(app, runner, world, silent_server):
    app.config["MAIL_TIMEOUT"] = 1
    app.config["DIGEST_MAX_CONNECTION_FAILURES"] = 1
    started = time.monotonic()
    result = send(runner)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    summary = summary_of(result.output)
    assert summary["sent"] == "0" and "stopped" in result.output
    # One message: three connection attempts that each give up after 1 s; then the run
    # stops rather than hang (Flask-Mail alone would wait forever).
    assert elapsed < 8
    statuses = Counter(status for status, *_ in _deliveries(app).values())
    assert statuses == {"deferred": 1, "queued": 2}


def test_connection_refused_defers_and_a_later_run_delivers(app, runner, world, mailbox,
                                                           smtp_server):
    use_smtp_port(app, free_port())  # nothing listens there
    result = send(runner)
    assert result.exit_code == 1 and "stopped" in result.output
    assert mailbox.raw == []
    use_smtp_port(app, smtp_server[0].port)
    clock.freeze(SEND_TIME + timedelta(minutes=30))
    result = runner.invoke(args=["digest", "run-due"])
    assert summary_of(result.output)["sent"] == "3", result.output
    assert sorted(_received(mailbox).values()) == [1, 1, 1]


def test_a_crashed_run_in_this_process_is_resumed(app, runner, world, mailbox, monkeypatch):
    """A run that dies after claiming leaves its row to the next run (same host: at once)."""
    from forum.digest import sending

    original = sending.DigestRun._record
    calls = []

    def crash_on_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("killed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sending.DigestRun, "_record", crash_on_second)
    result = send(runner)
    assert result.exit_code != 0
    monkeypatch.setattr(sending.DigestRun, "_record", original)
    with app.app_context():
        db.session.remove()
    result = send(runner)
    assert result.exit_code == 0, result.output
    counts = _received(mailbox)
    assert set(counts) == {"guest@example.test", "reader@example.test", "mod@example.test"}
    assert sorted(counts.values()) == [1, 1, 2]  # the one in flight at the crash, twice


def test_run_due_is_quiet_when_nothing_is_due(app, runner, world, mailbox):
    runner.invoke(args=["digest", "run-due"])
    mailbox.clear()
    for minutes in (15, 30, 45):
        clock.freeze(SEND_TIME + timedelta(minutes=minutes))
        result = runner.invoke(args=["digest", "run-due"])
        assert result.exit_code == 0
        assert summary_of(result.output)["sent"] == "0"
    assert mailbox.raw == []


def test_suppressed_subscribers_start_again_when_they_resubscribe(app, client, world, mailbox):
    from forum.digest.subscriptions import request_email_subscription

    with app.app_context():
        subscribe_email("bouncing@example.test", status="suppressed")
        request_email_subscription("bouncing@example.test")
        db.session.commit()
    [confirmation] = mailbox.to("bouncing@example.test")
    assert "Confirm" in confirmation["Subject"]


@pytest.mark.skipif(TEST_DB != "postgresql", reason="the ledger's own connection is "
                    "PostgreSQL's (on SQLite it shares the session's)")
def test_the_ledger_connection_keeps_its_settings_to_itself(app, world):
    """On PostgreSQL the ledger writes on its own autocommit connection whose commits do
    not wait for the disk; that connection is closed afterwards, never pooled."""
    from sqlalchemy import text

    from forum.digest.ledger import Ledger

    with app.app_context():
        with Ledger(PERIOD, "test-run") as ledger:
            connection = ledger.connection
            assert connection is not None
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            assert db.session.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        for _ in range(50):  # the server ends the backend just after the socket closes
            alive = db.session.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar()
            db.session.commit()
            if not alive:
                break
            time.sleep(0.05)
        assert alive == 0
        assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_a_retry_after_a_pause_sees_what_changed_during_it(app, world, mailbox):
    """While the run waits to retry a 451, a moderator locks the thread: the retried
    digest is composed from the database as it is after the pause (then nothing is new
    for that subscriber, so nothing is sent to them)."""
    from sqlalchemy import create_engine, update

    from forum.digest import sending
    from forum.digest.schedule import Schedule, period_for_key
    from forum.models import Thread

    mailbox.rcpt["guest@example.test"] = ["451 4.7.1 Greylisted, try again"]
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 1:  # a moderator, on another connection, during the pause
            engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
            with engine.begin() as conn:
                conn.execute(update(Thread).where(Thread.id == world.thread_id)
                             .values(is_locked=True))
            engine.dispose()
        time.sleep(seconds)

    with app.app_context():
        period = period_for_key(Schedule.from_config(app.config), PERIOD)
        summary = sending.send_period(period, sleep=sleep)
    assert pauses, "the 451 was retried after a pause"
    assert "guest@example.test" not in _received(mailbox)
    assert summary.skipped >= 1, summary.line()
