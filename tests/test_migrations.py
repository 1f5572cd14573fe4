"""The Alembic migrations build exactly the schema the models describe.

Each test runs ``flask db upgrade`` against a brand-new, empty database: a fresh
SQLite file, and with ``FORUM_TEST_DB=postgresql`` also a PostgreSQL database that
this module creates and drops itself. The migrated schema is then compared with
``db.metadata`` by Alembic's autogenerate: any difference means a model change
without a migration (or the other way round).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from forum import create_app
from forum.extensions import db
from tests.helpers import TEST_DB, fresh_postgresql_database

pytestmark = pytest.mark.slow  # every test migrates a new database; two use subprocesses

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = str(ROOT / "migrations")

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        TEST_DB != "postgresql", reason="PostgreSQL runs only with FORUM_TEST_DB=postgresql")),
]


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """The URL of a new database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    with fresh_postgresql_database("forum_migrate") as url:
        yield url


@pytest.fixture
def migration_app(empty_database, tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database,
                                 "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(MIGRATIONS).get_current_head()


def test_upgrade_builds_exactly_the_models_schema(migration_app):
    flask_migrate.upgrade(directory=MIGRATIONS)
    assert tables() == {table.name for table in db.metadata.sorted_tables}
    assert current_revision() == head_revision()
    diff = schema_diff()
    assert diff == [], "\n".join(map(str, diff))


def test_the_diff_check_notices_a_missing_migration(migration_app):
    """Control: a column the migrations do not create shows up in the diff."""
    flask_migrate.upgrade(directory=MIGRATIONS)
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE categories ADD COLUMN stray INTEGER"))
    diff = schema_diff()
    assert any(entry[0] == "remove_column" and entry[2] == "categories" for entry in diff), diff


def test_downgrade_to_base_and_upgrade_again(migration_app):
    flask_migrate.upgrade(directory=MIGRATIONS)
    flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
    assert tables() == set()
    assert current_revision() is None
    flask_migrate.upgrade(directory=MIGRATIONS)
    assert current_revision() == head_revision()
    assert schema_diff() == []


def test_migrated_database_works_with_the_models(migration_app):
    """The constraints the migration made agree with the ORM: a full thread can be written."""
    from tests.factories import make_category, make_post, make_thread, make_user

    flask_migrate.upgrade(directory=MIGRATIONS)
    thread = make_thread(category=make_category(), author=make_user())
    make_post(thread)
    db.session.commit()
    assert thread.post_count == 2


def test_running_migrations_keeps_the_forum_loggers(migration_app, caplog):
    """env.py must not switch off the app's loggers (logging.config.fileConfig's default)."""
    import logging

    flask_migrate.upgrade(directory=MIGRATIONS)
    logger = logging.getLogger("forum.auth.services")
    assert not logger.disabled
    caplog.set_level(logging.INFO, logger="forum")
    logger.info("still here")
    assert "still here" in caplog.text


# --- the real command line ---------------------------------------------------------------

def flask_cli(*args: str, tmp_path: Path, database_url: str,
              cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "FORUM_", "DATABASE_URL", "SECRET_KEY"))
    }
    env.update({
        "DATABASE_URL": database_url,
        "FORUM_INSTANCE_PATH": str(tmp_path / "instance"),
        "FORUM_ENV": "development",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PYTHONPATH": str(ROOT),
    })
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run([str(flask), "--app", "forum", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


def test_cli_upgrade_then_seed(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"

    empty = flask_cli("is-empty", tmp_path=tmp_path, database_url=url)
    assert empty.returncode == 0, empty.stderr  # no tables yet counts as empty

    upgrade = flask_cli("db", "upgrade", tmp_path=tmp_path, database_url=url)
    assert upgrade.returncode == 0, upgrade.stderr
    engine = create_engine(url)
    try:
        assert "categories" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert (tmp_path / "instance").is_dir()

    empty = flask_cli("is-empty", tmp_path=tmp_path, database_url=url)
    assert empty.returncode == 0, empty.stderr

    seed = flask_cli("seed-demo", tmp_path=tmp_path, database_url=url)
    assert seed.returncode == 0, seed.stdout + seed.stderr
    assert "Traceback" not in seed.stderr

    empty = flask_cli("is-empty", tmp_path=tmp_path, database_url=url)
    assert empty.returncode == 1, empty.stdout + empty.stderr

    again = flask_cli("seed-demo", tmp_path=tmp_path, database_url=url)
    assert again.returncode == 0, again.stdout + again.stderr


def test_cli_upgrade_from_another_directory(tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = flask_cli("db", "upgrade", tmp_path=tmp_path, database_url=url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_0010_turns_every_moderation_notice_into_a_notification(migration_app):
    """Members keep their moderators' messages: each notice gets a notification of kind
    moderation pointing at it, read if the notice was read, with the post's thread."""
    flask_migrate.upgrade(directory=MIGRATIONS, revision="0009")
    statements = [
        "INSERT INTO users (id, email, display_name, display_name_key, password_hash, role,"
        " created_at, bio, session_version, post_count, is_on_duty) VALUES (1, 'a@x.test',"
        " 'Ann', 'ann', 'x', 'member', '2026-01-01', '', 1, 1, false)",
        "INSERT INTO categories (id, slug, name, description, position, members_only,"
        " thread_count, post_count, digest_mode) VALUES (1, 'c', 'C', '', 0, false, 1, 1,"
        " 'full')",
        "INSERT INTO threads (id, category_id, author_id, title, created_at, last_post_at,"
        " post_count, reply_count, is_listed, is_pinned, is_locked, is_moderator_led)"
        " VALUES (7, 1, 1, 'T', '2026-01-01', '2026-01-01', 1, 0, true, false, false, false)",
        "INSERT INTO posts (id, thread_id, author_id, body_source, body_html, body_text,"
        " created_at, status, is_opening) VALUES (9, 7, 1, 'b', 'b', 'b', '2026-01-01',"
        " 'hidden', true)",
        "INSERT INTO moderation_notices (id, user_id, post_id, kind, message, created_at,"
        " read_at) VALUES (1, 1, 9, 'hidden', 'Hidden.', '2026-01-02', NULL),"
        " (2, 1, NULL, 'warning', 'Careful.', '2026-01-03', '2026-01-04')",
    ]
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    flask_migrate.upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT user_id, kind, thread_id, post_id, notice_id, read_at IS NULL"
            " FROM notifications ORDER BY notice_id")).all()
    assert [tuple(row) for row in rows] == [(1, "moderation", 7, 9, 1, True),
                                            (1, "moderation", None, None, 2, False)]
