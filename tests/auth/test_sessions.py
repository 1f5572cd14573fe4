"""Sessions: rotation on login, server-side logout, cookie flags and lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from forum import clock, create_app
from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_from, is_logged_in, login

ANN = "ann@example.test"
THIRTY_DAYS = timedelta(days=30)
CSRF_ON = {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def ann(app):
    with app.app_context():
        user = make_user(email="ann@example.test", display_name="Ann")
        db.session.commit()
        return user.id


def set_cookies(resp) -> dict[str, dict[str, str | bool]]:
    """Set-Cookie headers as {name: {"value": ..., attribute (lower case): value or True}}."""
    cookies = {}
    for header in resp.headers.getlist("Set-Cookie"):
        pair, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = pair.partition("=")
        cookie = {"value": value}
        for attribute in attributes:
            key, sep, val = attribute.partition("=")
            cookie[key.lower()] = val if sep else True
        cookies[name] = cookie
    return cookies


def lifetime(cookie) -> timedelta | None:
    """How long the browser keeps ``cookie`` (None: until the browser closes)."""
    if "max-age" in cookie:
        return timedelta(seconds=int(cookie["max-age"]))
    if "expires" in cookie:
        return parsedate_to_datetime(cookie["expires"]) - datetime.now(UTC)
    return None


# --- rotation --------------------------------------------------------------------------

def test_login_drops_everything_planted_in_the_session(client, ann):
    with client.session_transaction() as sess:
        sess["x"] = "attacker"
        sess["_fresh"] = False
        sess["login_at"] = 1
    assert login(client, ANN).status_code == 302
    with client.session_transaction() as sess:
        assert "x" not in sess
        assert "login_at" not in sess
        assert sess["_fresh"] is True
        assert sess["_user_id"].startswith(f"{ann}:")


@pytest.mark.parametrize("app_overrides", [CSRF_ON], ids=["csrf-on"])
def test_login_issues_a_new_csrf_token(client, ann):
    token = csrf_token_from(client.get("/auth/login").data)
    with client.session_transaction() as sess:
        raw_before = sess["csrf_token"]
    resp = client.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD,
                                            "csrf_token": token})
    assert resp.status_code == 302
    csrf_token_from(client.get("/settings").data)
    with client.session_transaction() as sess:
        assert sess["csrf_token"] != raw_before


def test_session_cookie_holds_no_personal_data(app, client, ann):
    login(client, ANN, remember=True)
    client.get("/settings")
    value = client.get_cookie("session").value
    data = app.session_interface.get_signing_serializer(app).loads(value)
    assert set(data) <= {"_user_id", "_fresh", "_id", "csrf_token", "login_at", "_remember",
                         "_remember_seconds", "_flashes", "_permanent"}
    assert "ann@example.test" not in str(data) and PASSWORD not in str(data)


@pytest.mark.parametrize("planted", ["999:1:{now}", "{id}:0:{now}", "{id}:2:{now}", "{id}",
                                     "{id}:1", "abc", "{id}:x:{now}", "{id}:1:x",
                                     "{id}:1:{old}", ""])
def test_forged_or_stale_user_ids_are_anonymous(client, ann, planted):
    now = int(clock.timestamp())
    with client.session_transaction() as sess:
        sess["_user_id"] = planted.format(id=ann, now=now, old=now - 31 * 86400)
        sess["_fresh"] = True
    assert not is_logged_in(client)


def test_planted_current_user_id_is_accepted(client, ann):
    # The positive control for the test above: the format itself is right.
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{ann}:1:{int(clock.timestamp())}"
        sess["_fresh"] = True
    assert is_logged_in(client)


# --- logout ----------------------------------------------------------------------------

def test_logout_is_post_only(client, ann):
    login(client, ANN)
    resp = client.get("/auth/logout")
    assert resp.status_code == 405
    assert "POST" in resp.headers["Allow"] and "GET" not in resp.headers["Allow"]
    assert is_logged_in(client)


@pytest.mark.parametrize("app_overrides", [CSRF_ON], ids=["csrf-on"])
def test_logout_without_csrf_token_is_refused(client, ann):
    token = csrf_token_from(client.get("/auth/login").data)
    client.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD,
                                     "csrf_token": token})
    assert client.post("/auth/logout").status_code == 400
    assert is_logged_in(client)
    token = csrf_token_from(client.get("/settings").data)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert not is_logged_in(client)


def test_logout_redirects_home_and_logs_out(client, ann):
    login(client, ANN)
    resp = client.post("/auth/logout")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    assert not is_logged_in(client)


def test_logout_when_not_logged_in_is_harmless(client):
    assert client.post("/auth/logout").status_code == 302


def test_logout_kills_a_copied_session_cookie(app, client, ann):
    login(client, ANN)
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert is_logged_in(thief)  # the copy works while the member is logged in

    client.post("/auth/logout")
    assert not is_logged_in(thief)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not is_logged_in(replay)


def test_logout_kills_a_copied_remember_cookie(app, client, ann):
    login(client, ANN, remember=True)
    stolen = client.get_cookie("remember_token").value
    before = app.test_client()
    before.set_cookie("remember_token", stolen)
    assert is_logged_in(before)  # the remember cookie alone logs in

    resp = client.post("/auth/logout")
    assert set_cookies(resp)["remember_token"]["value"] == ""
    after = app.test_client()
    after.set_cookie("remember_token", stolen)
    assert not is_logged_in(after)
    assert not is_logged_in(before)


def test_logout_on_one_device_logs_out_the_others(app, client, ann):
    login(client, ANN)
    phone = app.test_client()
    login(phone, ANN)
    phone.post("/auth/logout")
    assert not is_logged_in(client)


# --- cookie flags and lifetimes ----------------------------------------------------------

def test_login_with_remember_sets_safe_cookies(client, ann):
    cookies = set_cookies(login(client, ANN, remember=True))
    session, remember = cookies["session"], cookies["remember_token"]
    for cookie in (session, remember):
        assert cookie.get("httponly") is True
        assert cookie.get("samesite") == "Lax"
        assert cookie.get("path") == "/"
        assert "domain" not in cookie
        assert timedelta(days=29) < lifetime(cookie) <= THIRTY_DAYS + timedelta(minutes=1)


def test_login_without_remember_sets_a_browser_session_cookie(client, ann):
    cookies = set_cookies(login(client, ANN))
    assert "remember_token" not in cookies
    session = cookies["session"]
    assert session.get("httponly") is True and session.get("samesite") == "Lax"
    assert lifetime(session) is None


def test_session_ends_30_days_after_login_even_when_active(client, ann, frozen_clock):
    login(client, ANN)
    for _ in range(29):
        frozen_clock.advance(days=1)
        assert is_logged_in(client)
    frozen_clock.advance(days=1, minutes=1)
    assert not is_logged_in(client)
    assert not is_logged_in(client)


def test_remembered_session_also_ends_after_30_days(client, ann, frozen_clock):
    login(client, ANN, remember=True)
    frozen_clock.advance(days=29)
    assert is_logged_in(client)
    frozen_clock.advance(days=1, minutes=1)
    resp = client.get("/settings")
    assert resp.status_code == 302
    assert set_cookies(resp)["remember_token"]["value"] == ""
    assert not is_logged_in(client)
    assert not is_logged_in(client)


def test_copied_remember_cookie_stops_working_after_30_days(app, client, ann, frozen_clock):
    login(client, ANN, remember=True)
    copied = client.get_cookie("remember_token").value
    frozen_clock.advance(days=31)
    browser = app.test_client()
    browser.set_cookie("remember_token", copied)
    assert not is_logged_in(browser)


def test_remember_cookie_restores_a_closed_browser_session(app, client, ann):
    login(client, ANN, remember=True)
    browser = app.test_client()
    browser.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert is_logged_in(browser)
    assert browser.get_cookie("session") is not None


# --- production settings -----------------------------------------------------------------

def production_app(tmp_path, **overrides):
    settings = {"SECRET_KEY": "x" * 40, "RATELIMIT_STORAGE_URI": "memory://",
                "SERVER_NAME": "forum.example.org",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.db'}",
                "MAIL_SERVER": None, "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}
    settings.update(overrides)
    return create_app("production", settings)


def test_production_cookies_are_secure_and_host_prefixed(tmp_path):
    app = production_app(tmp_path)
    with app.app_context():
        db.create_all()
        make_user(email="ann@example.test")
        db.session.commit()
    client = app.test_client()
    https = {"base_url": "https://forum.example.org",
             "environ_base": {"REMOTE_ADDR": "10.9.8.1"}}
    page = client.get("/auth/login", **https)
    token = csrf_token_from(page.data)
    resp = client.post("/auth/login", headers={"Origin": "https://forum.example.org"},
                       data={"email": "ann@example.test", "password": PASSWORD, "remember": "y",
                             "csrf_token": token}, **https)
    assert resp.status_code == 302, resp.data
    cookies = set_cookies(resp)
    assert "session" not in cookies
    session, remember = cookies["__Host-session"], cookies["remember_token"]
    for cookie in (session, remember):
        assert cookie.get("secure") is True
        assert cookie.get("httponly") is True
        assert cookie.get("samesite") == "Lax"
    assert session.get("path") == "/" and "domain" not in session
    assert client.get("/settings", **https).status_code == 200
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("key", [None, "", "dev-only-not-secret", "too-short"])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production_app(tmp_path, SECRET_KEY=key)


@pytest.mark.parametrize("server_name", [None, ""])
def test_production_refuses_to_start_without_server_name(tmp_path, server_name):
    # Without it, emailed links would be built from the request's Host header.
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        production_app(tmp_path, SERVER_NAME=server_name)


def test_session_version_bumps_on_logout(app, client, ann):
    login(client, ANN)
    client.post("/auth/logout")
    with app.app_context():
        assert db.session.get(User, ann).session_version == 2
