"""Configuration classes for the forum, read from environment variables.

``create_app`` picks one by name ("development", "testing", "production"); the
``FORUM_ENV`` variable selects it for ``flask --app forum`` (default development).
Every setting below can be overridden from the environment under the same name.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("FORUM_INSTANCE_PATH", BASE_DIR / "instance"))

DEFAULT_CRISIS_TEXT = (
    "If you or someone else is in danger, or you think you are having a medical "
    "emergency (for example a severe low you cannot bring up, or vomiting with high "
    "ketones), call your local emergency number now. This forum is peer support from "
    "other people living with diabetes; it cannot respond to emergencies."
)


def _env(name: str, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def _crisis_contacts() -> list[tuple[str, str]]:
    """Parse CRISIS_CONTACTS: entries 'Name|how to reach' separated by ';'."""
    raw = _env("CRISIS_CONTACTS", "")
    contacts = []
    for entry in raw.split(";"):
        if "|" in entry:
            name, detail = entry.split("|", 1)
            if name.strip():
                contacts.append((name.strip(), detail.strip()))
    return contacts


class Config:
    """Settings shared by every environment."""

    FORUM_NAME = _env("FORUM_NAME", "Sugar Circle")
    SECRET_KEY = _env("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'forum.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Absolute links in email are built from these, never from the request's Host.
    SERVER_NAME = _env("SERVER_NAME")
    PREFERRED_URL_SCHEME = _env("PREFERRED_URL_SCHEME", "http")

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    THREADS_PER_PAGE = 25
    POSTS_PER_PAGE = 20

    # Sessions and cookies (SECURITY.md B8-B11).
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which logout ends

    # Passwords: argon2id with argon2-cffi's defaults (t=3, m=64 MiB, p=4).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    CONFIRM_TOKEN_MAX_AGE = 60 * 60 * 48
    RESET_TOKEN_MAX_AGE = 60 * 60

    # Rate limits (Flask-Limiter). Memory storage is per process: use Redis in production.
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = _env("RATELIMIT_LOGIN", "6 per minute;30 per hour")
    RATELIMIT_REGISTER = _env("RATELIMIT_REGISTER", "5 per hour")
    RATELIMIT_RESET = _env("RATELIMIT_RESET", "5 per hour")
    RATELIMIT_POSTING = _env("RATELIMIT_POSTING", "10 per minute;200 per day")

    # Mail. With MAIL_SERVER unset, messages are written to instance/outbox/ as .eml files.
    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Sugar Circle <no-reply@localhost>")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 15)
    MAIL_SUPPRESS_SEND = False  # Flask-Mail would silently drop mail under TESTING; tests use real SMTP
    MAIL_OUTBOX_DIR = _env("MAIL_OUTBOX_DIR")  # default: <instance>/outbox

    # Safety: shown on the "Need help now?" page; CRISIS_CONTACTS="Name|detail;Name|detail".
    CRISIS_TEXT = _env("CRISIS_TEXT", DEFAULT_CRISIS_TEXT)
    CRISIS_CONTACTS = _crisis_contacts()

    TRUSTED_HOSTS = [h for h in (_env("TRUSTED_HOSTS", "") or "").split(",") if h] or None


class DevelopmentConfig(Config):
    """Local development: `make run`."""

    DEBUG = False  # the Werkzeug debugger would expose a shell; errors still show our 500 page


class TestingConfig(Config):
    """The test suite. Cheap password hashing; rate limits and CSRF off unless a test turns them on."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    MAIL_DEFAULT_SENDER = "Sugar Circle <no-reply@forum.test>"


class ProductionConfig(Config):
    """Production behind gunicorn: secure cookies, a required secret key."""

    SECRET_KEY = _env("SECRET_KEY")
    REQUIRE_SECRET_KEY = True
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = _env("PREFERRED_URL_SCHEME", "https")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
