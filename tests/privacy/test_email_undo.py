"""Changing the email address tells the old address, with a link that undoes the change
for 7 days, once, and logs everyone out."""

from __future__ import annotations

import pytest

from forum.auth import tokens
from forum.extensions import db
from forum.models import User
from tests.factories import make_user
from tests.helpers import assert_well_formed, body_text, is_logged_in, link_in, path_of, text

CHANGE_LINK = "/settings/email/confirm/"
UNDO_LINK = "/settings/email/undo/"


@pytest.fixture(autouse=True)
def every_email_is_well_formed(mailbox):
    yield
    for raw in list(mailbox.raw):
        assert_well_formed(raw)


def user_row(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


@pytest.fixture
def changed(app, client, forum, login, mailbox):
    """Bob changed his address to bob.new@example.test: (undo link path, user id)."""
    login("bob")
    client.post("/settings/email", data={"email": "bob.new@example.test",
                                         "password": "correct horse battery staple"})
    confirm = link_in(mailbox.to("bob.new@example.test")[0], CHANGE_LINK)
    assert client.post(path_of(confirm)).status_code == 302
    assert user_row(app, forum.ids["bob"]).email == "bob.new@example.test"
    [notice] = mailbox.to("bob@example.test")
    return path_of(link_in(notice, UNDO_LINK)), forum.ids["bob"]


def test_the_old_address_is_told_with_a_way_to_undo(mailbox, changed):
    [notice] = mailbox.to("bob@example.test")
    assert "was changed" in notice["Subject"]
    words = body_text(notice)
    assert "within 7 days" in words and "reset your password" in words
    assert "bob.new@example.test" not in words  # the old address learns nothing new


def test_undo_puts_the_old_address_back_once_and_logs_everyone_out(app, login, changed):
    undo, user_id = changed
    other = app.test_client()
    other.post("/auth/login", data={"email": "bob.new@example.test",
                                    "password": "correct horse battery staple"})
    assert is_logged_in(other)
    version = user_row(app, user_id).session_version
    visitor = app.test_client()

    page = visitor.get(undo)
    assert page.status_code == 200 and "bob@example.test" in text(page)
    assert user_row(app, user_id).email == "bob.new@example.test"  # GET changes nothing

    done = visitor.post(undo)

    assert done.status_code == 302 and done.location == "/auth/reset"
    row = user_row(app, user_id)
    assert row.email == "bob@example.test" and row.session_version > version
    assert not is_logged_in(other)
    assert "reset it now" in text(visitor.get("/auth/reset"))
    # Once: the account no longer has the address the link was made for.
    assert visitor.get(undo).status_code == 404
    assert visitor.post(undo).status_code == 404
    assert user_row(app, user_id).email == "bob@example.test"


def test_a_tampered_or_expired_undo_link_is_refused(app, client, frozen_clock, changed):
    undo, user_id = changed
    token = undo.removeprefix(UNDO_LINK)
    tampered = UNDO_LINK + token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(tampered).status_code == 404
    assert client.post(tampered).status_code == 404
    with app.app_context():
        bob = db.session.get(User, user_id)
        forged = tokens.serializer("confirm-email").dumps({"u": bob.id, "o": "evil@example.test"})
    assert client.post(UNDO_LINK + forged).status_code == 404  # another purpose's salt

    frozen_clock.advance(days=6, hours=23)
    assert client.get(undo).status_code == 200  # still fresh
    frozen_clock.advance(hours=1, minutes=1)
    assert client.get(undo).status_code == 404
    assert user_row(app, user_id).email == "bob.new@example.test"


def test_undo_refuses_an_address_someone_else_has_taken(app, client, changed):
    undo, user_id = changed
    with app.app_context():
        make_user(email="bob@example.test", display_name="Newcomer Bob")
        db.session.commit()
    refused = client.post(undo)
    assert refused.status_code == 409
    assert "another account uses bob@example.test" in text(refused)
    assert user_row(app, user_id).email == "bob.new@example.test"
