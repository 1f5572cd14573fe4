"""Fixtures: an app per test on SQLite or PostgreSQL, a real SMTP server, clients, login.

``FORUM_TEST_DB=postgresql`` runs the suite on a fresh PostgreSQL database (created at
session start, dropped at the end); the default is SQLite. With ``CI=true`` an
unreachable PostgreSQL fails the run instead of skipping.

Plain helper functions live in ``tests.helpers`` and factories in ``tests.factories``:
tests import from those, never from a conftest.

Speed, without sharing anything between tests that a test could change:

* the schema is made once per session: on SQLite into a template file that each test
  copies; on PostgreSQL into the session's database, emptied (rows deleted, sequences
  restarted) before each test. Each test also gets a copy of an empty search index;
* every app in the session shares compiled templates (a Jinja bytecode cache, checked
  against each template's source) and compiled URL builders (``_share_url_builders``),
  so creating an app per test costs a few milliseconds instead of tens;
* argon2 runs with TestingConfig's cheap parameters.

``slow`` marks the multi-process, migration, browser and wall-clock timing tests, and the
modules that build the whole demo forum (``test_seed``, ``search/test_cli``) (``make
test-fast`` leaves them out): everything under ``tests/browser/`` gets it here; the others
say so themselves. ``FORUM_TEST_SHARD=1/2`` runs the first of two halves of the test
modules (``make test-fast`` runs both halves at once), balanced by each module's measured
time in ``tests/shard_weights.json`` (regenerate it with ``make shard-weights`` when the
halves drift apart; a module not listed counts 0.15 s per test).
"""

from __future__ import annotations

import contextlib
import inspect
import os
import shutil
from pathlib import Path

import email_validator
import jinja2
import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from forum import clock, create_app
from forum.email import wait_for_background
from forum.extensions import db
from tests import helpers
from tests.factories import PASSWORD
from tests.helpers import TEST_DB, Mailbox, free_port, fresh_postgresql_database

# Test addresses use the reserved .test domain, which email-validator refuses by default.
email_validator.TEST_ENVIRONMENT = True

TESTS_DIR = Path(__file__).resolve().parent


# --- markers and shards ------------------------------------------------------------------

def pytest_collection_modifyitems(config, items):
    browser_dir = TESTS_DIR / "browser"
    for item in items:
        if browser_dir in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
    shard = os.environ.get("FORUM_TEST_SHARD")  # "1/2": run the first of two halves
    if shard:
        _keep_shard(config, items, shard)


SHARD_WEIGHTS = Path(__file__).with_name("shard_weights.json")
SECONDS_PER_TEST = 0.15  # for a module the weights file does not list yet


def _module_seconds(items) -> dict[Path, float]:
    """Each collected module's expected time: measured, or its test count × 0.15 s."""
    import json

    root = Path(__file__).resolve().parent.parent
    measured = json.loads(SHARD_WEIGHTS.read_text()) if SHARD_WEIGHTS.exists() else {}
    counts: dict[Path, int] = {}
    for item in items:
        counts[Path(item.path)] = counts.get(Path(item.path), 0) + 1
    seconds = {}
    for path, n in counts.items():
        key = path.resolve().relative_to(root).as_posix()
        seconds[path] = measured.get(key, n * SECONDS_PER_TEST)
    return seconds


def _keep_shard(config, items, shard: str) -> None:
    """Deselect every test module but this shard's: whole modules (their module-scoped
    fixtures stay in one process), longest first, each to the shard with the least time
    so far. Every shard collects the same items, so the shards never overlap."""
    number, count = (int(part) for part in shard.split("/"))
    sizes = _module_seconds(items)
    loads, owner = [0.0] * count, {}
    for path in sorted(sizes, key=lambda p: (-sizes[p], str(p))):
        lightest = loads.index(min(loads))
        owner[path] = lightest
        loads[lightest] += sizes[path]
    keep = [item for item in items if owner[Path(item.path)] == number - 1]
    config.hook.pytest_deselected(
        items=[item for item in items if owner[Path(item.path)] != number - 1])
    items[:] = keep


# --- compiled code shared by every app in this process -------------------------------

class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the session; Jinja checks each against its source."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _MemoryBytecodeCache()}


def _share_url_builders() -> None:
    """Werkzeug compiles two Python functions for every URL rule of every new app (about
    20 ms per app here). A builder depends only on the rule's text, parsed parts and
    defaults, and receives the rule itself as an argument, so rules with the same text
    share one. Skipped if Werkzeug's internals are not the ones this was written for."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or list(inspect.signature(compile_builder).parameters) != [
            "self", "append_unknown"]:
        return
    builders: dict[tuple, object] = {}

    def shared_builder(self, append_unknown=True):
        trace = getattr(self, "_trace", None)
        if trace is None:  # not the Werkzeug this was written for
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(trace), append_unknown,
               tuple(sorted((str(k), repr(v)) for k, v in (self.defaults or {}).items())))
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared_builder


_share_url_builders()


# --- a real SMTP server on loopback ------------------------------------------------------

@pytest.fixture(scope="session")
def smtp_server():
    """The one SMTP server of the session: ``(controller, handler)``; every app sends to
    it. Tests read and script it through ``mailbox``."""
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    handler.reset()
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    """The SMTP server's handler, empty and unscripted for this test."""
    handler = smtp_server[1]
    handler.reset()
    yield handler
    handler.reset()


# --- databases ---------------------------------------------------------------------------

class SessionDatabase:
    """The forum's schema and an empty search index, made once per session.

    SQLite: a template file; ``url(directory)`` copies it for one test (or one module).
    PostgreSQL: the session's database; ``url()`` is always it, and ``empty()`` deletes
    every row and restarts every sequence (far cheaper than TRUNCATE, let alone a new
    database or a new schema per test). ``search_index(directory)`` copies the empty
    index (what ``flask search reindex`` makes for an empty forum), so a test's first
    commit does not have to build one; tests of a missing index delete it themselves.
    """

    def __init__(self, kind: str, location: str | Path, index_template: Path):
        self.kind = kind
        self.location = location  # the template file, or the PostgreSQL URL
        self.index_template = index_template
        self._empty_sql = ""

    def url(self, directory: Path | None = None) -> str:
        if self.kind == "postgresql":
            return str(self.location)
        path = directory / "forum.db"
        shutil.copyfile(self.location, path)
        return f"sqlite:///{path}"

    def search_index(self, directory: Path) -> str:
        path = directory / "search-index"
        shutil.copytree(self.index_template, path, symlinks=True)  # "current" is relative
        return str(path)

    def prepare(self, app) -> None:
        """In ``app``'s context: make the schema and the empty search index."""
        db.create_all()
        app.extensions["forum.search"].rebuild()
        if self.kind != "postgresql":
            return
        sequences = db.session.scalars(db.text(
            "SELECT c.oid::regclass::text FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()")).all()
        deletes = "".join(f'DELETE FROM "{table.name}";'
                          for table in reversed(db.metadata.sorted_tables))
        restarts = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
        self._empty_sql = deletes + (f"SELECT {restarts};" if restarts else "")

    def empty(self, app) -> None:
        """In ``app``'s context (PostgreSQL): no rows, every sequence back at 1."""
        if self.kind != "postgresql":
            return
        connection = db.engine.raw_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(self._empty_sql)  # several statements, one round trip
            connection.commit()
        finally:
            connection.close()


@contextlib.contextmanager
def _prepared(database: SessionDatabase, url: str):
    directory = database.index_template.parent
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url,
                                 "MAIL_OUTBOX_DIR": str(directory / "outbox"),
                                 "SEARCH_INDEX_DIR": str(database.index_template)})
    with app.app_context():
        database.prepare(app)
        db.session.remove()
        db.engine.dispose()  # SQLite: the last connection out checkpoints the WAL into the file
    yield database


@pytest.fixture(scope="session")
def test_database(tmp_path_factory):
    directory = tmp_path_factory.mktemp("schema")
    index_template = directory / "search-index"
    if TEST_DB == "sqlite":
        template = directory / "template.db"
        with _prepared(SessionDatabase("sqlite", template, index_template),
                       f"sqlite:///{template}") as database:
            yield database
        return
    with fresh_postgresql_database("forum_test") as url, _prepared(
            SessionDatabase("postgresql", url, index_template), url) as database:
        yield database


@pytest.fixture
def app_overrides():
    """Per-test extra settings: a test module may override this fixture."""
    return {}


@pytest.fixture
def app(tmp_path, test_database, smtp_server, app_overrides):
    controller = smtp_server[0]
    settings = {
        "SQLALCHEMY_DATABASE_URI": test_database.url(tmp_path),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "SEARCH_INDEX_DIR": test_database.search_index(tmp_path),
    }
    settings.update(app_overrides)
    app = create_app("testing", settings)
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"] == settings["SQLALCHEMY_DATABASE_URI"]:
            test_database.empty(app)
        else:  # a test's own database
            db.drop_all()
            db.create_all()
    yield app
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


# --- logging in --------------------------------------------------------------------------

@pytest.fixture
def people():
    """Names the ``login`` fixture knows: ``{name: email address}``. A directory whose
    tests share a ready-made forum overrides this with that forum's people."""
    return {}


@pytest.fixture
def login(client, people):
    """``login(who, password=PASSWORD, remember=False)`` logs ``who`` (a name from
    ``people``, an email address or a User) in through the real form, logging out
    whoever was logged in first, and asserts that it worked. To test the login form
    itself, use the plain ``tests.helpers.login(client, user, ...)``."""

    def log_in(who, password: str = PASSWORD, *, remember: bool = False):
        if isinstance(who, str):
            who = people.get(who, who)
        with client.session_transaction() as session:
            logged_in = "_user_id" in session
        if logged_in:
            helpers.logout(client)
        response = helpers.login(client, who, password, remember=remember)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return log_in


# --- time --------------------------------------------------------------------------------

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
