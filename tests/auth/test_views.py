"""Registration, confirmation, login, password reset, rate limits, logs and account emails."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from forum.auth import passwords
from forum.auth.passwords import COMMON_MESSAGE, CONTEXT_MESSAGE
from forum.extensions import db
from forum.models import Post, Thread, User
from tests.factories import PASSWORD, make_category, make_thread, make_user
from tests.helpers import Page, assert_well_formed, body_text, field_error, link_in, login, path_of

GOOD_PASSWORD = "my pump beeps at 3am every night"
NEW_PASSWORD = "tea with oat milk before the long walk"
LOGIN_ERROR = "That email and password don't match. Please try again."
REPO_ROOT = Path(__file__).resolve().parents[2]
SMTP_SERVER_LOGGER = "mail.log"  # aiosmtpd's logger


# --- helpers ---------------------------------------------------------------------------

def register(client, *, headers=None, environ_base=None, **fields):
    """POST the registration form; ``fields`` override the defaults (None drops a field)."""
    data = {"email": "newbie@example.test", "display_name": "Newbie Nadia",
            "password": GOOD_PASSWORD, "agree": "y"}
    data.update(fields)
    return client.post("/auth/register", data={k: v for k, v in data.items() if v is not None},
                       headers=headers or {}, environ_base=environ_base or {})


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def get_user(app, email_address: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email_address))
        if user is not None:
            db.session.expunge(user)
        return user


@pytest.fixture(autouse=True)
def every_email_is_well_formed(mailbox):
    yield
    for raw in list(mailbox.raw):
        assert_well_formed(raw)


# --- registration and confirmation -----------------------------------------------------

def test_register_sends_link_that_confirms_only_on_post(app, client, mailbox):
    resp = register(client)
    assert resp.status_code == 200
    assert b"Check your email" in resp.data
    [message] = mailbox.to("newbie@example.test")
    assert mailbox.envelopes[0].rcpt_tos == ["newbie@example.test"]
    link = link_in(message, "/auth/confirm/")
    assert link.startswith("http://localhost/auth/confirm/")
    assert link in message.get_body(preferencelist=("html",)).get_content()

    page = client.get(path_of(link))
    assert page.status_code == 200
    assert b"Confirm my email address" in page.data
    assert b'<form method="post"' in page.data
    assert get_user(app, "newbie@example.test").email_confirmed_at is None

    resp = client.post(path_of(link))
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/auth/login"
    assert get_user(app, "newbie@example.test").email_confirmed_at is not None


def test_register_stores_email_lower_case_and_hashes_with_argon2id(app, client, mailbox):
    assert register(client, email="  Newbie.Nadia@Example.TEST ").status_code == 200
    user = get_user(app, "newbie.nadia@example.test")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD_PASSWORD not in user.password_hash
    assert mailbox.to("newbie.nadia@example.test")


def test_register_then_login_works_before_confirming(app, client, mailbox):
    register(client)
    resp = login(client, "NEWBIE@example.test", GOOD_PASSWORD)
    assert resp.status_code == 302
    assert client.get("/settings").status_code == 200


def test_confirm_with_bad_token_is_404(client):
    resp = client.get("/auth/confirm/not-a-real-token")
    assert resp.status_code == 404
    assert b"doesn" in resp.data and b"work any more" in resp.data
    assert client.post("/auth/confirm/not-a-real-token").status_code == 404


def test_confirm_link_expires_after_48_hours(app, client, mailbox, frozen_clock):
    register(client)
    link = link_in(mailbox.to("newbie@example.test")[0], "/auth/confirm/")
    frozen_clock.advance(hours=48, minutes=1)
    assert client.get(path_of(link)).status_code == 404
    assert client.post(path_of(link)).status_code == 404
    assert get_user(app, "newbie@example.test").email_confirmed_at is None


def test_unconfirmed_member_can_read_but_not_post(app, client):
    with app.app_context():
        category = make_category(slug="type-2", name="Type 2")
        thread = make_thread(category=category, title="Carb counting tips")
        make_user(email="pending@example.test", confirmed=False)
        db.session.commit()
        thread_id = thread.id
    assert login(client, "pending@example.test").status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(f"/t/{thread_id}").status_code == 200

    resp = client.post("/c/type-2/new", data={"title": "My first thread", "body": "Hello all"})
    assert resp.status_code == 403
    assert b"confirm your email" in resp.data
    resp = client.post(f"/t/{thread_id}/reply", data={"body": "Thanks for this thread"})
    assert resp.status_code == 403
    assert b"confirm your email" in resp.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Thread)) == 1
        assert db.session.scalar(select(func.count()).select_from(Post)) == 1


def test_a_taken_name_gets_the_same_answer_whether_the_address_has_an_account(app, client,
                                                                              mailbox):
    """Otherwise a taken public name plus someone's address would tell who is a member."""
    with app.app_context():
        make_user(email="pea@example.test", display_name="Sweet Pea")
        make_user(email="member@example.test", display_name="Quiet Member")
        db.session.commit()
    known = register(client, email="member@example.test", display_name="Sweet Pea")
    unknown = register(client, email="nobody@example.test", display_name="Sweet Pea")
    assert known.status_code == unknown.status_code == 409
    assert field_error(known, "display_name") == field_error(unknown, "display_name")
    assert user_count(app) == 2
    assert mailbox.raw == []


def test_register_duplicate_display_name_is_409(app, client, mailbox):
    with app.app_context():
        make_user(email="pea@example.test", display_name="Sweet Pea")
        db.session.commit()
    resp = register(client, display_name="sWEET   pea")
    assert resp.status_code == 409
    assert "That display name is taken" in field_error(resp, "display_name")
    assert user_count(app) == 1
    assert mailbox.raw == []


def test_register_duplicate_email_looks_like_success_and_warns_owner(app, client, mailbox):
    with app.app_context():
        make_user(email="ann@example.test", display_name="Ann")
        db.session.commit()
    fresh = register(client, email="someone.new@example.test", display_name="Someone New")
    duplicate = register(client, email="ANN@Example.test", display_name="Another Ann",
                         password="an entirely different sentence")
    assert duplicate.status_code == fresh.status_code == 200
    assert duplicate.data == fresh.data
    assert user_count(app) == 2
    assert get_user(app, "ann@example.test").display_name == "Ann"
    [warning] = mailbox.to("ann@example.test")
    assert "tried to join" in str(warning["Subject"])
    assert "/auth/reset" in link_in(warning, "/auth/reset")
    assert "/auth/confirm/" not in body_text(warning)


def test_register_duplicate_email_costs_a_password_hash_too(app, client, mailbox, monkeypatch):
    calls = []
    real_hash = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda pw: calls.append(pw) or real_hash(pw))
    register(client, email="first@example.test", display_name="First One")
    register(client, email="first@example.test", display_name="Second One")
    assert len(calls) == 2


@pytest.mark.parametrize(("password", "message"), [
    ("short pass", "Use at least 12 characters"),
    ("qwerty123456", COMMON_MESSAGE),
    ("Password123!", COMMON_MESSAGE),
    ("diabetes2024!", CONTEXT_MESSAGE),
    ("Sugar Circle 2024", CONTEXT_MESSAGE),
    ("NewbieNadia1990", CONTEXT_MESSAGE),
    ("sweetpearunner1", CONTEXT_MESSAGE),
])
def test_register_refuses_weak_password_inline(app, client, mailbox, password, message):
    resp = register(client, email="sweetpea.runner@example.test", password=password)
    assert resp.status_code == 400
    assert message in field_error(resp, "password")
    assert b'role="alert"' in resp.data
    assert user_count(app) == 0
    assert mailbox.raw == []


@pytest.mark.parametrize(("fields", "name", "message"), [
    ({"agree": None}, "agree", "Please confirm you have read the guidelines."),
    ({"email": "not-an-email"}, "email", "Please enter a valid email address"),
    ({"email": "ann@@example.test"}, "email", "Please enter a valid email address"),
    ({"email": ""}, "email", "Please enter your email address."),
    ({"email": "ñandu@example.test"}, "email", "Please enter a valid email address"),
    ({"email": "ann\n@example.test"}, "email", "Please enter a valid email address"),
    ({"email": "a" * 250 + "@example.test"}, "email", "That email address is too long."),
    ({"display_name": "ann@example.test"}, "display_name", "Don't use your email address"),
    ({"display_name": "Ann @ home"}, "display_name", "Don't use your email address"),
    ({"display_name": "Al"}, "display_name", "Use 3 to 40 characters"),
    ({"display_name": "<script>"}, "display_name", "Use letters, numbers"),
    ({"password": ""}, "password", "Please choose a password."),
])
def test_register_validation_errors_are_400(app, client, mailbox, fields, name, message):
    resp = register(client, **fields)
    assert resp.status_code == 400
    assert message in field_error(resp, name)
    assert user_count(app) == 0
    assert mailbox.raw == []


def test_register_accepts_an_internationalised_domain(app, client, mailbox):
    assert register(client, email="ann@exämple.test").status_code == 200
    assert get_user(app, "ann@exämple.test") is not None
    assert len(mailbox.raw) == 1


def test_register_page_ties_help_text_to_password(client):
    page = Page(client.get("/auth/register").data)
    assert page.inputs["password"]["aria-describedby"] == "password-help"
    assert "At least 12 characters" in page.text_by_id["password-help"]


def test_register_redirects_members_who_are_logged_in(app, client):
    with app.app_context():
        make_user(email="ann@example.test")
        db.session.commit()
    login(client, "ann@example.test")
    resp = register(client, email="other@example.test")
    assert resp.status_code == 302
    assert user_count(app) == 1


def test_resend_confirmation_sends_a_new_working_link(app, client, mailbox):
    with app.app_context():
        make_user(email="pending@example.test", confirmed=False)
        db.session.commit()
    login(client, "pending@example.test")
    resp = client.post("/auth/confirm/resend")
    assert resp.status_code == 302
    link = link_in(mailbox.to("pending@example.test")[0], "/auth/confirm/")
    assert client.post(path_of(link)).status_code == 302
    assert get_user(app, "pending@example.test").email_confirmed_at is not None


# --- login -----------------------------------------------------------------------------

@pytest.fixture
def ann(app):
    with app.app_context():
        user = make_user(email="ann@example.test", display_name="Ann")
        db.session.commit()
        return user.id


def test_login_success_redirects_home(client, ann):
    resp = login(client, "ann@example.test")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    assert client.get("/settings").status_code == 200


def test_login_accepts_email_in_any_case(client, ann):
    assert login(client, "  ANN@Example.Test").status_code == 302


def test_login_wrong_password_and_unknown_email_look_the_same(client, ann):
    wrong = login(client, "ann@example.test", "not the right password at all")
    unknown = login(client, "nobody@example.test", "not the right password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert field_error(wrong, "password") == field_error(unknown, "password") == LOGIN_ERROR
    assert (wrong.data.replace(b"ann@example.test", b"EMAIL")
            == unknown.data.replace(b"nobody@example.test", b"EMAIL"))
    assert client.get("/settings").status_code == 302


def test_login_runs_a_hash_for_unknown_email(client, ann, monkeypatch):
    dummy, real = [], []
    real_dummy, real_verify = passwords.dummy_verify, passwords.verify_password
    monkeypatch.setattr(passwords, "dummy_verify", lambda pw: dummy.append(pw) or real_dummy(pw))
    monkeypatch.setattr(passwords, "verify_password",
                        lambda h, pw: real.append(pw) or real_verify(h, pw))
    login(client, "nobody@example.test", "some password here")
    assert (len(dummy), len(real)) == (1, 0)
    login(client, "ann@example.test", "some password here")
    assert (len(dummy), len(real)) == (1, 1)


def test_login_upgrades_werkzeug_scrypt_hash_to_argon2id(app, client, ann):
    with app.app_context():
        user = db.session.get(User, ann)
        user.password_hash = generate_password_hash(PASSWORD, method="scrypt:32768:8:1")
        db.session.commit()
    assert login(client, "ann@example.test", "wrong password for the old hash").status_code == 401
    assert get_user(app, "ann@example.test").password_hash.startswith("scrypt:")
    assert login(client, "ann@example.test").status_code == 302
    upgraded = get_user(app, "ann@example.test").password_hash
    assert upgraded.startswith("$argon2id$")
    client.post("/auth/logout")
    assert login(client, "ann@example.test").status_code == 302


def test_login_with_missing_fields_is_400(client, ann):
    assert client.post("/auth/login", data={"email": "ann@example.test"}).status_code == 400
    assert client.post("/auth/login", data={"password": PASSWORD}).status_code == 400


def test_login_follows_same_site_next(client, ann):
    resp = client.post("/auth/login?next=/t/5%3Fpage%3D2",
                       data={"email": "ann@example.test", "password": PASSWORD})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/t/5?page=2"


def test_login_required_page_round_trips_through_login(client, ann):
    resp = client.get("/settings")
    assert resp.status_code == 302
    login_url = resp.headers["Location"]
    assert path_of(login_url).startswith("/auth/login?next=")
    resp = client.post(path_of(login_url), data={"email": "ann@example.test", "password": PASSWORD})
    assert resp.headers["Location"] == "/settings"


OPEN_REDIRECTS = [
    "//evil.test", "///evil.test", "////evil.test", "https://evil.test", "http://evil.test",
    "https:evil.test", "http:evil.test", "http:/evil.test", "https:///evil.test",
    "/\\evil.test", "\\\\evil.test", "\\/evil.test", "/\\/evil.test", "\\evil.test",
    " //evil.test", "\t//evil.test", "\n//evil.test", "/\t/evil.test", "/\n/evil.test",
    "/\r/evil.test", "/\x00/evil.test", "\x01//evil.test", "/%2F%2Fevil.test", "%2F%2Fevil.test",
    "/%5Cevil.test", "%5C%5Cevil.test", "/%09/evil.test", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "javascript://%0aalert(1)", "/javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "evil.test",
    "//evil.test/%2F..", "//evil.test@localhost", "//localhost@evil.test",
    "https://localhost@evil.test", "http://evil.test\\@localhost", "//evil%2Etest",
    "/.//evil.test", "/./\\evil.test", "//\u3002evil.test", "/\u2215\u2215evil.test",
    "\uff0f\uff0fevil.test", "/\uff0fevil.test", "/\u200b/evil.test", "\u2028//evil.test",
    "/ /evil.test", "https:/\\evil.test", "ftp://evil.test", "//0x7f.0x0.0x0.0x1",
    "//[::1]", "///\\;@evil.test", "/?next=//evil.test", "#//evil.test", "?//evil.test",
    "/\x7f/evil.test", "//evil.test:80", "https://evil.test%23.localhost",
]


def _lands_on_this_site(location: str) -> bool:
    if not location.startswith("/") or location.startswith("//"):
        return False
    if "\\" in location[:3] or any(ord(ch) < 33 for ch in location):
        return False
    if urlsplit(location).netloc not in ("", "localhost"):
        return False
    # How a browser would resolve it against the login page.
    return urlsplit(urljoin("http://localhost/auth/login", location)).netloc == "localhost"


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_login_never_redirects_off_site(client, ann, target):
    resp = client.post(f"/auth/login?next={quote(target, safe='')}",
                       data={"email": "ann@example.test", "password": PASSWORD})
    assert resp.status_code == 302
    assert _lands_on_this_site(resp.headers["Location"]), resp.headers["Location"]
    # A member who is already logged in is redirected straight away: same rule.
    again = client.get(f"/auth/login?next={quote(target, safe='')}")
    assert again.status_code == 302
    assert _lands_on_this_site(again.headers["Location"]), again.headers["Location"]


# --- password reset --------------------------------------------------------------------

def request_reset(client, address="ann@example.test", **kwargs):
    return client.post("/auth/reset", data={"email": address}, **kwargs)


def test_reset_link_changes_password_once(app, client, ann, mailbox):
    resp = request_reset(client, "ANN@example.test")
    assert resp.status_code == 200
    assert b"Check your email" in resp.data
    [message] = mailbox.to("ann@example.test")
    link = link_in(message, "/auth/reset/")
    assert link.startswith("http://localhost/auth/reset/")
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "password" in Page(page.data).inputs

    resp = client.post(path_of(link), data={"password": NEW_PASSWORD})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/auth/login"
    assert login(client, "ann@example.test", PASSWORD).status_code == 401
    assert login(client, "ann@example.test", NEW_PASSWORD).status_code == 302

    client.post("/auth/logout")
    again = client.get(path_of(link))
    assert again.status_code == 404
    assert b"This link doesn't work any more" in again.data
    assert client.post(path_of(link), data={"password": "yet another long sentence"}
                       ).status_code == 404
    assert login(client, "ann@example.test", NEW_PASSWORD).status_code == 302


def test_reset_password_policy_applies(app, client, ann, mailbox):
    request_reset(client)
    link = link_in(mailbox.to("ann@example.test")[0], "/auth/reset/")
    resp = client.post(path_of(link), data={"password": "diabetes2024!"})
    assert resp.status_code == 400
    assert CONTEXT_MESSAGE in field_error(resp, "password")
    resp = client.post(path_of(link), data={"password": "qwerty123456"})
    assert resp.status_code == 400
    assert COMMON_MESSAGE in field_error(resp, "password")
    resp = client.post(path_of(link), data={"password": "too short"})
    assert resp.status_code == 400
    assert login(client, "ann@example.test", PASSWORD).status_code == 302


@pytest.mark.parametrize(("minutes", "status"), [(59, 200), (61, 404)])
def test_reset_link_expires_after_an_hour(client, ann, mailbox, frozen_clock, minutes, status):
    request_reset(client)
    link = link_in(mailbox.to("ann@example.test")[0], "/auth/reset/")
    frozen_clock.advance(minutes=minutes)
    assert client.get(path_of(link)).status_code == status
    resp = client.post(path_of(link), data={"password": NEW_PASSWORD})
    assert resp.status_code == (302 if status == 200 else 404)


def test_reset_for_unknown_email_shows_same_page_and_sends_nothing(client, ann, mailbox):
    known = request_reset(client, "ann@example.test")
    unknown = request_reset(client, "nobody@example.test")
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert mailbox.to("nobody@example.test") == []
    assert len(mailbox.raw) == 1


def test_reset_invalid_email_is_400(client, mailbox):
    assert request_reset(client, "not an email").status_code == 400
    assert mailbox.raw == []


def test_reset_ends_sessions_started_before_it(app, client, ann, mailbox):
    login(client, "ann@example.test")
    stolen = client.get_cookie("session").value
    other = app.test_client()
    request_reset(other)
    link = link_in(mailbox.to("ann@example.test")[0], "/auth/reset/")
    copy = app.test_client()
    copy.set_cookie("session", stolen)
    assert copy.get("/settings").status_code == 200
    assert other.post(path_of(link), data={"password": NEW_PASSWORD}).status_code == 302
    resp = copy.get("/settings")
    assert resp.status_code == 302
    assert path_of(resp.headers["Location"]).startswith("/auth/login")
    assert client.get("/settings").status_code == 302


def test_reset_confirms_an_unconfirmed_address(app, client, mailbox):
    with app.app_context():
        make_user(email="pending@example.test", confirmed=False)
        db.session.commit()
    request_reset(client, "pending@example.test")
    link = link_in(mailbox.to("pending@example.test")[0], "/auth/reset/")
    client.post(path_of(link), data={"password": NEW_PASSWORD})
    assert get_user(app, "pending@example.test").email_confirmed_at is not None


# --- links in email use the configured host ---------------------------------------------

CONFIGURED_HOST = {"SERVER_NAME": "forum.example.org", "PREFERRED_URL_SCHEME": "https"}


@pytest.mark.parametrize("app_overrides", [CONFIGURED_HOST], ids=["server-name"])
@pytest.mark.parametrize("headers", [
    {"Host": "forum.example.org"},
    {"Host": "forum.example.org", "X-Forwarded-Host": "evil.test"},
    {"Host": "forum.example.org", "X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "http",
     "X-Forwarded-For": "203.0.113.9"},
], ids=["host", "forwarded-host", "forwarded-everything"])
def test_emailed_links_use_server_name(client, ann, mailbox, headers):
    resp = request_reset(client, headers=headers)
    assert resp.status_code == 200
    [message] = mailbox.to("ann@example.test")
    link = link_in(message, "/auth/reset/")
    assert link.startswith("https://forum.example.org/auth/reset/")
    raw = b"".join(mailbox.raw)
    assert b"evil.test" not in raw
    assert client.get(path_of(link), headers={"Host": "forum.example.org"}).status_code == 200


@pytest.mark.parametrize("app_overrides", [CONFIGURED_HOST], ids=["server-name"])
@pytest.mark.parametrize("host", ["evil.test", "forum.example.org.evil.test", "localhost"])
def test_a_host_other_than_server_name_is_refused_and_mails_nothing(client, ann, mailbox, host):
    assert request_reset(client, headers={"Host": host}).status_code == 400
    assert register(client, headers={"Host": host}).status_code == 400
    assert mailbox.raw == []


@pytest.mark.parametrize("app_overrides", [CONFIGURED_HOST], ids=["server-name"])
def test_registration_link_uses_server_name(client, mailbox):
    assert register(client, headers={"Host": "forum.example.org"}).status_code == 200
    link = link_in(mailbox.to("newbie@example.test")[0], "/auth/confirm/")
    assert link.startswith("https://forum.example.org/auth/confirm/")


@pytest.mark.parametrize("host", ["evil.test", "forum.example.org.evil.test", "localhost"])
def test_production_refuses_a_spoofed_host_and_mails_nothing(tmp_path, smtp_server, mailbox,
                                                            host):
    from forum import create_app

    app = create_app("production", {
        "SECRET_KEY": "x" * 40, "SERVER_NAME": "forum.example.org",
        "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server[0].port,
    })
    with app.app_context():
        db.create_all()
        make_user(email="ann@example.test")
        db.session.commit()
    client = app.test_client()
    resp = client.post("/auth/reset", data={"email": "ann@example.test"},
                       base_url=f"https://{host}")
    assert resp.status_code == 400
    assert mailbox.raw == []
    resp = client.post("/auth/reset", data={"email": "ann@example.test"},
                       base_url="https://forum.example.org",
                       headers={"X-Forwarded-Host": "evil.test"})
    assert resp.status_code == 200
    link = link_in(mailbox.to("ann@example.test")[0], "/auth/reset/")
    assert link.startswith("https://forum.example.org/auth/reset/")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- rate limits -----------------------------------------------------------------------

RATE_LIMITED = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


@pytest.mark.parametrize("app_overrides", [RATE_LIMITED], ids=["limits-on"])
def test_login_is_limited_to_six_a_minute(client, ann):
    for _ in range(6):
        resp = client.post("/auth/login", data={"email": "ann@example.test", "password": "nope"},
                           **_from("10.9.1.1"))
        assert resp.status_code == 401
    resp = client.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD},
                       **_from("10.9.1.1"))
    assert resp.status_code == 429
    assert b"slow down" in resp.data
    assert client.get("/settings", **_from("10.9.1.1")).status_code == 302
    # Another address is not affected, and GETs are not counted.
    assert client.get("/auth/login", **_from("10.9.1.1")).status_code == 200
    resp = client.post("/auth/login", data={"email": "ann@example.test", "password": PASSWORD},
                       **_from("10.9.1.2"))
    assert resp.status_code == 302


@pytest.mark.parametrize("app_overrides", [RATE_LIMITED], ids=["limits-on"])
def test_register_is_limited_to_five_an_hour(app, client, mailbox):
    for n in range(5):
        resp = register(client, email=f"new{n}@example.test", display_name=f"New Member {n}",
                        **_from("10.9.2.1"))
        assert resp.status_code == 200
    resp = register(client, email="new5@example.test", display_name="New Member 5",
                    **_from("10.9.2.1"))
    assert resp.status_code == 429
    assert b"slow down" in resp.data
    assert user_count(app) == 5


@pytest.mark.parametrize("app_overrides", [RATE_LIMITED], ids=["limits-on"])
def test_reset_request_is_limited_to_five_an_hour(client, ann, mailbox):
    for _ in range(5):
        assert request_reset(client, **_from("10.9.3.1")).status_code == 200
    resp = request_reset(client, **_from("10.9.3.1"))
    assert resp.status_code == 429
    assert b"slow down" in resp.data
    assert len(mailbox.to("ann@example.test")) == 5


@pytest.mark.parametrize("app_overrides", [RATE_LIMITED], ids=["limits-on"])
def test_reset_token_guesses_are_limited(client, ann):
    for n in range(5):
        resp = client.post(f"/auth/reset/guess{n}", data={"password": NEW_PASSWORD},
                           **_from("10.9.4.1"))
        assert resp.status_code == 404
    resp = client.post("/auth/reset/guess5", data={"password": NEW_PASSWORD}, **_from("10.9.4.1"))
    assert resp.status_code == 429


# --- logs ------------------------------------------------------------------------------

def test_logs_never_hold_passwords_emails_or_tokens(app, client, mailbox, caplog):
    # The test's own SMTP server logs every envelope address: it is not the app. (This
    # order, because set_level also sets the capture handler's level.)
    caplog.set_level(logging.WARNING, logger=SMTP_SERVER_LOGGER)
    caplog.set_level(logging.DEBUG)
    secrets = [GOOD_PASSWORD, NEW_PASSWORD, "newbie@example.test", "Newbie@Example.test"]
    register(client, email="Newbie@Example.test")
    confirm = link_in(mailbox.to("newbie@example.test")[0], "/auth/confirm/")
    client.get(path_of(confirm))
    client.post(path_of(confirm))
    login(client, "newbie@example.test", "a wrong password guess")
    login(client, "ghost@example.test", "another wrong password guess")
    login(client, "newbie@example.test", GOOD_PASSWORD)
    client.post("/auth/logout")
    request_reset(client, "newbie@example.test")
    request_reset(client, "ghost@example.test")
    reset = link_in(mailbox.to("newbie@example.test")[-1], "/auth/reset/")
    client.post(path_of(reset), data={"password": NEW_PASSWORD})
    login(client, "newbie@example.test", NEW_PASSWORD)
    client.post("/settings/email", data={"email": "moved@example.test", "password": NEW_PASSWORD})
    change = link_in(mailbox.to("moved@example.test")[0], "/settings/email/confirm/")
    client.post(path_of(change))
    secrets += ["a wrong password guess", "another wrong password guess", "ghost@example.test",
                "moved@example.test"]
    secrets += [urlsplit(link).path.rsplit("/", 1)[1] for link in (confirm, reset, change)]

    text = caplog.text
    assert "login failed" in text
    for secret in secrets:
        assert secret not in text, secret
        assert secret.lower() not in text.lower(), secret
    failures = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert len(failures) == 2
    for record in failures:
        assert "@" not in record.getMessage()


def test_login_failure_log_escapes_control_characters(client, ann, caplog):
    caplog.set_level(logging.INFO, logger="forum")
    client.post("/auth/login", data={"email": "ann@example.test", "password": "wrong one"},
                environ_base={"REMOTE_ADDR": "10.0.0.1\nFAKE login ok user=1"})
    [failure] = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert "\n" not in failure.getMessage()


@pytest.mark.slow  # a fresh Python process
def test_production_keeps_login_failure_logs(tmp_path):
    # Outside pytest (no capture handler on the root logger) Flask gives app.logger its
    # default handler; the "forum" logger must still let INFO audit lines through.
    script = textwrap.dedent(f"""
        import logging
        from forum import create_app
        create_app("production", {{"SECRET_KEY": "x" * 40, "SERVER_NAME": "forum.example.org",
                   "RATELIMIT_STORAGE_URI": "memory://",
                   "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'p.db'}"}})
        logging.getLogger("forum.auth.services").info("login failed reason=credentials ip=%s",
                                                      "1.2.3.4")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    assert "login failed reason=credentials ip=1.2.3.4" in result.stderr


# --- the emails themselves --------------------------------------------------------------

def _trigger_every_account_email(app, client):
    with app.app_context():
        make_user(email="ann@example.test", display_name="Ann")
        make_user(email="bob@example.test", display_name="Bob O'Brien-Ñúñez")
        db.session.commit()
    register(client, email="newbie@example.test")                      # confirm_email
    register(client, email="ann@example.test", display_name="Dup Ann")  # account_exists
    request_reset(client, "bob@example.test")                           # reset_password
    login(client, "bob@example.test")
    client.post("/settings/password", data={"current_password": PASSWORD,
                                            "new_password": NEW_PASSWORD})  # password_changed
    client.post("/settings/email", data={"email": "bob.new@example.test",
                                         "password": NEW_PASSWORD})        # change_email


def test_every_account_email_is_well_formed(app, client, mailbox):
    _trigger_every_account_email(app, client)
    assert len(mailbox.raw) == 5
    subjects = set()
    for raw in mailbox.raw:
        message = assert_well_formed(raw)
        subjects.add(str(message["Subject"]))
        assert parseaddr(str(message["From"]))[0] == "Sugar Circle"
        assert "Sugar Circle" in body_text(message)
        assert "not medical advice" in message.get_body(("html",)).get_content()
    assert len(subjects) == 5
    assert "Bob O'Brien" not in "".join(subjects)
