"""Error pages: the site's layout, the right status, no internals (SECURITY.md 30, 49)."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.text import BODY_MAX
from tests.factories import make_category, make_thread, make_user
from tests.helpers import force_login

SECRET = "secret-xyz"
HELP_LINK = b"Need help now?"
TWO_MIB = 2 * 1024 * 1024


@pytest.fixture
def boom(app):
    """A throwaway route that fails with a secret in the exception message."""

    @app.get("/__boom")
    def boom_view():
        # A literal, as real code might have: the log must not quote the source line either.
        raise RuntimeError("secret-xyz password=hunter2 email=someone@example.test")

    return "/__boom"


@pytest.fixture
def member(app):
    with app.app_context():
        user = make_user(email="err.member@example.test", display_name="Err Member")
        category = make_category(slug="type-1", name="Type 1")
        thread = make_thread(category=category, author=user)
        db.session.commit()
        return {"session_id": user.get_id(), "thread_id": thread.id}


def assert_site_page(response, code: int) -> str:
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert HELP_LINK in response.data  # the site's layout, with the crisis link
    text = response.get_data(as_text=True)
    assert f"Error {code}" in text
    assert "Traceback" not in text and "werkzeug" not in text.lower()
    return text


def test_404_page(client):
    text = assert_site_page(client.get("/no/such/page"), 404)
    assert "couldn&#39;t find that page" in text


def test_404_for_a_missing_thread(client):
    assert_site_page(client.get("/t/987654"), 404)


def test_405_page_keeps_the_allow_header(client):
    response = client.delete("/help")
    assert_site_page(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_413_for_a_two_mib_login_post(client):
    response = client.post("/auth/login",
                           data={"email": "a@example.test", "password": "x" * TWO_MIB})
    text = assert_site_page(response, 413)
    assert "too large" in text


def test_413_for_a_two_mib_reply(app, client, member):
    force_login(client, member["session_id"])
    before = _post_count(app)
    response = client.post(f"/t/{member['thread_id']}/reply", data={"body": "x" * TWO_MIB})
    assert_site_page(response, 413)
    assert _post_count(app) == before


def _post_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Post.id)))


def test_a_body_over_the_limit_is_a_form_error_not_a_crash(app, client, member):
    """Item 49: a too-long body (but under MAX_CONTENT_LENGTH) is a normal form error."""
    force_login(client, member["session_id"])
    before = _post_count(app)
    response = client.post(f"/t/{member['thread_id']}/reply", data={"body": "x" * (BODY_MAX + 1)})
    assert response.status_code == 400
    assert HELP_LINK in response.data
    assert b"Traceback" not in response.data
    assert _post_count(app) == before


def test_500_page_hides_the_exception(client, boom, caplog):
    caplog.set_level(logging.INFO)
    text = assert_site_page(client.get(boom), 500)
    assert SECRET not in text and "hunter2" not in text and "RuntimeError" not in text
    match = re.search(r"reference ([0-9a-f]{12})", text)
    assert match, "no reference id on the 500 page"
    reference = match.group(1)
    records = [r for r in caplog.records if reference in r.getMessage()]
    assert len(records) == 1, "the reference id is not in the log"
    record = records[0]
    assert record.levelno == logging.ERROR
    assert "RuntimeError" in record.getMessage()  # the type and place help us find it...
    assert "boom_view" in record.getMessage()
    assert record.exc_info is None  # ...but no traceback object that would carry the message
    for r in caplog.records:
        assert SECRET not in r.getMessage() and "hunter2" not in r.getMessage()
    assert SECRET not in caplog.text and "hunter2" not in caplog.text


def test_500_reference_ids_differ(client, boom):
    first = re.search(r"reference ([0-9a-f]{12})", client.get(boom).get_data(as_text=True))
    second = re.search(r"reference ([0-9a-f]{12})", client.get(boom).get_data(as_text=True))
    assert first.group(1) != second.group(1)


def test_500_for_a_logged_in_member_rolls_back_and_keeps_them_logged_in(app, client, member):
    @app.post("/__half_write")
    def half_write():
        user = make_user(email="half@example.test")  # flushed, never committed
        raise RuntimeError(f"{SECRET} {user.email}")

    force_login(client, member["session_id"])
    response = client.post("/__half_write")
    text = assert_site_page(response, 500)
    assert "half@example.test" not in text
    assert "Err Member" in text  # the layout still knows who is logged in
    with app.app_context():
        from forum.models import User

        assert db.session.scalar(select(User).filter_by(email="half@example.test")) is None


def test_500_page_survives_a_broken_layout(app, client, boom, monkeypatch, caplog):
    """If the error template itself fails (say the database is down), a static page is served."""
    from forum import errors

    def broken(*args, **kwargs):
        raise RuntimeError("template exploded " + SECRET)

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.get(boom)
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Need help now?" in text and re.search(r"reference [0-9a-f]{12}", text)
    assert SECRET not in text and "Traceback" not in text
    assert SECRET not in caplog.text


def test_csrf_failure_is_a_friendly_400(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/auth/login", data={"email": "a@example.test", "password": "x"})
    text = assert_site_page(response, 400)
    assert "This form had expired" in text
    assert "CSRF" not in text  # no jargon


class TestRateLimitPages:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute",
                "RATELIMIT_POSTING": "2 per minute"}

    def test_login_hammering_gets_a_friendly_429(self, client):
        statuses = []
        for _ in range(10):
            response = client.post("/auth/login",
                                   data={"email": "x@example.test", "password": "nope"},
                                   environ_base={"REMOTE_ADDR": "198.51.100.7"})
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[-1] == 429, statuses
        assert statuses[:-1] and all(s == 401 for s in statuses[:-1]), statuses
        text = assert_site_page(response, 429)
        assert "slow down" in text.lower()
        assert int(response.headers["Retry-After"]) > 0
        assert "Traceback" not in text
        # Another address is not affected.
        other = client.post("/auth/login", data={"email": "x@example.test", "password": "nope"},
                            environ_base={"REMOTE_ADDR": "198.51.100.8"})
        assert other.status_code == 401

    def test_posting_too_fast_gets_a_friendly_429(self, app, client, member):
        force_login(client, member["session_id"])
        before = _post_count(app)
        statuses = []
        for n in range(6):  # a fixed window may roll over once, so allow a few extra
            response = client.post(f"/t/{member['thread_id']}/reply", data={"body": f"reply {n}"})
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[-1] == 429 and set(statuses[:-1]) == {302}, statuses
        assert len(statuses) - 1 >= 2
        assert "slow down" in assert_site_page(response, 429).lower()
        assert _post_count(app) == before + len(statuses) - 1
