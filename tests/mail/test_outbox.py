"""The durable email outbox: written with the change, delivered after the commit,
retried with backoff, drained by ``flask mail flush``, and never lost to a crash."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from forum import clock
from forum.email import outbox, queue_email
from forum.extensions import db
from forum.models import OutboxEmail
from tests.helpers import Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]


def _queue(app, to="ann@example.test", **kwargs):
    with app.app_context():
        queue_email(to, "password_changed", user=None, action_url="http://x.test/", **kwargs)
        db.session.commit()


def _rows(app) -> list[OutboxEmail]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
        db.session.expunge_all()
        return rows


def test_a_committed_message_is_delivered_and_its_bytes_dropped(app, mailbox):
    _queue(app)
    [row] = _rows(app)
    assert (row.status, row.attempts, row.message, row.kind) == \
        ("sent", 1, b"", "password_changed")
    assert row.sent_at is not None
    assert len(mailbox.to("ann@example.test")) == 1


def test_a_rolled_back_message_is_neither_stored_nor_sent(app, mailbox):
    with app.app_context():
        queue_email("ann@example.test", "password_changed", user=None, action_url="x")
        db.session.rollback()
        db.session.commit()
    assert _rows(app) == [] and mailbox.raw == []


def test_background_messages_are_sent_after_the_commit_by_the_worker(app, mailbox):
    _queue(app, background=True)
    assert len(mailbox.to("ann@example.test")) == 1  # the mailbox waits for the worker
    assert _rows(app)[0].status == "sent"


LATER_PORT = free_port()


@pytest.mark.parametrize("app_overrides", [{"MAIL_PORT": LATER_PORT}], ids=["smtp-down"])
def test_undelivered_mail_waits_and_flush_sends_it_when_due(app, runner, frozen_clock):
    _queue(app)  # nothing listens on LATER_PORT yet
    [row] = _rows(app)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.due_at == frozen_clock.now + timedelta(seconds=60)
    early = runner.invoke(args=["mail", "flush"])
    assert "sent=0" in early.output and "waiting_later=1" in early.output

    received = Mailbox()
    server = Controller(received, hostname="127.0.0.1", port=LATER_PORT)
    server.start()  # the server is back
    try:
        frozen_clock.advance(seconds=61)
        result = runner.invoke(args=["mail", "flush"])
    finally:
        server.stop()

    assert result.exit_code == 0, result.output
    assert "sent=1 retrying=0 failed=0 waiting_due=0 waiting_later=0" in result.output
    assert len(received.to("ann@example.test")) == 1
    assert _rows(app)[0].attempts == 2


@pytest.mark.parametrize("app_overrides", [{"MAIL_PORT": 9, "MAIL_OUTBOX_MAX_ATTEMPTS": 2,
                                            "MAIL_RECONNECT_DELAYS": ""}], ids=["smtp-down"])
def test_a_message_is_given_up_after_the_last_attempt(app, runner, frozen_clock):
    _queue(app)
    frozen_clock.advance(seconds=61)
    result = runner.invoke(args=["mail", "flush"])
    assert result.exit_code == 1
    assert "failed=1" in result.output
    [row] = _rows(app)
    assert (row.status, row.attempts, row.message) == ("failed", 2, b"")
    assert runner.invoke(args=["mail", "status"]).output.strip() == "outbox due=0 later=0 failed=1"


def test_held_messages_wait_for_one_delivery_pass(app, mailbox):
    """A batch job queues inside ``held()`` and commits per member: nothing goes out at
    each commit; one ``deliver()`` then sends them all over one connection."""
    with app.app_context(), outbox.held():
        for n in range(3):
            queue_email(f"m{n}@example.test", "password_changed", user=None,
                        action_url="http://x.test/")
            db.session.commit()
    assert mailbox.raw == []
    assert [row.status for row in _rows(app)] == ["pending"] * 3
    with app.app_context():
        assert outbox.deliver().sent == 3
    assert len(mailbox.raw) == 3 and len(set(mailbox.peers)) == 1  # one connection
    assert [len(mailbox.to(f"m{n}@example.test")) for n in range(3)] == [1, 1, 1]
    # Outside ``held()`` delivery after the commit is back.
    _queue(app, to="after@example.test")
    assert len(mailbox.to("after@example.test")) == 1


def test_claims_never_overlap(app):
    with app.app_context():
        for n in range(5):
            db.session.add(OutboxEmail(kind="k", sender="a@x.test", recipient=f"{n}@x.test",
                                       message=b"m", status="pending", attempts=0,
                                       last_error=""))
        db.session.commit()
        first = {row.id for row in outbox._claim(None, 3)}
        second = {row.id for row in outbox._claim(None, 3)}
        assert len(first) == 3 and len(second) == 2 and not first & second
        assert outbox._claim(None, 3) == []  # all leased
        clock.freeze(clock.utcnow() + timedelta(seconds=301))  # the leases run out
        assert len(outbox._claim(None, 10)) == 5


KILL_AFTER_COMMIT = textwrap.dedent("""
    import os, signal, sys
    from sqlalchemy import event
    from forum import create_app
    from forum.email import queue_email
    from forum.extensions import db

    app = create_app()
    with app.app_context():
        # Dies between the commit and any delivery (before the outbox's own hook runs).
        event.listen(db.session, "after_commit",
                     lambda session: os.kill(os.getpid(), signal.SIGKILL), insert=True)
        queue_email("alert@example.test", "password_changed", user=None, action_url="x")
        db.session.commit()
    sys.exit("not killed")
""")


@pytest.mark.slow  # subprocesses
def test_a_message_survives_sigkill_right_after_the_commit(app, tmp_path, smtp_server,
                                                           mailbox):
    """The process dies after its commit and before sending: the row is there, and the
    next ``flask mail flush`` delivers it exactly once."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "FORUM_", "DATABASE_URL", "MAIL_", "SERVER_NAME"))}
    env.update({"FORUM_ENV": "development", "PYTHONPATH": str(ROOT),
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "FORUM_INSTANCE_PATH": str(tmp_path / "instance"),
                "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server[0].port),
                "RATELIMIT_STORAGE_URI": "memory://",
                "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    killed = subprocess.run([sys.executable, "-c", KILL_AFTER_COMMIT], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert mailbox.raw == []
    [row] = _rows(app)
    assert (row.status, row.attempts) == ("pending", 0)

    flask = str(Path(sys.executable).with_name("flask"))
    for _ in range(2):  # a second flush finds nothing more to send
        flushed = subprocess.run([flask, "--app", "forum", "mail", "flush"], env=env, cwd=ROOT,
                                 capture_output=True, text=True, timeout=120)
        assert flushed.returncode == 0, flushed.stderr
    assert len(mailbox.to("alert@example.test")) == 1
    assert _rows(app)[0].status == "sent"


