"""Notifications by email (`flask notifications send`): choices, batching, the daily
summary, quiet hours, visibility at send time, and one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from forum.extensions import db
from forum.models import Category, Notification, Post, User
from tests.factories import make_post, make_thread, make_user
from tests.helpers import assert_well_formed, email_text


def send(runner) -> str:
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def reply(app, thread_id: int, who: str, nf, body: str) -> int:
    with app.app_context():
        from forum.models import Thread

        post = make_post(db.session.get(Thread, thread_id),
                         author=db.session.get(User, nf.ids[who]), body=body)
        db.session.commit()
        return post.id


def set_user(app, user_id: int, **fields) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()


def unsubscribe_url(message) -> str:
    return re.search(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"])).group(1)


def test_defaults(app_ctx):
    user = make_user()
    db.session.flush()
    assert (user.email_replies, user.email_follows, user.quiet_hours, user.time_zone) == \
        ("immediately", "daily", False, "")


def test_replies_to_my_thread_come_straight_away_batched_per_thread(
        app, runner, nf, mailbox, frozen_clock):
    first = reply(app, nf.thread_id, "bob", nf, "Juice by the bed helps me.")
    send(runner)
    assert mailbox.to(nf.emails["ann"]) == []  # too fresh: it may still be read on the site
    frozen_clock.advance(minutes=3)
    send(runner)
    [message] = mailbox.to(nf.emails["ann"])
    assert_well_formed(mailbox.raw[0])
    text = email_text(message)
    assert "Night-time hypos" in message["Subject"]
    assert f"/p/{first}" in text and "Juice by the bed helps me." in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(preferencelist=("html",)) is not None
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<img" not in html and "utm_" not in html  # no tracking
    # Two more replies within 15 minutes of that email: they wait, then come together.
    frozen_clock.advance(minutes=1)
    second = reply(app, nf.thread_id, "cat", nf, "A second reply.")
    third = reply(app, nf.thread_id, "dan", nf, "A third reply.")
    frozen_clock.advance(minutes=5)
    send(runner)
    assert len(mailbox.to(nf.emails["ann"])) == 1
    frozen_clock.advance(minutes=10)
    send(runner)
    messages = mailbox.to(nf.emails["ann"])
    assert len(messages) == 2
    text = email_text(messages[1])
    assert f"/p/{second}" in text and f"/p/{third}" in text
    send(runner)  # nothing twice
    assert len(mailbox.to(nf.emails["ann"])) == 2


def test_other_follows_come_in_a_daily_summary(app, runner, nf, mailbox, frozen_clock):
    reply(app, nf.thread_id, "bob", nf, "I follow this now.")  # bob follows (auto)
    frozen_clock.advance(minutes=3)
    reply(app, nf.thread_id, "cat", nf, "First news for Bob.")
    reply(app, nf.thread_id, "dan", nf, "Second news for Bob.")
    frozen_clock.advance(minutes=3)  # 09:07 in London: past the summary hour (8)
    send(runner)
    [summary] = mailbox.to(nf.emails["bob"])
    assert "daily summary" in summary["Subject"]
    text = email_text(summary)
    assert "First news for Bob." in text and "Second news for Bob." in text
    reply(app, nf.thread_id, "cat", nf, "Later that day.")
    frozen_clock.advance(hours=5)
    send(runner)
    assert len(mailbox.to(nf.emails["bob"])) == 1  # one summary a day
    frozen_clock.advance(hours=12)  # 02:10 the next day: before the summary hour
    send(runner)
    assert len(mailbox.to(nf.emails["bob"])) == 1
    frozen_clock.advance(hours=6)  # 08:10
    send(runner)
    assert "Later that day." in email_text(mailbox.to(nf.emails["bob"])[1])


def test_never_means_no_email(app, runner, nf, mailbox, frozen_clock):
    set_user(app, nf.ids["ann"], email_replies="never")
    reply(app, nf.thread_id, "bob", nf, "Hello Ann.")
    frozen_clock.advance(minutes=3)
    send(runner)
    assert mailbox.to(nf.emails["ann"]) == []


def test_quiet_hours_defer_until_morning_in_the_members_zone(
        app, runner, nf, mailbox, frozen_clock):
    # 09:01 UTC is 04:01 in New York.
    set_user(app, nf.ids["ann"], quiet_hours=True, time_zone="America/New_York")
    reply(app, nf.thread_id, "bob", nf, "Hello Ann.")
    frozen_clock.advance(minutes=3)
    assert "deferred=1" in send(runner)
    assert mailbox.to(nf.emails["ann"]) == []
    frozen_clock.advance(hours=3)  # 07:04 in New York
    send(runner)
    assert len(mailbox.to(nf.emails["ann"])) == 1


def test_visibility_is_checked_again_when_sending(app, runner, nf, mailbox, frozen_clock):
    post_id = reply(app, nf.thread_id, "bob", nf, "Soon hidden.")
    with app.app_context():
        db.session.get(Post, post_id).status = "hidden"
        db.session.commit()
    frozen_clock.advance(minutes=3)
    send(runner)
    assert mailbox.to(nf.emails["ann"]) == []
    with app.app_context():
        rows = db.session.query(Notification).filter_by(post_id=post_id).all()
        assert rows and all(n.emailed_at is None for n in rows)


def test_read_on_the_site_first_is_not_emailed(app, runner, nf, mailbox, frozen_clock):
    reply(app, nf.thread_id, "bob", nf, "Hello Ann.")
    with app.app_context():
        for n in db.session.query(Notification).filter_by(user_id=nf.ids["ann"]):
            n.read_at = datetime(2026, 11, 2, 9, 2, tzinfo=UTC)
        db.session.commit()
    frozen_clock.advance(minutes=3)
    send(runner)
    assert mailbox.to(nf.emails["ann"]) == []


def test_suspended_members_get_nothing(app, runner, nf, mailbox, frozen_clock):
    reply(app, nf.thread_id, "bob", nf, "Hello Ann.")
    set_user(app, nf.ids["ann"], suspended_until=datetime(2999, 1, 1, tzinfo=UTC))
    frozen_clock.advance(minutes=3)
    send(runner)
    assert mailbox.to(nf.emails["ann"]) == []


@pytest.mark.parametrize("kind", ["members_only", "sensitive"])
def test_no_post_text_from_members_only_or_sensitive_categories(
        app, runner, nf, mailbox, frozen_clock, kind):
    with app.app_context():
        if kind == "members_only":
            category = db.session.get(Category, nf.lounge_id)
        else:
            category = db.session.get(Category, nf.general_id)
            category.digest_mode = "sensitive"
        thread = make_thread(category=category, author=db.session.get(User, nf.ids["ann"]),
                             title="Private worries")
        db.session.commit()
        thread_id = thread.id
    post_id = reply(app, thread_id, "bob", nf, "Something very personal here.")
    frozen_clock.advance(minutes=3)
    send(runner)
    [message] = mailbox.to(nf.emails["ann"])
    text = email_text(message)
    assert "Private worries" in text and f"/p/{post_id}" in text
    assert "very personal" not in text


def test_one_click_unsubscribe_without_a_session(app, runner, nf, mailbox, frozen_clock):
    app.config["WTF_CSRF_ENABLED"] = True
    reply(app, nf.thread_id, "bob", nf, "Hello Ann.")
    frozen_clock.advance(minutes=3)
    send(runner)
    [message] = mailbox.to(nf.emails["ann"])
    path = urlsplit(unsubscribe_url(message)).path
    client = app.test_client(use_cookies=False)
    for _ in range(2):  # link scanners fetch: a GET only asks
        assert client.get(path).status_code == 200
    with app.app_context():
        assert db.session.get(User, nf.ids["ann"]).email_replies == "immediately"
    response = client.post(path, data={"List-Unsubscribe": "One-Click"},
                           headers={"Origin": "https://mail.example.com",
                                    "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert "Location" not in response.headers and "Set-Cookie" not in response.headers
    with app.app_context():
        ann = db.session.get(User, nf.ids["ann"])
        assert (ann.email_replies, ann.email_follows) == ("never", "daily")
    assert client.post(path).status_code == 200  # idempotent
    assert client.post(path[:-3] + "xyz").status_code == 404
    assert client.get("/notifications/unsubscribe/nonsense").status_code == 404


def test_the_settings_form_saves_the_email_choices(app, client, nf, login):
    login("bob")
    response = client.post("/settings/notifications", data={
        "auto_follow": "y", "email_replies": "daily", "email_follows": "never",
        "quiet_hours": "y", "time_zone": "Europe/Paris"})
    assert response.status_code == 302
    with app.app_context():
        bob = db.session.get(User, nf.ids["bob"])
        assert (bob.email_replies, bob.email_follows, bob.quiet_hours, bob.time_zone) == \
            ("daily", "never", True, "Europe/Paris")
    assert client.post("/settings/notifications", data={
        "email_replies": "hourly"}).status_code == 400
    assert b"Quiet hours" in client.get("/settings").data
