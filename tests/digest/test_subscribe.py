"""Subscribing: double opt-in on the public page, and members' settings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import DigestSubscription
from tests.helpers import SEND_TIME, body_text, link_in, new_thread, send, summary_of


def _subscription(app, email: str) -> DigestSubscription | None:
    with app.app_context():
        row = db.session.scalar(select(DigestSubscription).filter_by(email=email))
        if row is not None:
            db.session.expunge(row)
        return row


def _confirm_path(mailbox, address: str) -> str:
    message = mailbox.to(address)[-1]
    return link_in(message, "/digest/confirm/").split("forum.test", 1)[1]


def test_public_page_asks_for_an_email_only(client, world):
    page = client.get("/digest")
    assert page.status_code == 200
    assert b'name="email"' in page.data and b"General chat" in page.data
    assert b"Members lounge" not in page.data  # members-only categories are not offered


def test_double_opt_in(app, client, runner, world, mailbox):
    response = client.post("/digest", data={"email": "New.Person@Example.test"})
    assert response.status_code == 200 and b"Check your email" in response.data
    row = _subscription(app, "new.person@example.test")
    assert row.status == "pending"
    [confirmation] = mailbox.to("new.person@example.test")
    assert "Confirm" in confirmation["Subject"]
    path = _confirm_path(mailbox, "new.person@example.test")

    mailbox.clear()
    clock.freeze(SEND_TIME + timedelta(days=7))  # a week on: nothing was sent meanwhile
    new_thread(app, category_id=world.general_id, title="While pending",
               at=SEND_TIME + timedelta(days=1))
    runner.invoke(args=["digest", "send"])
    assert not mailbox.to("new.person@example.test")

    clock.freeze(SEND_TIME + timedelta(days=1))
    assert client.get(path).status_code == 200  # a GET (a link scanner) confirms nothing
    assert _subscription(app, "new.person@example.test").status == "pending"
    assert client.post(path).status_code == 200
    assert _subscription(app, "new.person@example.test").status == "confirmed"

    clock.freeze(SEND_TIME + timedelta(days=7))
    result = runner.invoke(args=["digest", "send", "--period", "2026-W49"])
    assert summary_of(result.output)["sent"] == "1"  # the members had theirs already
    [digest] = mailbox.to("new.person@example.test")
    assert "While pending" in body_text(digest)


@pytest.mark.parametrize("status", ["pending", "confirmed"])
def test_asking_again_reveals_nothing(app, client, world, mailbox, status):
    address = "again@example.test"
    first = client.post("/digest", data={"email": address})
    if status == "confirmed":
        client.post(_confirm_path(mailbox, address))
    clock.freeze(SEND_TIME + timedelta(hours=1))
    second = client.post("/digest", data={"email": address})
    fresh = client.post("/digest", data={"email": "never.seen@example.test"})
    assert first.status_code == second.status_code == fresh.status_code == 200
    assert first.data == second.data == fresh.data
    assert _subscription(app, address).status == status
    latest = mailbox.to(address)[-1]
    if status == "confirmed":
        assert "already" in latest["Subject"]
        assert "/digest/unsubscribe/" in body_text(latest)
    else:
        assert "Confirm" in latest["Subject"]


def test_a_member_address_is_sent_to_settings(app, client, world, mailbox):
    response = client.post("/digest", data={"email": "reader@example.test"})
    assert response.status_code == 200 and b"Check your email" in response.data
    assert _subscription(app, "reader@example.test") is None
    [message] = mailbox.to("reader@example.test")
    assert "/settings" in body_text(message)


def test_repeated_requests_send_one_email(app, client, world, mailbox):
    for _ in range(4):
        assert client.post("/digest", data={"email": "spammed@example.test"}).status_code == 200
    assert len(mailbox.to("spammed@example.test")) == 1


def test_invalid_address_is_a_400_with_a_message(client, world):
    response = client.post("/digest", data={"email": "not an address"})
    assert response.status_code == 400
    assert b"valid email address" in response.data


def test_unconfirmed_requests_expire_after_7_days(app, client, runner, world, mailbox):
    client.post("/digest", data={"email": "slow@example.test"})
    path = _confirm_path(mailbox, "slow@example.test")
    clock.freeze(SEND_TIME + timedelta(days=7, minutes=1))
    assert client.post(path).status_code == 404
    assert _subscription(app, "slow@example.test").status == "pending"
    result = runner.invoke(args=["digest", "run-due"])
    assert result.exit_code == 0, result.output
    assert _subscription(app, "slow@example.test") is None  # forgotten
    # Asking again starts afresh.
    client.post("/digest", data={"email": "slow@example.test"})
    assert client.post(_confirm_path(mailbox, "slow@example.test")).status_code == 200
    assert _subscription(app, "slow@example.test").status == "confirmed"


def test_confirm_link_still_works_within_7_days(app, client, world, mailbox):
    client.post("/digest", data={"email": "steady@example.test"})
    path = _confirm_path(mailbox, "steady@example.test")
    clock.freeze(SEND_TIME + timedelta(days=6, hours=23))
    assert client.post(path).status_code == 200
    assert _subscription(app, "steady@example.test").status == "confirmed"


def test_bad_confirm_token_is_404(client, world):
    assert client.get("/digest/confirm/forged-token").status_code == 404
    assert client.post("/digest/confirm/forged-token").status_code == 404


# --- members ---------------------------------------------------------------------------------

def _member_subscription(app, user_id):
    with app.app_context():
        row = db.session.scalar(select(DigestSubscription).filter_by(user_id=user_id))
        return None if row is None else (row.status, row.all_categories,
                                         sorted(c.id for c in row.categories))


def test_settings_page_has_the_digest_form(app, client, login, world):
    login("author@example.test")
    page = client.get("/settings")
    assert b"Weekly digest" in page.data
    assert b'action="/settings/digest"' in page.data
    assert b"Members lounge" in page.data  # members choose members-only categories too
    ticked = re.findall(rb'<input checked[^>]*name="categories"', page.data)
    assert len(ticked) == 2  # every category ticked by default


def test_member_subscribes_chooses_categories_and_leaves(app, client, login, world):
    login("author@example.test")
    author = world.ids["author"]
    response = client.post("/settings/digest", data={
        "subscribed": "y", "categories": [world.general_id, world.lounge_id]})
    assert response.status_code == 302
    assert _member_subscription(app, author) == ("confirmed", True, [])

    client.post("/settings/digest", data={"subscribed": "y", "categories": [world.lounge_id]})
    assert _member_subscription(app, author) == ("confirmed", False, [world.lounge_id])
    page = client.get("/settings").data
    assert re.search(rf'value="{world.lounge_id}"[^>]*checked|checked[^>]*value="{world.lounge_id}"'
                     .encode(), page)

    client.post("/settings/digest", data={"categories": [world.lounge_id]})  # box unticked
    assert _member_subscription(app, author)[0] == "unsubscribed"


def test_member_categories_limit_the_digest(app, client, runner, login, world, mailbox):
    new_thread(app, category_id=world.lounge_id, title="Lounge news")
    login("author@example.test")
    client.post("/settings/digest", data={"subscribed": "y", "categories": [world.lounge_id]})
    with app.app_context():  # subscribed before the period ended
        row = db.session.scalar(select(DigestSubscription).filter_by(user_id=world.ids["author"]))
        row.subscribed_at = SEND_TIME - timedelta(days=10)
        db.session.commit()
    send(runner)
    text = body_text(mailbox.to("author@example.test")[0])
    assert "Lounge news" in text and "Night-time hypos" not in text


def test_unknown_category_is_a_400(app, client, login, world):
    login("author@example.test")
    response = client.post("/settings/digest", data={"subscribed": "y", "categories": [999]})
    assert response.status_code == 400


def test_unconfirmed_member_cannot_turn_it_on(app, client, login, world):
    from tests.factories import make_user

    with app.app_context():
        user = make_user(email="unconfirmed@example.test", confirmed=False)
        db.session.commit()
        user_id = user.id
    login("unconfirmed@example.test")
    response = client.post("/settings/digest", data={"subscribed": "y"})
    assert response.status_code == 302
    assert _member_subscription(app, user_id) is None


def test_settings_need_a_login(client, world):
    response = client.post("/settings/digest", data={"subscribed": "y"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
