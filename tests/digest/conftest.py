"""Digest fixtures: a clock at a send time, subscribers, scripted SMTP servers, CLI helpers.

The default schedule is Monday 08:00 Europe/London. ``SEND_TIME`` is Monday 30 November
2026, 09:00 UTC, so the latest period that has ended is 2026-W48 (Monday 23 November
08:00 GMT to Monday 30 November 08:00 GMT); ``IN_PERIOD`` falls inside it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from forum import clock
from forum.digest.subscriptions import new_token
from forum.extensions import db
from forum.models import DigestSubscription
from tests.conftest import Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]
SEND_TIME = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PERIOD = "2026-W48"
PERIOD_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
IN_PERIOD = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BEFORE_PERIOD = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_overrides():
    return {
        "SERVER_NAME": "forum.test",
        "PREFERRED_URL_SCHEME": "https",
        "DIGEST_RETRY_DELAYS": "0.05,0.1",
        "MAIL_RECONNECT_DELAYS": "0.05,0.1",
        "MAIL_TIMEOUT": 2,
    }


@pytest.fixture
def at_send_time():
    """The clock frozen just after the 2026-W48 digest became due."""
    clock.freeze(SEND_TIME)
    yield SEND_TIME
    clock.freeze(None)


def subscribe_member(user, *, categories=None, since: datetime = BEFORE_PERIOD):
    subscription = DigestSubscription(
        user_id=user.id, token=new_token(), status="confirmed",
        all_categories=categories is None, categories=list(categories or ()),
        created_at=since, subscribed_at=since)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def subscribe_email(address: str, *, status: str = "confirmed",
                    since: datetime = BEFORE_PERIOD):
    subscription = DigestSubscription(
        email=address, token=new_token(), status=status, created_at=since,
        requested_at=since, subscribed_at=since if status == "confirmed" else None)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def send(runner, *args: str):
    """``flask digest send --period 2026-W48 ...`` in-process; returns the click result."""
    result = runner.invoke(args=["digest", "send", "--period", PERIOD, *args])
    return result


def summary_of(output: str) -> dict[str, str]:
    line = [text for text in output.splitlines() if text.startswith("period=")][-1]
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


def parse_strict(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.strict)


# --- SMTP servers that misbehave on purpose -------------------------------------------------

@dataclass
class Scripted(Mailbox):
    """A mailbox whose replies can be scripted per recipient: ``rcpt[address]`` and
    ``data[address]`` are lists of replies used (and removed) one per attempt."""

    rcpt: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, list[str]] = field(default_factory=dict)
    delay: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        script = self.rcpt.get(address)
        if script:
            return script.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        script = self.data.get(envelope.rcpt_tos[0])
        if script:
            with self.lock:
                self.received_peers.append(session.peer)  # refused, but on this connection
            return script.pop(0)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def scripted(app):
    """A scripted SMTP server on loopback that the app sends to (instead of ``mailbox``)."""
    handler = Scripted()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp_port(app, controller.port)
    yield handler
    controller.stop()


def use_smtp_port(app, port: int) -> None:
    """Point the app's Flask-Mail state at another SMTP port (it copies config at start)."""
    app.config["MAIL_PORT"] = port
    app.extensions["mail"].port = port


class SilentServer:
    """Accepts TCP connections and never says a word (a black hole)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent_server(app):
    server = SilentServer()
    use_smtp_port(app, server.port)
    yield server
    server.close()


# --- the real command line, in another process ----------------------------------------------

def cli_env(app, tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "FORUM_", "DATABASE_URL", "SECRET_KEY", "MAIL_",
                                  "DIGEST_", "SERVER_NAME"))}
    env.update({
        "FORUM_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FORUM_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT": "5",
        "SERVER_NAME": "forum.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SEARCH_INDEX_DIR": str(tmp_path / "cli-index"),
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def flask_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("flask")), "--app", "forum", *args]


def start_cli(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(flask_command(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def past_period_key(weeks_ago: int = 2) -> tuple[str, datetime]:
    """A period that has really ended (subprocesses use the real clock): key and a time
    inside it."""
    from forum.digest.schedule import Schedule, latest_ended_period, period_ending_at

    schedule = Schedule()
    period = latest_ended_period(schedule, datetime.now(UTC))
    for _ in range(weeks_ago):
        period = period_ending_at(schedule, period.start)
    return period.key, period.start + timedelta(days=2)


# --- a small forum ----------------------------------------------------------------------

@pytest.fixture
def world(app, at_send_time):
    """A public and a members-only category, an author, two member subscribers (one a
    moderator), an admin and an email-only subscriber; one thread opened in 2026-W48."""
    from types import SimpleNamespace

    from tests.factories import make_category, make_moderator, make_thread, make_user

    with app.app_context():
        general = make_category(slug="general", name="General chat", position=1)
        lounge = make_category(slug="lounge", name="Members lounge", members_only=True,
                               position=2)
        author = make_user(email="author@example.test", display_name="Ann Author")
        reader = make_user(email="reader@example.test", display_name="Rita Reader")
        mod = make_moderator(email="mod@example.test", display_name="Mo Derator",
                             categories=[general, lounge])
        admin = make_user(email="admin@example.test", display_name="Ada Admin", role="admin")
        thread = make_thread(category=general, author=author, title="Night-time hypos",
                             body="Does anyone else wake up low after exercise?", at=IN_PERIOD)
        subs = {
            "reader": subscribe_member(reader),
            "mod": subscribe_member(mod),
            "guest": subscribe_email("guest@example.test"),
        }
        db.session.commit()
        return SimpleNamespace(
            general_id=general.id, lounge_id=lounge.id, thread_id=thread.id,
            ids={"author": author.id, "reader": reader.id, "mod": mod.id, "admin": admin.id},
            subs={name: s.id for name, s in subs.items()},
            tokens={name: s.token for name, s in subs.items()},
        )


def new_thread(app, *, category_id: int, title: str, body: str = "Some words about it.",
               at: datetime = IN_PERIOD, author_email: str = "author@example.test"):
    """Open a thread (committed) and return its id and opening post id."""
    from sqlalchemy import select

    from forum.models import Category, User
    from tests.factories import make_thread

    with app.app_context():
        author = db.session.scalar(select(User).filter_by(email=author_email))
        thread = make_thread(category=db.session.get(Category, category_id), author=author,
                             title=title, body=body, at=at)
        db.session.commit()
        return thread.id, thread.posts[0].id
