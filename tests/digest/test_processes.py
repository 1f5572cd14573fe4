"""Real processes: a run killed with SIGKILL mid-send, and two runs at once on PostgreSQL.

Both run ``flask --app forum digest send`` in subprocesses against the test database
(a file on SQLite; the test database on PostgreSQL) and a real SMTP server on loopback.
Subprocesses use the real clock, so the content sits in a week that has really ended.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest
from sqlalchemy import select

from forum.digest.ledger import CLAIM_BATCH
from forum.extensions import db
from forum.models import DigestDelivery
from tests.factories import make_category, make_thread, make_user
from tests.helpers import TEST_DB, cli_env, past_period_key, start_cli, subscribe_email

pytestmark = pytest.mark.slow  # subprocesses

SUBSCRIBERS = 40


@pytest.fixture
def fixed_clock():
    """These tests use the real clock (their subprocesses cannot see a frozen one)."""
    from forum import clock

    clock.freeze(None)


def _forum(app, count: int) -> str:
    key, moment = past_period_key()
    with app.app_context():
        category = make_category(slug="general", name="General chat")
        author = make_user(email="author@example.test")
        make_thread(category=category, author=author, title="Something new", at=moment)
        since = moment.replace(year=moment.year - 1)
        for n in range(count):
            subscribe_email(f"sub{n:03d}@example.test", since=since)
        db.session.commit()
    return key


def _recipients(handler) -> Counter:
    return Counter(str(message["To"]) for message in handler.messages)


def test_sigkill_mid_run_then_resume(app, tmp_path, smtp_server, mailbox, fixed_clock):
    controller, handler = smtp_server[0], mailbox
    key = _forum(app, SUBSCRIBERS)
    handler.hold_at = 15  # the 15th message is received but never acknowledged
    env = cli_env(app, tmp_path, controller.port)

    first = start_cli(env, "digest", "send", "--period", key)
    assert handler.held.wait(60), first.communicate(timeout=5)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    handler.let_go()

    with app.app_context():
        statuses = Counter(db.session.scalars(
            select(DigestDelivery.status).where(DigestDelivery.period == key)))
        db.session.remove()
    # 14 recorded; the one in flight and the rest of its batch claimed but not recorded.
    assert statuses["sent"] == 14 and 1 <= statuses["sending"] <= CLAIM_BATCH
    assert statuses["sent"] + statuses["sending"] + statuses["queued"] == SUBSCRIBERS

    second = start_cli(env, "digest", "send", "--period", key)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, out + err
    assert f"period={key} sent={SUBSCRIBERS - 14} " in out

    received = _recipients(handler)
    assert set(received) == {f"sub{n:03d}@example.test" for n in range(SUBSCRIBERS)}
    # Everyone exactly once, except the one message in flight when the run was killed.
    twice = [address for address, count in received.items() if count == 2]
    assert len(twice) == 1 and max(received.values()) == 2
    assert sum(received.values()) == SUBSCRIBERS + 1

    third = start_cli(env, "digest", "send", "--period", key)
    out, _ = third.communicate(timeout=60)
    assert f"period={key} sent=0 " in out
    assert sum(_recipients(handler).values()) == SUBSCRIBERS + 1


@pytest.mark.skipif(TEST_DB != "postgresql", reason="two machines share PostgreSQL, not SQLite")
def test_two_senders_at_once_on_postgresql_mail_each_subscriber_once(
        app, tmp_path, smtp_server, mailbox, fixed_clock):
    controller, handler = smtp_server[0], mailbox
    key = _forum(app, SUBSCRIBERS * 2)
    handler.delay = 0.005
    handler.wait_for_sessions = 2  # the first message waits until both runs are connected
    env = cli_env(app, tmp_path, controller.port)

    runs = [start_cli(env, "digest", "send", "--period", key) for _ in range(2)]
    outputs = [run.communicate(timeout=180) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err

    received = _recipients(handler)
    assert len(received) == SUBSCRIBERS * 2
    assert set(received.values()) == {1}
    sent = [int(out.split(" sent=")[1].split()[0]) for out, _ in outputs]
    assert sum(sent) == SUBSCRIBERS * 2
    assert all(count > 0 for count in sent), sent  # both really sent, in parallel
    assert len(handler.sessions) == 2
    with app.app_context():
        statuses = set(db.session.scalars(
            select(DigestDelivery.status).where(DigestDelivery.period == key)))
    assert statuses == {"sent"}


def test_helpers_use_a_real_past_week():
    from datetime import UTC, datetime

    from forum.digest.schedule import Schedule, period_for_key

    key, moment = past_period_key()
    period = period_for_key(Schedule(), key)
    assert period.start <= moment < period.end < datetime.now(UTC)
    assert os.path.exists(os.path.join(os.path.dirname(__file__), "conftest.py"))
