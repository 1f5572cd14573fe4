"""Fixtures: app per test on SQLite or PostgreSQL, a real SMTP server, clients and helpers.

``FORUM_TEST_DB=postgresql`` runs the suite on a fresh PostgreSQL database (created at
session start, dropped at the end); the default is SQLite. With ``CI=true`` an
unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field

import email_validator
import pytest
from aiosmtpd.controller import Controller

from forum import clock, create_app
from forum.extensions import db
from tests.factories import PASSWORD

# Test addresses use the reserved .test domain, which email-validator refuses by default.
email_validator.TEST_ENVIRONMENT = True

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DB = os.environ.get("FORUM_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("FORUM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


# --- a real SMTP server on loopback ---------------------------------------------------

@dataclass
class Mailbox:
    """Messages the SMTP server received, parsed with the email package.

    Reading it first waits for the outbox's background worker (account mail is sent
    after the response), so a test sees every message its requests caused.
    """

    received: list[bytes] = field(default_factory=list)
    received_envelopes: list = field(default_factory=list)
    received_peers: list = field(default_factory=list)  # the client address of each message
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self.lock:
            self.received.append(envelope.original_content or envelope.content)
            self.received_envelopes.append(envelope)
            self.received_peers.append(session.peer)
        return "250 OK"

    @staticmethod
    def _settle() -> None:
        from forum.email import wait_for_background

        try:  # inside the SMTP server's own event loop (aiosmtpd inspects its handler)
            asyncio.get_running_loop()
            return
        except RuntimeError:
            pass
        assert wait_for_background(timeout=30), "the email outbox worker did not finish"

    @property
    def raw(self) -> list[bytes]:
        self._settle()
        return self.received

    @property
    def envelopes(self) -> list:
        self._settle()
        return self.received_envelopes

    @property
    def peers(self) -> list:
        self._settle()
        return self.received_peers

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        self._settle()
        with self.lock:
            return [email.message_from_bytes(r, policy=email.policy.default)
                    for r in self.received]

    def clear(self) -> None:
        self._settle()
        with self.lock:
            self.received.clear()
            self.received_envelopes.clear()
            self.received_peers.clear()

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    handler = smtp_server[1]
    handler.clear()
    return handler


def body_text(message) -> str:
    """The text/plain part of a received message, decoded."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


def link_in(message, fragment: str) -> str:
    """The first URL in the message's text containing ``fragment``."""
    for word in body_text(message).split():
        if word.startswith("http") and fragment in word:
            return word
    raise AssertionError(f"no link containing {fragment!r} in message")


@contextlib.contextmanager
def count_queries(app):
    """Count the SQL statements run while the block runs: ``with count_queries(app) as n:``
    then ``n[0]``."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    counter = [0]

    def count(*_args, **_kwargs):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- databases -----------------------------------------------------------------------

@contextlib.contextmanager
def fresh_postgresql_database(prefix: str):
    """The SQLAlchemy URL of a new, empty PostgreSQL database, dropped afterwards.
    Skips the test when PostgreSQL is unreachable (fails it under ``CI=true``)."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL is unreachable at {PG_ADMIN_URL}")
    # The name is made above from digits and hex only; identifiers cannot be bound.
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DB == "sqlite":
        yield None
        return
    with fresh_postgresql_database("forum_test") as url:
        yield url


_pg_schema_ready: set[str] = set()


def _reset_schema(url: str | None) -> None:
    """SQLite: a new file per test gets a fresh schema. PostgreSQL: create once, then empty."""
    if url is None or url not in _pg_schema_ready:
        db.drop_all()
        db.create_all()
        if url is not None:
            _pg_schema_ready.add(url)
        return
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(db.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app_overrides():
    """Per-test extra settings: a test module may override this fixture."""
    return {}


@pytest.fixture
def app(tmp_path, database_url, smtp_server, app_overrides):
    controller = smtp_server[0]
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp_path / 'forum.db'}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
    }
    settings.update(app_overrides)
    app = create_app("testing", settings)
    with app.app_context():
        _reset_schema(database_url)
    yield app
    from forum.email import wait_for_background

    wait_for_background()  # account mail sent after a response uses this app's engine
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    clock.freeze(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


class Auth:
    """Logs a member in and out through the real views."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, remember: bool = False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/auth/login", data=data)

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def frozen_clock():
    """Freeze forum.clock at a known instant; ``frozen_clock.advance(...)`` moves it."""
    from datetime import UTC, datetime, timedelta

    class Frozen:
        now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

        def advance(self, **kwargs):
            self.now = self.now + timedelta(**kwargs)
            clock.freeze(self.now)

    frozen = Frozen()
    clock.freeze(frozen.now)
    yield frozen
    clock.freeze(None)
