"""Configuration: production refuses weak settings; every environment has safe limits."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

import config
from forum import create_app

THIRTY_DAYS = timedelta(days=30)
GOOD_KEY = "k3" * 20  # 40 characters


@pytest.fixture(autouse=True)
def restore_forum_logger():
    """Non-testing apps attach a log handler to the "forum" logger; put it back afterwards."""
    logger = logging.getLogger("forum")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def build(name, tmp_path, **overrides):
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'config.db'}",
        "RATELIMIT_STORAGE_URI": "memory://",  # no Redis needed to build the app
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    if name == "production":
        settings["SECRET_KEY"] = GOOD_KEY
        settings["SERVER_NAME"] = "forum.example.org"
    settings.update(overrides)
    return create_app(name, settings)


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- the secret key and server name ----------------------------------------------------------

def test_production_refuses_to_start_without_server_name(tmp_path):
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        build("production", tmp_path, SERVER_NAME=None)


def test_production_trusts_only_its_server_name_by_default(tmp_path):
    app = build("production", tmp_path)
    assert app.config["TRUSTED_HOSTS"] == ["forum.example.org"]


@pytest.mark.parametrize("key", [None, "", "dev-only-not-secret", "x" * 31])
def test_production_refuses_a_missing_or_weak_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        build("production", tmp_path, SECRET_KEY=key)


def test_production_builds_with_a_40_character_key(tmp_path):
    app = build("production", tmp_path)
    assert app.config["SECRET_KEY"] == GOOD_KEY


def test_production_has_no_fallback_key():
    """Production never inherits the development key: an unset SECRET_KEY stays unset."""
    assert config.ProductionConfig.SECRET_KEY != "dev-only-not-secret"
    assert config.ProductionConfig.REQUIRE_SECRET_KEY is True


# --- production settings -------------------------------------------------------------------

def test_production_cookies_and_debug(tmp_path):
    app = build("production", tmp_path)
    cfg = app.config
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["REMEMBER_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True and cfg["REMEMBER_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax" and cfg["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert cfg.get("SESSION_COOKIE_DOMAIN") in (None, False)  # __Host- forbids a Domain
    assert cfg["DEBUG"] is False and app.debug is False
    assert not app.testing
    assert cfg["WTF_CSRF_ENABLED"] is True
    assert cfg["RATELIMIT_ENABLED"] is True
    assert cfg["PREFERRED_URL_SCHEME"] == "https"


def test_production_default_rate_limit_storage_is_shared():
    """Memory storage counts per worker process: production must not default to it."""
    assert not config.ProductionConfig.RATELIMIT_STORAGE_URI.startswith("memory://")


def test_production_session_cookie_is_a_host_cookie(tmp_path):
    app = build("production", tmp_path)
    client = app.test_client()
    # The login form stores a CSRF token, so the session cookie is set.
    response = client.get("/auth/login", base_url="https://forum.example.org")
    assert response.status_code == 200
    cookies = response.headers.getlist("Set-Cookie")
    [session_cookie] = [c for c in cookies if c.startswith("__Host-session=")]
    attributes = {part.strip().split("=", 1)[0].lower() for part in session_cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "SameSite=Lax" in session_cookie and "Path=/" in session_cookie


def test_forum_env_production_is_not_debug(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_ENV", "production")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app(None, {"SECRET_KEY": GOOD_KEY, "RATELIMIT_STORAGE_URI": "memory://",
                            "SERVER_NAME": "forum.example.org",
                            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.db'}"})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert not app.debug


def test_production_stays_out_of_debug_even_with_flask_debug_set(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    try:
        app = build("production", tmp_path)
    except RuntimeError:
        return  # refusing to start is an acceptable answer too
    assert app.debug is False


# --- limits that hold everywhere -------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(config.CONFIGS))
def test_every_config_limits_request_size_and_cookie_lifetimes(tmp_path, name):
    app = build(name, tmp_path)
    cfg = app.config
    assert isinstance(cfg["MAX_CONTENT_LENGTH"], int)
    assert 0 < cfg["MAX_CONTENT_LENGTH"] <= 2 * 1024 * 1024
    assert 0 < _seconds(cfg["REMEMBER_COOKIE_DURATION"]) <= THIRTY_DAYS.total_seconds()
    assert 0 < _seconds(cfg["PERMANENT_SESSION_LIFETIME"]) <= THIRTY_DAYS.total_seconds()
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert cfg["REMEMBER_COOKIE_HTTPONLY"] is True
    assert cfg["REMEMBER_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert not app.debug


@pytest.mark.parametrize("name", sorted(config.CONFIGS))
def test_every_config_class_sets_the_limits_itself(name):
    cls = config.CONFIGS[name]
    assert isinstance(cls.MAX_CONTENT_LENGTH, int) and cls.MAX_CONTENT_LENGTH > 0
    assert _seconds(cls.REMEMBER_COOKIE_DURATION) <= THIRTY_DAYS.total_seconds()


def test_testing_config_is_only_for_tests():
    assert config.TestingConfig.TESTING is True
    assert getattr(config.ProductionConfig, "TESTING", False) is False
    assert getattr(config.DevelopmentConfig, "TESTING", False) is False


# --- environment parsing ---------------------------------------------------------------------

def test_crisis_contacts_parsing(monkeypatch):
    monkeypatch.setenv("CRISIS_CONTACTS", "A|1;B|2")
    assert config._crisis_contacts() == [("A", "1"), ("B", "2")]


def test_crisis_contacts_tolerates_spaces_and_junk(monkeypatch):
    monkeypatch.setenv(
        "CRISIS_CONTACTS",
        " Samaritans | call 116 123 ;; no separator ; |nameless; Diabetes UK|0345 123 2399|x ",
    )
    assert config._crisis_contacts() == [
        ("Samaritans", "call 116 123"),
        ("Diabetes UK", "0345 123 2399|x"),
    ]


@pytest.mark.parametrize("value", [None, ""])
def test_crisis_contacts_default_is_empty(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CRISIS_CONTACTS", raising=False)
    else:
        monkeypatch.setenv("CRISIS_CONTACTS", value)
    assert config._crisis_contacts() == []


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("FORUM_X_BOOL", "Yes")
    monkeypatch.setenv("FORUM_X_INT", "42")
    monkeypatch.setenv("FORUM_X_EMPTY", "")
    assert config._env_bool("FORUM_X_BOOL", False) is True
    assert config._env_bool("FORUM_X_EMPTY", True) is True
    assert config._env_int("FORUM_X_INT", 1) == 42
    assert config._env("FORUM_X_EMPTY", "fallback") == "fallback"
    monkeypatch.setenv("FORUM_X_BOOL", "0")
    assert config._env_bool("FORUM_X_BOOL", True) is False


def test_crisis_contacts_appear_on_the_help_page(app, client):
    app.config["CRISIS_CONTACTS"] = [("Test Line", "call 0000 000")]
    page = client.get("/help").get_data(as_text=True)
    assert "Test Line" in page and "call 0000 000" in page


# --- host trust: emailed links never come from the request's Host (item 29) ------------------

def _reset(tmp_path, smtp_server, name: str, base_url: str, headers=None, **overrides):
    """Ask for a reset for victim@example.test in a fresh ``name`` app."""
    from forum.extensions import db
    from tests.factories import make_user

    app = build(name, tmp_path, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server[0].port, **overrides)
    with app.app_context():
        db.create_all()
        make_user(email="victim@example.test")
        db.session.commit()
    response = app.test_client().post("/auth/reset", data={"email": "victim@example.test"},
                                      base_url=base_url, headers=headers or {})
    with app.app_context():
        db.engine.dispose()
    return response


def _reset_link(tmp_path, smtp_server, mailbox, **overrides) -> str:
    from tests.helpers import link_in

    response = _reset(tmp_path, smtp_server, "production", "https://evil.test",
                      headers={"X-Forwarded-Host": "evil.test"}, **overrides)
    assert response.status_code == 200
    [message] = mailbox.to("victim@example.test")
    return link_in(message, "/auth/reset/")


def test_reset_link_uses_the_configured_server_name(tmp_path, smtp_server, mailbox):
    # TRUSTED_HOSTS opened up so the spoofed Host reaches the view: the link must still
    # be built from SERVER_NAME.
    link = _reset_link(tmp_path, smtp_server, mailbox, SERVER_NAME="forum.example.org",
                       TRUSTED_HOSTS=["evil.test", "forum.example.org"])
    assert link.startswith("https://forum.example.org/auth/reset/")
    assert "evil" not in link


def test_reset_link_ignores_a_spoofed_host_with_production_defaults(tmp_path, smtp_server,
                                                                     mailbox, monkeypatch):
    """Production defaults: without a SERVER_NAME the forum does not start at all, so no
    reset link can ever be built from a request's Host header."""
    monkeypatch.delenv("SERVER_NAME", raising=False)
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        _reset_link(tmp_path, smtp_server, mailbox, SERVER_NAME=None)


def test_spoofed_host_is_refused_when_trusted_hosts_is_set(tmp_path):
    app = build("production", tmp_path, TRUSTED_HOSTS=["forum.example.org"])
    client = app.test_client()
    response = client.get("/help", base_url="https://evil.test")
    assert response.status_code == 400
    assert b"Need help now?" in response.data  # our friendly page, not a bare error
    assert client.get("/help", base_url="https://forum.example.org").status_code == 200


def test_production_defaults_refuse_a_spoofed_host(tmp_path, monkeypatch):
    try:
        app = build("production", tmp_path, TRUSTED_HOSTS=config.ProductionConfig.TRUSTED_HOSTS)
    except RuntimeError:
        return  # refusing to start without TRUSTED_HOSTS is a fix too
    response = app.test_client().get("/help", base_url="https://evil.test")
    assert response.status_code == 400


# --- development: emailed links and Host headers (outside audit, finding 2) ------------

def _dev_reset(tmp_path, smtp_server, *, host: str, **overrides):
    return _reset(tmp_path, smtp_server, "development", f"http://{host}", **overrides)


def test_development_refuses_an_unknown_host_and_mails_nothing(tmp_path, smtp_server, mailbox):
    response = _dev_reset(tmp_path, smtp_server, host="evil.example")
    assert response.status_code == 400
    assert mailbox.raw == []


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000"])
def test_development_serves_its_own_host(tmp_path, smtp_server, mailbox, host):
    assert _dev_reset(tmp_path, smtp_server, host=host).status_code == 200
    assert len(mailbox.to("victim@example.test")) == 1


def test_development_links_use_the_served_address_not_the_request(tmp_path, smtp_server,
                                                                  mailbox):
    from tests.helpers import link_in

    # Even with the spoofed name let through, the link comes from configuration: the
    # host and port `make run` serves on (the CLI builds the same links).
    response = _dev_reset(tmp_path, smtp_server, host="evil.example",
                          LOCAL_SERVER_NAME="127.0.0.1:8000",
                          TRUSTED_HOSTS=["evil.example", "127.0.0.1"])
    assert response.status_code == 200
    link = link_in(mailbox.to("victim@example.test")[0], "/auth/reset/")
    assert link.startswith("http://127.0.0.1:8000/auth/reset/")


def test_local_server_name_follows_host_and_port(monkeypatch):
    import importlib

    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8000")
    try:
        assert importlib.reload(config).Config.LOCAL_SERVER_NAME == "127.0.0.1:8000"
    finally:
        monkeypatch.delenv("PORT")
        importlib.reload(config)


# --- proxy trust (outside audit, finding 4) ---------------------------------------------

def _login_attempts(app, count: int, base_url: str) -> list[int]:
    client = app.test_client()
    return [client.post("/auth/login", data={"email": "x@example.test", "password": "nope"},
                        headers={"X-Forwarded-For": f"198.51.100.{i}"},
                        base_url=base_url).status_code
            for i in range(count)]


@pytest.mark.parametrize("name, base_url", [("development", "http://127.0.0.1:5000"),
                                             ("production", "https://forum.example.org")])
def test_forwarded_for_is_ignored_without_trusted_proxies(tmp_path, name, base_url):
    from forum.extensions import db

    app = build(name, tmp_path, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True,
                RATELIMIT_LOGIN="6 per minute")
    with app.app_context():
        db.create_all()
    statuses = _login_attempts(app, 8, base_url)
    assert statuses[:6] == [401] * 6
    assert statuses[6:] == [429, 429]  # a rotating X-Forwarded-For does not reset the limit


def test_one_trusted_proxy_gives_the_forwarded_client_address(tmp_path):
    from flask import request

    app = build("development", tmp_path, TRUSTED_PROXIES=1)

    @app.get("/_whoami")
    def whoami():
        return request.remote_addr

    client = app.test_client()
    assert client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"}).text == \
        "203.0.113.7"
    default = build("development", tmp_path / "d")
    default.add_url_rule("/_whoami", view_func=whoami)
    assert default.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "203.0.113.7"}).text == "127.0.0.1"
