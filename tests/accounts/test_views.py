"""Settings: profile, password change and email change."""

from __future__ import annotations

import re

import pytest

from forum.auth.passwords import COMMON_MESSAGE, CONTEXT_MESSAGE
from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user
from tests.helpers import (
    Page,
    assert_well_formed,
    field_error,
    is_logged_in,
    link_in,
    login,
    path_of,
)

NEW_PASSWORD = "tea with oat milk before the long walk"
CHANGE_LINK = "/settings/email/confirm/"


@pytest.fixture(autouse=True)
def every_email_is_well_formed(mailbox):
    yield
    for raw in list(mailbox.raw):
        assert_well_formed(raw)


@pytest.fixture
def ann(app):
    with app.app_context():
        user = make_user(email="ann@example.test", display_name="Ann Walker")
        db.session.commit()
        return user.id


@pytest.fixture
def bob(app):
    with app.app_context():
        user = make_user(email="bob@example.test", display_name="Bob")
        db.session.commit()
        return user.id


def user_row(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def change_password(client, current=PASSWORD, new=NEW_PASSWORD):
    return client.post("/settings/password", data={"current_password": current,
                                                   "new_password": new})


def change_email(client, new_address, password=PASSWORD):
    return client.post("/settings/email", data={"email": new_address, "password": password})


# --- the page ------------------------------------------------------------------------

def test_settings_needs_login(client):
    resp = client.get("/settings")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/auth/login?next=")
    for path in ("/settings/password", "/settings/email", "/settings/profile"):
        assert client.post(path).status_code == 302


def test_settings_page_never_shows_hidden_fields_filled(client, ann):
    login(client, "ann@example.test")
    page = Page(client.get("/settings").data)
    for name in ("current_password", "new_password", "password"):
        assert not page.inputs[name].get("value")
    assert page.inputs["new_password"]["autocomplete"] == "new-password"


def test_profile_bio_is_saved(app, client, ann):
    login(client, "ann@example.test")
    resp = client.post("/settings/profile", data={"bio": "  Type 1 since 1998.  "})
    assert resp.status_code == 302
    assert user_row(app, ann).bio == "Type 1 since 1998."
    assert client.post("/settings/profile", data={"bio": "x" * 1001}).status_code == 400
    assert user_row(app, ann).bio == "Type 1 since 1998."


def test_profile_bio_drops_control_characters(app, client, ann):
    # PostgreSQL refuses NUL in text: it must never reach the database.
    login(client, "ann@example.test")
    resp = client.post("/settings/profile", data={"bio": "Pump\x00 user\r\nCGM too\x1b"})
    assert resp.status_code == 302
    assert user_row(app, ann).bio == "Pump user\nCGM too"


# --- password --------------------------------------------------------------------------

def test_change_password_with_wrong_current_password_is_400(app, client, ann, mailbox):
    login(client, "ann@example.test")
    before = user_row(app, ann)
    resp = change_password(client, current="not my password at all")
    assert resp.status_code == 400
    assert "not your current password" in field_error(resp, "current_password")
    after = user_row(app, ann)
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert mailbox.raw == []


@pytest.mark.parametrize(("new", "message"), [
    ("too short", "Use at least 12 characters"),
    ("qwerty123456", COMMON_MESSAGE),
    ("diabetes2024!", CONTEXT_MESSAGE),
    ("AnnWalker2024", CONTEXT_MESSAGE),
    ("", "Please choose a password."),
])
def test_change_password_enforces_the_policy(app, client, ann, mailbox, new, message):
    login(client, "ann@example.test")
    resp = change_password(client, new=new)
    assert resp.status_code == 400
    assert message in field_error(resp, "new_password")
    assert login(client, "ann@example.test").status_code == 302  # old password still works
    assert mailbox.raw == []


def test_change_password_logs_out_other_sessions_only(app, client, ann, mailbox):
    login(client, "ann@example.test")
    phone = app.test_client()
    phone.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD})
    stolen = client.get_cookie("session").value
    assert is_logged_in(phone)

    resp = change_password(client)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/settings"
    assert is_logged_in(client)
    assert not is_logged_in(phone)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not is_logged_in(replay)

    [notice] = mailbox.to("ann@example.test")
    assert "password was changed" in str(notice["Subject"])
    assert "/auth/reset" in link_in(notice, "/auth/reset")

    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD}
                      ).status_code == 401
    assert fresh.post("/auth/login", data={"email": "ann@example.test", "password": NEW_PASSWORD}
                      ).status_code == 302


def test_change_password_keeps_remember_me_but_kills_the_old_cookie(app, client, ann):
    login(client, "ann@example.test", remember=True)
    old_remember = client.get_cookie("remember_token").value
    change_password(client)
    new_remember = client.get_cookie("remember_token").value
    assert new_remember != old_remember
    for value, expected in ((old_remember, False), (new_remember, True)):
        browser = app.test_client()
        browser.set_cookie("remember_token", value)
        assert is_logged_in(browser) is expected


def test_change_password_without_remember_sets_no_remember_cookie(client, ann):
    login(client, "ann@example.test")
    change_password(client)
    assert client.get_cookie("remember_token") is None


# --- email -----------------------------------------------------------------------------

def test_change_email_needs_the_current_password(app, client, ann, mailbox):
    login(client, "ann@example.test")
    resp = change_email(client, "ann.new@example.test", password="not my password at all")
    assert resp.status_code == 400
    assert "not your current password" in field_error(resp, "password")
    resp = change_email(client, "ann.new@example.test", password="")
    assert resp.status_code == 400
    assert mailbox.raw == []
    assert user_row(app, ann).email == "ann@example.test"


@pytest.mark.parametrize("address", ["not an address", "ñandu@example.test", "ann@", ""])
def test_change_email_rejects_an_invalid_address(client, ann, mailbox, address):
    login(client, "ann@example.test")
    resp = change_email(client, address)
    assert resp.status_code == 400
    assert "email address" in field_error(resp, "email")
    assert mailbox.raw == []


def test_change_email_happens_only_after_the_link_is_confirmed(app, client, ann, mailbox):
    login(client, "ann@example.test")
    phone = app.test_client()
    phone.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD})
    resp = change_email(client, "  Ann.New@Example.TEST ")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/settings"
    assert mailbox.to("ann@example.test") == []
    assert [e.rcpt_tos for e in mailbox.envelopes] == [["ann.new@example.test"]]
    [message] = mailbox.to("ann.new@example.test")
    link = link_in(message, CHANGE_LINK)
    assert link.startswith("http://localhost" + CHANGE_LINK)
    assert user_row(app, ann).email == "ann@example.test"

    page = client.get(path_of(link))
    assert page.status_code == 200
    assert b"ann.new@example.test" in page.data
    assert b'<form method="post"' in page.data
    assert user_row(app, ann).email == "ann@example.test"
    assert is_logged_in(client) and is_logged_in(phone)

    resp = client.post(path_of(link))
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/auth/login"
    row = user_row(app, ann)
    assert row.email == "ann.new@example.test"
    assert row.email_confirmed_at is not None
    assert not is_logged_in(client)
    assert not is_logged_in(phone)
    assert login(client, "ann@example.test").status_code == 401
    assert login(client, "ANN.new@example.test").status_code == 302


def test_change_email_link_works_from_another_browser(app, client, ann, mailbox):
    login(client, "ann@example.test")
    change_email(client, "ann.new@example.test")
    client.post("/auth/logout")  # logging out in between must not spoil the link
    link = link_in(mailbox.to("ann.new@example.test")[0], CHANGE_LINK)
    other = app.test_client()
    assert other.post(path_of(link)).status_code == 302
    assert user_row(app, ann).email == "ann.new@example.test"


def test_change_email_link_is_single_use(app, client, ann, mailbox):
    login(client, "ann@example.test")
    change_email(client, "ann.new@example.test")
    link = link_in(mailbox.to("ann.new@example.test")[0], CHANGE_LINK)
    assert client.post(path_of(link)).status_code == 302
    resp = client.post(path_of(link))
    assert resp.status_code == 404
    assert b"work any more" in resp.data


@pytest.mark.parametrize(("hours", "status"), [(47, 200), (48.1, 404)])
def test_change_email_link_expires_after_48_hours(app, client, ann, mailbox,
                                                  frozen_clock, hours, status):
    login(client, "ann@example.test")
    change_email(client, "ann.new@example.test")
    link = link_in(mailbox.to("ann.new@example.test")[0], CHANGE_LINK)
    frozen_clock.advance(hours=hours)
    assert app.test_client().get(path_of(link)).status_code == status
    assert app.test_client().post(path_of(link)).status_code == (302 if status == 200 else 404)
    expected = "ann.new@example.test" if status == 200 else "ann@example.test"
    assert user_row(app, ann).email == expected


def test_change_email_link_dies_when_the_password_changes(app, client, ann, mailbox):
    login(client, "ann@example.test")
    change_email(client, "ann.new@example.test")
    link = link_in(mailbox.to("ann.new@example.test")[0], CHANGE_LINK)
    change_password(client)
    assert client.get(path_of(link)).status_code == 404
    assert client.post(path_of(link)).status_code == 404
    assert user_row(app, ann).email == "ann@example.test"


def _without_csrf_tokens(html: bytes) -> bytes:
    masked, count = re.subn(rb'(name="csrf_token" value=")[^"]+"', rb'\1(token)"', html)
    assert count, "no csrf_token field in the page"
    return masked


def test_change_email_to_a_taken_address_reveals_nothing(app, client, ann, bob, mailbox):
    login(client, "ann@example.test")
    client.get("/")  # show the welcome message, so both settings pages start alike
    free = change_email(client, "nobody.yet@example.test")
    free_page = client.get("/settings")
    taken = change_email(client, "BOB@example.test")
    taken_page = client.get("/settings")
    assert (taken.status_code, taken.headers["Location"]) == (free.status_code,
                                                            free.headers["Location"])
    # The signed CSRF token carries a timestamp, so it differs if a second ticks over.
    assert _without_csrf_tokens(taken_page.data) == _without_csrf_tokens(free_page.data)
    [warning] = mailbox.to("bob@example.test")
    assert "/auth/reset" in link_in(warning, "/auth/reset")
    assert CHANGE_LINK not in str(warning.get_body(("plain",)).get_content())
    assert len(mailbox.raw) == 2  # the free address's link and Bob's warning
    assert user_row(app, ann).email == "ann@example.test"
    assert user_row(app, bob).email == "bob@example.test"


def test_change_email_to_own_address_sends_nothing(client, ann, mailbox):
    login(client, "ann@example.test")
    assert change_email(client, "ANN@example.test").status_code == 302
    assert mailbox.raw == []


def test_change_email_refused_if_address_was_taken_meanwhile(app, client, ann, mailbox):
    login(client, "ann@example.test")
    change_email(client, "popular@example.test")
    link = link_in(mailbox.to("popular@example.test")[0], CHANGE_LINK)
    with app.app_context():
        make_user(email="popular@example.test", display_name="Quick One")
        db.session.commit()
    resp = client.post(path_of(link))
    assert resp.status_code == 409
    assert user_row(app, ann).email == "ann@example.test"
    assert is_logged_in(client)


def test_change_email_bad_token_is_404(client):
    assert client.get(CHANGE_LINK + "nonsense").status_code == 404
    assert client.post(CHANGE_LINK + "nonsense").status_code == 404


# --- guessing the current password --------------------------------------------------------

RATE_LIMITED = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.mark.parametrize("app_overrides", [RATE_LIMITED], ids=["limits-on"])
@pytest.mark.parametrize(("path", "field"), [("/settings/password", "current_password"),
                                             ("/settings/email", "password")])
def test_current_password_guesses_are_limited(app, client, ann, path, field):
    # Someone holding a stolen session must not be able to brute-force the password.
    address = {"environ_base": {"REMOTE_ADDR": f"10.9.5.{len(path)}"}}
    client.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD},
                **address)
    data = {field: "a wrong guess", "new_password": NEW_PASSWORD, "email": "x@example.test"}
    for _ in range(6):
        assert client.post(path, data=data, **address).status_code == 400
    resp = client.post(path, data=data, **address)
    assert resp.status_code == 429
    assert b"slow down" in resp.data
