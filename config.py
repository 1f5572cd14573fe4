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


# `flask serve` (what `make run` starts) writes the address it serves on here, so that a
# command run without HOST and PORT (cron, another terminal) still links to it.
SERVED_ADDRESS_FILE = "served-address"


def _local_server_name() -> str:
    """HOST:PORT from the environment; what is missing comes from the address `flask serve`
    last served on (``<instance>/served-address``), else 127.0.0.1:5000."""
    host, port = _env("HOST"), _env("PORT")
    if host is None or port is None:
        try:
            served = (INSTANCE_DIR / SERVED_ADDRESS_FILE).read_text().strip()
        except OSError:
            served = ""
        served_host, _, served_port = served.rpartition(":")
        if served_host and served_port.isdigit():
            host, port = host or served_host, port or served_port
    return f"{host or '127.0.0.1'}:{port or '5000'}"


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
    RUN_PERIODIC_JOBS = False  # see DevelopmentConfig
    SECRET_KEY = _env("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'forum.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Absolute links in email are built from these, never from the request's Host.
    SERVER_NAME = _env("SERVER_NAME")
    PREFERRED_URL_SCHEME = _env("PREFERRED_URL_SCHEME", "http")
    # Without SERVER_NAME (development), emailed links are built from the address
    # `make run` serves on, from the web and the CLI alike: never from a request's Host
    # header. HOST and PORT (as the Makefile passes them) win; without them, the address
    # `flask serve` last served on; then 127.0.0.1:5000. `flask serve` itself, and the
    # periodic jobs it starts, always use the address it serves on.
    LOCAL_SERVER_NAME = _local_server_name()

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
    # Flask-WTF's strict mode demands a same-origin Referer on HTTPS, but every page sends
    # Referrer-Policy: no-referrer (health-topic URLs must not leak), so browsers send none.
    # forum.security checks Sec-Fetch-Site and Origin instead, next to the CSRF token.
    WTF_CSRF_SSL_STRICT = False

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
    RATELIMIT_DIGEST_SUBSCRIBE = _env("RATELIMIT_DIGEST_SUBSCRIBE", "10 per hour")

    # Mail. With MAIL_SERVER unset, messages are written to instance/outbox/ as .eml files.
    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Sugar Circle <no-reply@localhost>")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 15)
    # Flask-Mail would silently drop mail under TESTING; the tests use a real SMTP server.
    MAIL_SUPPRESS_SEND = False
    MAIL_OUTBOX_DIR = _env("MAIL_OUTBOX_DIR")  # default: <instance>/outbox

    # The email outbox (forum.email.outbox): transactional mail not delivered right after
    # its commit is retried by `flask mail flush` after these delays (seconds; the last
    # repeats), at most MAIL_OUTBOX_MAX_ATTEMPTS times; a sender holds a claimed row for
    # MAIL_OUTBOX_LEASE seconds before another may take it over.
    MAIL_OUTBOX_RETRY_DELAYS = _env("MAIL_OUTBOX_RETRY_DELAYS", "60,300,900,3600")
    MAIL_OUTBOX_MAX_ATTEMPTS = _env_int("MAIL_OUTBOX_MAX_ATTEMPTS", 10)
    MAIL_OUTBOX_LEASE = _env_int("MAIL_OUTBOX_LEASE", 300)

    # Safety: the "Need help now?" and supportive pages. CRISIS_REGION picks the emergency
    # number and crisis lines from forum/pages/crisis_contacts.toml (GB, IE, US, CA, AU, NZ,
    # IN); an unknown region stops the app at start-up. CRISIS_CONTACTS="Name|detail;..."
    # replaces the region's crisis lines when set (the emergency number stays the region's).
    CRISIS_TEXT = _env("CRISIS_TEXT", DEFAULT_CRISIS_TEXT)
    CRISIS_REGION = _env("CRISIS_REGION", "GB")
    CRISIS_CONTACTS = _crisis_contacts()

    # Moderation: a new member's first N posts wait for approval; N distinct flags hide a
    # post at once; unclaimed crisis items escalate to admins after this many minutes.
    PREMODERATION_POSTS = _env_int("PREMODERATION_POSTS", 2)
    FLAGS_TO_HIDE = _env_int("FLAGS_TO_HIDE", 3)
    CRISIS_ESCALATE_AFTER_MINUTES = _env_int("CRISIS_ESCALATE_AFTER_MINUTES", 15)
    # A newcomer's thread with no reply from anyone else after this many hours is listed
    # for the moderators under "Newcomers waiting".
    NEWCOMER_REPLY_HOURS = _env_int("NEWCOMER_REPLY_HOURS", 12)

    # Host names the forum answers for (others get 400); default: SERVER_NAME's host, or
    # in development the HOST `make run` serves on plus localhost and 127.0.0.1.
    TRUSTED_HOSTS = [h for h in (_env("TRUSTED_HOSTS", "") or "").split(",") if h] or None
    # How many reverse proxies stand in front of the app and set X-Forwarded-For/-Proto.
    # 0 (the default): those headers are ignored, so a client cannot pick its own address
    # and dodge the per-IP rate limits. Behind one nginx: TRUSTED_PROXIES=1.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    # Search (Whoosh). The index lives in <instance>/search-index unless SEARCH_INDEX_DIR is set.
    # Writers wait SEARCH_WRITER_TIMEOUT seconds for the lock, then leave the change queued.
    SEARCH_INDEX_DIR = _env("SEARCH_INDEX_DIR")
    SEARCH_WRITER_TIMEOUT = float(_env("SEARCH_WRITER_TIMEOUT", "2"))
    SEARCH_RESULTS_PER_PAGE = 20
    SEARCH_MAX_RESULTS = 1000  # counted and paged at most; beyond: "1,000+ results"
    SEARCH_INLINE_REBUILD_MAX = 5000  # posts; a bigger missing index rebuilds in background
    SEARCH_REBUILD_STALE_AFTER = 60  # seconds without a heartbeat: a rebuild marker is stale
    SEARCH_REINDEX_PROCS = _env_int("SEARCH_REINDEX_PROCS", max(1, min(os.cpu_count() or 1, 4)))

    # Weekly digest (forum.digest). Sent every DIGEST_WEEKDAY (0 = Monday) at DIGEST_HOUR:00
    # in DIGEST_TIMEZONE; each digest covers the week up to that moment.
    DIGEST_WEEKDAY = _env_int("DIGEST_WEEKDAY", 0)
    DIGEST_HOUR = _env_int("DIGEST_HOUR", 8)
    DIGEST_TIMEZONE = _env("DIGEST_TIMEZONE", "Europe/London")
    # What a category marked "sensitive" shows: "title_only" (no excerpt) or "exclude".
    DIGEST_SENSITIVE_MODE = _env("DIGEST_SENSITIVE_MODE", "title_only")
    # Optional mailto for List-Unsubscribe, e.g. unsubscribe@forum.example.org.
    DIGEST_MAILTO_UNSUBSCRIBE = _env("DIGEST_MAILTO_UNSUBSCRIBE")
    # List-Id; default "<FORUM_NAME> weekly digest <digest.SERVER_NAME>".
    DIGEST_LIST_ID = _env("DIGEST_LIST_ID")
    DIGEST_ITEMS_PER_SECTION = _env_int("DIGEST_ITEMS_PER_SECTION", 5)
    DIGEST_CONFIRM_MAX_AGE = 60 * 60 * 24 * 7  # email-only requests expire after 7 days
    # Sending: a claimed message belongs to its sender for this long (then another run may
    # take it over); transient failures are retried in the run after these delays
    # (seconds), then deferred to a later run; permanent failures suppress a subscriber
    # after DIGEST_SUPPRESS_AFTER in a row.
    DIGEST_CLAIM_LEASE = _env_int("DIGEST_CLAIM_LEASE", 600)
    DIGEST_RETRY_DELAYS = _env("DIGEST_RETRY_DELAYS", "2,8")
    DIGEST_DEFER_SECONDS = _env_int("DIGEST_DEFER_SECONDS", 600)
    DIGEST_MAX_ATTEMPTS = _env_int("DIGEST_MAX_ATTEMPTS", 12)
    DIGEST_SUPPRESS_AFTER = _env_int("DIGEST_SUPPRESS_AFTER", 3)
    # Reconnecting after a dropped or refused SMTP connection (seconds between tries);
    # a run stops after this many messages in a row failed to get a connection.
    MAIL_RECONNECT_DELAYS = _env("MAIL_RECONNECT_DELAYS", "1,4")
    DIGEST_MAX_CONNECTION_FAILURES = _env_int("DIGEST_MAX_CONNECTION_FAILURES", 3)

    # Notifications by email (forum.notifications.emails, `flask notifications send`,
    # cron every minute). A notification is emailed once it is NOTIFY_EMAIL_DELAY seconds
    # old (read on the site meanwhile: not emailed) and at most NOTIFY_EMAIL_MAX_AGE
    # seconds old; "immediately" sends at most one email per thread every
    # NOTIFY_EMAIL_BATCH_MINUTES; the daily summary goes out after NOTIFY_EMAIL_SUMMARY_HOUR
    # in the member's time zone (NOTIFY_EMAIL_TIMEZONE unless they chose one).
    NOTIFY_EMAIL_DELAY = _env_int("NOTIFY_EMAIL_DELAY", 120)
    NOTIFY_EMAIL_MAX_AGE = _env_int("NOTIFY_EMAIL_MAX_AGE", 3 * 24 * 3600)
    NOTIFY_EMAIL_BATCH_MINUTES = _env_int("NOTIFY_EMAIL_BATCH_MINUTES", 15)
    NOTIFY_EMAIL_SUMMARY_HOUR = _env_int("NOTIFY_EMAIL_SUMMARY_HOUR", 8)
    NOTIFY_EMAIL_TIMEZONE = _env("NOTIFY_EMAIL_TIMEZONE", "Europe/London")

    # Members' data rights (forum.exports, forum.erasure, forum.privacy).
    # The operator named on the privacy page: who is responsible for the data (the
    # charity or clinic) and how to reach them about it.
    OPERATOR_NAME = _env("OPERATOR_NAME", "The Sugar Circle team")
    OPERATOR_CONTACT = _env("OPERATOR_CONTACT", "privacy@localhost")
    # "Download my data": the link works once, for EXPORT_LINK_DAYS, in the member's
    # session. "Delete my account": erasure runs ERASURE_GRACE_DAYS after the request
    # unless the member logs in meanwhile.
    EXPORT_LINK_DAYS = _env_int("EXPORT_LINK_DAYS", 7)
    RATELIMIT_EXPORT = _env("RATELIMIT_EXPORT", "5 per day")
    EXPORT_DIR = _env("EXPORT_DIR")  # default: <instance>/exports
    ERASURE_GRACE_DAYS = _env_int("ERASURE_GRACE_DAYS", 7)
    DISPLAY_NAME_CHANGE_DAYS = _env_int("DISPLAY_NAME_CHANGE_DAYS", 30)
    # Search engines: "public" (public categories and threads may be indexed; profiles,
    # members-only pages and account pages never) or "none" (noindex everywhere).
    SEARCH_ENGINES = _env("SEARCH_ENGINES", "public")
    # Retention (the daily `flask retention run`): rows older than this many days are
    # deleted (0: kept for ever). Listed with every other retention period in the README.
    RETAIN_LOGIN_HISTORY_DAYS = _env_int("RETAIN_LOGIN_HISTORY_DAYS", 90)
    RETAIN_NOTIFICATIONS_DAYS = _env_int("RETAIN_NOTIFICATIONS_DAYS", 90)
    RETAIN_EMAIL_OUTBOX_DAYS = _env_int("RETAIN_EMAIL_OUTBOX_DAYS", 90)


class DevelopmentConfig(Config):
    """Local development: `make run`."""

    DEBUG = False  # the Werkzeug debugger would expose a shell; errors still show our 500 page
    # `make run` (flask serve) runs the periodic jobs itself, since there is no cron in
    # development (forum.jobs); production leaves them to cron.
    RUN_PERIODIC_JOBS = _env_bool("RUN_PERIODIC_JOBS", True)


class TestingConfig(Config):
    """The test suite: cheap password hashing; rate limits and CSRF off unless a test
    turns them on."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    # The test client's default host: emailed links in tests open with it as they are.
    LOCAL_SERVER_NAME = "localhost"
    MAIL_DEFAULT_SENDER = "Sugar Circle <no-reply@forum.test>"
    PREMODERATION_POSTS = 0  # tests of pre-moderation turn it on explicitly
    SEARCH_REINDEX_PROCS = 1


class ProductionConfig(Config):
    """Production behind gunicorn: secure cookies, a required secret key."""

    DEBUG = False  # never the Werkzeug debugger, whatever FLASK_DEBUG says
    SECRET_KEY = _env("SECRET_KEY")
    # Production refuses to start without a real SECRET_KEY and a SERVER_NAME (emailed
    # links are built from it); TRUSTED_HOSTS defaults to SERVER_NAME's host.
    REQUIRE_SECRET_KEY = True
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = _env("PREFERRED_URL_SCHEME", "https")
    # Several gunicorn workers must share rate-limit counters.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
