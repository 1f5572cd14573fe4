"""Unbound Flask extensions, bound to an app in ``init_app`` (the app-factory pattern)."""

import sqlite3
from pathlib import Path

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names let Alembic alter and drop constraints, on SQLite too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention above."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite in WAL mode with ``synchronous=NORMAL`` and ``secure_delete``.

    Readers no longer wait for a writer (several gunicorn workers, a digest run beside
    the site), and a commit no longer waits for the disk: a committed transaction
    survives the process being killed (what the digest's exactly-once ledger relies
    on), though the last few may be lost if the machine loses power. PostgreSQL keeps
    its own, fully durable, setting.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        _postgresql_settings(dbapi_connection)
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten content is zeroed in the file, not left in free space:
    # an erased member's text must leave the disk (forum.erasure), and so must text a
    # moderator redacted.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def sqlite_write_lock() -> None:
    """On SQLite, start the session's transaction holding the database's write lock
    (waiting for another writer first), so that what it reads next cannot change before
    it commits: SQLite has no row locks, and its reads outside a write transaction see
    each commit as it lands (two cron runs would both read a row as "not yet done").
    PostgreSQL uses ``SELECT … FOR UPDATE`` instead; there this does nothing."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE users SET id = id WHERE 0"))


def _postgresql_settings(dbapi_connection) -> None:
    """PostgreSQL without JIT compilation: the forum's queries are short, and a plan
    whose cost is misjudged (fresh tables without statistics) otherwise spends ~15 ms
    compiling a query that runs in 0.1 ms."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def _engine_options(app) -> None:
    """Pooled connections are reused newest first (``pool_use_lifo``): one busy
    connection stays warm, idle ones can be closed, and a digest run keeps talking on
    the connection whose ``PRAGMA data_version`` it compares (forum.digest.versions).
    An in-memory SQLite database has no such pool."""
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if uri in ("sqlite://", "sqlite:///:memory:") or ":memory:" in uri:
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_use_lifo", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_app(app):
    """Bind every extension to ``app``."""
    _engine_options(app)
    db.init_app(app)
    # An absolute path, so `flask --app forum db ...` works from any directory.
    migrations = Path(__file__).resolve().parent.parent / "migrations"
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
