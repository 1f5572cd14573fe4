"""Members flag posts: every reason, once each, one review item per post, auto-hide."""

from __future__ import annotations

import json
import re

import pytest

from forum.extensions import db
from forum.models import FLAG_REASONS, Flag, Post, ReviewItem
from forum.models.moderation import SCREENER_ONLY_REASONS
from tests.helpers import (
    act,
    audit_rows,
    count,
    counter_mismatches,
    counters,
    email_text,
    flag,
    flags_on,
    items_for,
    notices,
    open_item,
    text,
)

PRIORITY = {"risk_of_harm": 0, "medical_advice": 1, "prescriptions": 1, "harassment": 2,
            "personal_info": 2, "spam": 3, "other": 3}


MEMBER_REASONS = [r for r in FLAG_REASONS if r not in SCREENER_ONLY_REASONS]


@pytest.mark.parametrize("reason", MEMBER_REASONS)
def test_each_reason_opens_a_review_item(app, client, mod_forum, login, reason):
    login("bob")
    message = "It needs a look" if reason == "other" else ""
    assert f'value="{reason}"' in text(client.get(f"/p/{mod_forum.reply_ann_id}/flag"))

    response = flag(client, mod_forum.reply_ann_id, reason, message)

    assert response.status_code == 302
    held = reason == "risk_of_harm"
    assert response.location == (f"/t/{mod_forum.thread_id}" if held
                                 else f"/p/{mod_forum.reply_ann_id}")
    page = text(client.get(response.location, follow_redirects=True))
    assert "The author won&#39;t know who flagged it" in page
    with app.app_context():
        [item] = items_for(mod_forum.reply_ann_id)
        [row] = item.flags
        assert (row.reason, row.message, row.reporter_id) == (reason, message, mod_forum.ids["bob"])
        assert (item.reason, item.priority, item.source, item.category_id) == (
            reason, PRIORITY[reason], "flags", mod_forum.type1_id)
        assert item.is_crisis is (reason == "risk_of_harm")
        expected = "pending" if held else "visible"
        assert db.session.get(Post, mod_forum.reply_ann_id).status == expected


def test_something_else_needs_a_message(app, client, mod_forum, login):
    login("bob")
    response = flag(client, mod_forum.reply_ann_id, "other", "   ")
    assert response.status_code == 400
    assert "Please tell the moderators what is wrong." in text(response)
    with app.app_context():
        assert count(Flag) == 0 and count(ReviewItem) == 0


def test_a_reason_is_required(app, client, mod_forum, login):
    login("bob")
    for data in ({}, {"reason": "not_a_reason"}):
        assert client.post(f"/p/{mod_forum.reply_ann_id}/flag", data=data).status_code == 400
    with app.app_context():
        assert count(Flag) == 0


def test_at_risk_of_harm_alerts_the_on_duty_moderator(app, client, mod_forum, login, mailbox):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "risk_of_harm", "She sounds in danger")
    [alert] = mailbox.to(mod_forum.emails["mod"])
    body = email_text(alert)
    with app.app_context():
        item = open_item(mod_forum.reply_ann_id)
        assert item.alerted_at is not None
        assert f"/mod/items/{item.id}" in body
    assert "She sounds in danger" not in body and "Ann's answer" not in body
    login("cat")
    flag(client, mod_forum.reply_ann_id, "risk_of_harm")
    assert len(mailbox.to(mod_forum.emails["mod"])) == 1  # one alert per item


def test_at_risk_of_harm_holds_the_post_and_says_so_truthfully(app, client, mod_forum, login,
                                                               mailbox):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "risk_of_harm", "She sounds in danger")
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "pending"
        item = open_item(mod_forum.reply_ann_id)
        assert item.is_crisis and item.source == "flags"
        [hold] = audit_rows("hold")
        assert (hold.target_id, json.loads(hold.before), json.loads(hold.after)) == (
            mod_forum.reply_ann_id, {"status": "visible"}, {"status": "pending"})
        [notice] = notices(mod_forum.ids["ann"])
        assert notice.kind == "held_for_care" and "Need help now?" in notice.message
        assert "Bob" not in notice.message
    alert = email_text(mailbox.to(mod_forum.emails["mod"])[0])
    assert "A member flagged a post" in alert
    assert "The post is held (not shown to members)" in alert
    # Other members no longer see it; the author still does, marked as held.
    login("cat")
    assert "answer about snacks" not in text(client.get(f"/t/{mod_forum.thread_id}"))
    login("ann")
    assert "answer about snacks" in text(client.get(f"/t/{mod_forum.thread_id}"))
    # The moderator may approve (publish) or reject it; approving publishes it again.
    login("mod")
    assert act(client, item.id, "approve", reason="Checked in with Ann").status_code == 302
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "visible"


def test_flagging_an_opening_post_at_risk_returns_to_the_category(app, client, mod_forum,
                                                                  login):
    login("bob")
    response = flag(client, mod_forum.opening_id, "risk_of_harm")
    assert response.location == "/c/type-1"
    with app.app_context():
        assert db.session.get(Post, mod_forum.opening_id).status == "pending"


def test_other_reasons_do_not_hold_the_post(app, client, mod_forum, login):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "visible"
        assert not audit_rows("hold")


def test_a_member_flags_a_post_once(app, client, mod_forum, login):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    response = flag(client, mod_forum.reply_ann_id, "harassment", "again")
    assert response.status_code == 303
    page = text(client.get(response.location, follow_redirects=True))
    assert "You have already flagged this post" in page
    with app.app_context():
        assert [(f.reason, f.reporter_id) for f in flags_on(mod_forum.reply_ann_id)] == [
            ("spam", mod_forum.ids["bob"])]
        assert len(items_for(mod_forum.reply_ann_id)) == 1


def test_visitors_cannot_flag(app, client, mod_forum):
    for method in ("get", "post"):
        response = getattr(client, method)(f"/p/{mod_forum.reply_ann_id}/flag",
                                           data={"reason": "spam"})
        assert response.status_code == 302
        assert response.location.startswith("/auth/login")
    assert "/flag" not in text(client.get(f"/t/{mod_forum.thread_id}"))
    with app.app_context():
        assert count(Flag) == 0


def test_own_posts_and_unconfirmed_members_cannot_flag(app, client, mod_forum, login):
    post_id = mod_forum.reply_ann_id
    for who in ("ann", "unconfirmed"):  # ann wrote the post
        login(who)
        assert client.get(f"/p/{post_id}/flag").status_code == 403
        assert flag(client, post_id, "spam").status_code == 403
        assert f"/p/{post_id}/flag" not in text(client.get(f"/t/{mod_forum.thread_id}"))
    with app.app_context():
        assert count(Flag) == 0


def test_flagged_posts_make_one_item_raised_to_the_most_urgent_reason(app, client, mod_forum,
                                                                     login):
    for who, reason in [("bob", "spam"), ("cat", "medical_advice"), ("dan", "other")]:
        login(who)
        flag(client, mod_forum.opening_id, reason, "see thread" if reason == "other" else "")
    with app.app_context():
        [item] = items_for(mod_forum.opening_id)
        assert (item.reason, item.priority) == ("medical_advice", 1)
        assert [f.reason for f in item.flags] == ["spam", "medical_advice", "other"]
        assert count(ReviewItem) == 1


def test_a_resolved_item_is_not_reused(app, client, mod_forum, login):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    login("mod")
    with app.app_context():
        first = open_item(mod_forum.reply_ann_id).id
    act(client, first, "dismiss")
    login("cat")
    flag(client, mod_forum.reply_ann_id, "harassment")
    with app.app_context():
        items = items_for(mod_forum.reply_ann_id)
        assert [(i.id == first, i.status) for i in items] == [(True, "resolved"), (False, "open")]
        assert [f.is_open for f in items[0].flags] == [False]


def _flag_by(client, login, post_id, *names):
    for name in names:
        login(name)
        flag(client, post_id, "harassment", f"flag from {name}")


def test_three_distinct_flags_hide_the_post_at_once(app, client, mod_forum, login, mailbox):
    with app.app_context():
        before = counters(mod_forum.thread_id, mod_forum.ids["ann"])
    _flag_by(client, login, mod_forum.reply_ann_id, "bob", "cat")
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "visible"
        assert notices(mod_forum.ids["ann"]) == []

    _flag_by(client, login, mod_forum.reply_ann_id, "dan")

    with app.app_context():
        post = db.session.get(Post, mod_forum.reply_ann_id)
        assert post.status == "hidden"
        after = counters(mod_forum.thread_id, mod_forum.ids["ann"])
        assert after.thread_posts == before.thread_posts - 1
        assert after.category_posts == before.category_posts - 1
        assert after.user_posts == before.user_posts - 1
        assert counter_mismatches() == []
        [hidden] = audit_rows("auto_hide")
        assert (hidden.actor_id, hidden.target_id) == (None, post.id)
        assert open_item(post.id).status == "open"
        [notice] = notices(mod_forum.ids["ann"])
    page = text(client.get(f"/t/{mod_forum.thread_id}"))  # dan, a member
    assert "answer about snacks" not in page and "hidden by a moderator" in page

    # The author is told, and never who flagged.
    [email] = mailbox.to(mod_forum.emails["ann"])
    for said in (notice.message, email_text(email)):
        for name in ("bob", "cat", "dan"):
            assert mod_forum.emails[name] not in said
            assert name.capitalize() not in said and "Reporter" not in said
            assert f"flag from {name}" not in said


@pytest.mark.parametrize("app_overrides", [{"FLAGS_TO_HIDE": 2}])
def test_the_auto_hide_threshold_is_configurable(app, client, mod_forum, login):
    _flag_by(client, login, mod_forum.reply_ann_id, "bob", "cat")
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "hidden"


def test_flags_closed_by_a_dismissal_do_not_count_towards_hiding(app, client, mod_forum, login):
    _flag_by(client, login, mod_forum.reply_ann_id, "bob", "cat")
    login("mod")
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
    act(client, item_id, "dismiss")
    _flag_by(client, login, mod_forum.reply_ann_id, "dan")
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "visible"


def test_held_or_hidden_posts_cannot_be_flagged(app, client, mod_forum, login):
    _flag_by(client, login, mod_forum.reply_ann_id, "bob", "cat", "dan")  # now hidden
    login("mod2")  # a member in type-1: mod2 leads type-2 only
    assert client.get(f"/p/{mod_forum.reply_ann_id}/flag").status_code == 403


def test_the_author_never_learns_who_flagged_after_any_outcome(app, client, mod_forum, login,
                                                              mailbox):
    _flag_by(client, login, mod_forum.reply_ann_id, "bob")
    login("mod")
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
    act(client, item_id, "remove", reason="Please keep it kind")
    login("ann")
    # The moderators' messages on the notifications page (Bob's own reply in the thread
    # Ann follows is there too, as it should be, and says nothing about the flag).
    page = "".join(re.findall(r'<li class="notification[^>]*>(?:(?!</li>).)*From the '
                              r'moderators(?:(?!</li>).)*</li>',
                              text(client.get("/notifications")), re.S))
    assert "Please keep it kind" in page
    emails = mailbox.to(mod_forum.emails["ann"])
    assert emails
    for said in [page] + [email_text(m) for m in emails]:
        assert "Bob" not in said and "bob@example.test" not in said
        assert "flag from bob" not in said
