"""The safety net around a member's post, through HTTP: blocked, held for a crisis (with
the supportive page and the alert email), contact details, and pre-moderation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Post, ReviewItem, Thread, User
from tests.factories import make_user
from tests.helpers import (
    act,
    count,
    counter_mismatches,
    email_text,
    newest_post,
    notices,
    open_item,
    row_counts,
    text,
)

CONTACTS = [("Emergency services", "call 999 or 112"),
            ("Example helpline", "01632 960000, weekdays 9am to 6pm")]
CRISIS_REPLY = "Sorry to hijack. I can\u2019t bring my low up, third juice box and still 2.9"
CRISIS_MARKER = "third juice box"


@pytest.fixture
def app_overrides():
    return {"CRISIS_CONTACTS": CONTACTS}


def _reply(client, thread_id, body, **extra):
    return client.post(f"/t/{thread_id}/reply", data={"body": body} | extra)


def _new_thread(client, slug, title, body, **extra):
    return client.post(f"/c/{slug}/new", data={"title": title, "body": body} | extra)


# --- block -------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["reply", "thread"])
def test_block_phrase_is_refused_with_a_reason_and_nothing_saved(app, client, mod_forum, login,
                                                                where):
    login("ann")
    with app.app_context():
        before = row_counts()
    body = "Selling insulin, 5 pens, collection only"
    response = (_reply(client, mod_forum.thread_id, body) if where == "reply"
                else _new_thread(client, "type-1", "Spare pens", body))

    assert response.status_code == 400
    assert "looks like prescription trading" in text(response)
    assert body in text(response)  # the member's text is kept for editing
    with app.app_context():
        assert row_counts() == before
        assert count(ReviewItem) == 0


# --- crisis ------------------------------------------------------------------------------

def test_crisis_reply_is_held_with_a_supportive_page_and_an_alert(app, client, mod_forum, login,
                                                                 mailbox):
    login("ann")
    response = _reply(client, mod_forum.thread_id, CRISIS_REPLY)

    with app.app_context():
        post = newest_post()
        item = open_item(post.id)
        assert post.status == "pending" and post.body_source == CRISIS_REPLY
        assert (item.priority, item.is_crisis, item.reason, item.source) == (
            0, True, "risk_of_harm", "watched_phrase")
        assert item.matched_phrase == "cant bring my low up"
        assert item.alerted_at is not None
        post_id, item_id = post.id, item.id
        assert counter_mismatches() == []

    assert response.status_code == 302
    assert response.location == f"/support/{post_id}"
    page = text(client.get(response.location))
    assert "Thank you for telling us" in page and "What happens next" in page
    for name, detail in CONTACTS:
        assert name in page and detail in page

    # The on-duty moderator of that category hears at once, with a link and no post text.
    [alert] = mailbox.to(mod_forum.emails["mod"])
    body = email_text(alert)
    assert f"/mod/items/{item_id}" in body
    assert CRISIS_MARKER not in body and "juice" not in body
    assert "Ann" not in body
    # Nobody else: not the other category's moderator, not the lapsed one, not admins.
    for name in ("mod2", "lapsed", "admin", "admin2", "ann"):
        assert mailbox.to(mod_forum.emails[name]) == [], name

    # Others see a placeholder; the author and the moderator see the post with its status.
    login("bob")
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    assert CRISIS_MARKER not in page and "waiting for a moderator" in page
    login("mod")
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    assert CRISIS_MARKER in page and "Moderator view: this post is waiting for review" in page


def test_support_page_is_only_for_the_author(app, client, mod_forum, login):
    login("ann")
    _reply(client, mod_forum.thread_id, CRISIS_REPLY)
    with app.app_context():
        post_id = newest_post().id
    login("bob")
    assert client.get(f"/support/{post_id}").status_code == 404


def test_crisis_opening_post_unlists_the_thread_for_everyone_else(app, client, mod_forum, login):
    login("ann")
    with app.app_context():
        threads_before = db.session.get(Category, mod_forum.type1_id).thread_count
    response = _new_thread(client, "type-1", "Tonight", "I keep thinking I want to die")
    with app.app_context():
        thread = db.session.scalar(select(Thread).filter_by(title="Tonight"))
        thread_id, post = thread.id, thread.posts[0]
        assert response.location == f"/support/{post.id}"
        assert not thread.is_listed and post.status == "pending"
        assert thread.category.thread_count == threads_before
        assert open_item(post.id).is_crisis

    assert client.get(f"/t/{thread_id}").status_code == 200  # the author
    assert "Tonight" in text(client.get("/c/type-1"))
    login("bob")
    assert client.get(f"/t/{thread_id}").status_code == 404
    assert "Tonight" not in text(client.get("/c/type-1"))
    assert "Tonight" not in text(client.get("/"))
    assert "Tonight" not in text(client.get(f"/members/{mod_forum.ids['ann']}"))
    login("mod")
    assert client.get(f"/t/{thread_id}").status_code == 200


def test_with_no_moderator_on_duty_the_admins_are_alerted(app, client, mod_forum, login,
                                                         mailbox):
    login("ann")  # type-2's moderator is off duty
    response = _reply(client, mod_forum.thread2_id, "Honestly I am better off dead")
    assert response.status_code == 302 and response.location.startswith("/support/")
    assert mailbox.to(mod_forum.emails["mod2"]) == []
    for admin in ("admin", "admin2"):
        [alert] = mailbox.to(mod_forum.emails[admin])
        assert "/mod/items/" in email_text(alert)
        assert "better off dead" not in email_text(alert)


def test_crisis_phrase_is_held_even_when_a_block_phrase_also_matches(app, client, mod_forum,
                                                                    login, mailbox):
    login("ann")
    response = _reply(client, mod_forum.thread_id,
                      "Selling insulin, I won't need it, I want to kill myself")
    assert response.status_code == 302 and response.location.startswith("/support/")
    with app.app_context():
        post = newest_post()
        assert post.status == "pending" and open_item(post.id).is_crisis
    assert len(mailbox.to(mod_forum.emails["mod"])) == 1


def test_editing_a_post_into_a_crisis_holds_it(app, client, mod_forum, login, mailbox):
    login("ann")
    response = client.post(f"/p/{mod_forum.reply_ann_id}/edit",
                           data={"body": "Actually I feel suicidal tonight"})
    assert response.location == f"/support/{mod_forum.reply_ann_id}"
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "pending"
        assert open_item(mod_forum.reply_ann_id).priority == 0
        assert counter_mismatches() == []
    assert len(mailbox.to(mod_forum.emails["mod"])) == 1


def test_edits_are_rescreened_and_a_held_crisis_stays_held(app, client, mod_forum, login,
                                                            mailbox):
    """The risk engine (not only phrases) reads an edit; editing a held crisis post into
    harmless words neither publishes it nor closes its item: a moderator decides."""
    login("ann")
    edit = f"/p/{mod_forum.reply_ann_id}/edit"
    response = client.post(edit, data={"body": "I've been saving up all my lantus pens. "
                                               "Tonight I'm going to take every one of them."})
    assert response.location == f"/support/{mod_forum.reply_ann_id}"
    with app.app_context():
        item = open_item(mod_forum.reply_ann_id)
        assert (item.is_crisis, item.source, item.risk_kind) == (True, "screening", "emotional")
        assert item.risk_evidence
    response = client.post(edit, data={"body": "Sorry, ignore me. Snacks are fine."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "pending"
        again = open_item(mod_forum.reply_ann_id)
        assert (again.id, again.is_crisis, again.status) == (item.id, True, "open")
        assert counter_mismatches() == []
    assert len(mailbox.to(mod_forum.emails["mod"])) == 1  # alerted once, not per edit


def test_editing_a_post_into_a_concern_opens_a_check_in(app, client, mod_forum, login):
    login("ann")
    response = client.post(f"/p/{mod_forum.reply_ann_id}/edit",
                           data={"body": "Honestly I'm so burnt out with diabetes, I've "
                                         "stopped checking my levels at all this week."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "visible"
        item = open_item(mod_forum.reply_ann_id)
        assert (item.reason, item.is_crisis) == ("check_in", False)


# --- contact details ----------------------------------------------------------------------

def test_contact_details_prompt_first_then_post_and_queue(app, client, mod_forum, login):
    login("ann")
    with app.app_context():
        before = row_counts()
    body = "Happy to chat, ring me on 07700 900123 or jo@example.com"
    response = _reply(client, mod_forum.thread_id, body)

    assert response.status_code == 200
    page = text(response)
    assert "Before you post: this includes email address and phone number" in page
    assert "post it anyway" in page
    with app.app_context():
        assert row_counts() == before

    response = _reply(client, mod_forum.thread_id, body, share_anyway="y")
    assert response.status_code == 302
    with app.app_context():
        post = newest_post()
        item = open_item(post.id)
        assert post.status == "visible" and post.body_source == body
        assert (item.reason, item.priority, item.is_crisis) == ("personal_info", 2, False)
        assert counter_mismatches() == []


def test_no_prompt_for_numbers_that_are_not_contact_details(app, client, mod_forum, login):
    login("ann")
    response = _reply(client, mod_forum.thread_id, "Readings 5.6 7.8 9.1 6.2 4.4 on 2024-03-12")
    assert response.status_code == 302
    with app.app_context():
        assert open_item(newest_post().id) is None


# --- pre-moderation -------------------------------------------------------------------------

PREMOD = {"PREMODERATION_POSTS": 2, "CRISIS_CONTACTS": CONTACTS}


@pytest.fixture
def newcomer(app, mod_forum):
    with app.app_context():
        user = make_user(email="newbie@example.test", display_name="New Bie")
        db.session.commit()
        mod_forum.emails["newbie"] = user.email
        mod_forum.ids["newbie"] = user.id
    return "newbie"


def _thread_counts(app, mod_forum):
    with app.app_context():
        thread = db.session.get(Thread, mod_forum.thread_id)
        return thread.post_count, thread.reply_count, thread.category.post_count


@pytest.mark.parametrize("app_overrides", [PREMOD])
def test_new_members_first_posts_wait_for_review(app, client, mod_forum, login, newcomer,
                                                 mailbox):
    login(newcomer)
    before = _thread_counts(app, mod_forum)
    first = _reply(client, mod_forum.thread_id, "First words from a newcomer")
    assert first.status_code == 302
    assert "waiting for a trained peer moderator" in text(client.get(first.location))
    _reply(client, mod_forum.thread_id, "Second words from a newcomer")

    with app.app_context():
        posts = db.session.scalars(select(Post).filter_by(author_id=mod_forum.ids[newcomer])
                                   .order_by(Post.id)).all()
        assert [p.status for p in posts] == ["pending", "pending"]
        items = [open_item(p.id) for p in posts]
        assert [(i.source, i.is_crisis) for i in items] == [("pre_moderation", False)] * 2
        first_id, second_id = posts[0].id, posts[1].id
        first_item, second_item = items[0].id, items[1].id
    assert _thread_counts(app, mod_forum) == before
    assert mailbox.messages == []  # not a crisis: no alert

    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    assert "First words from a newcomer" in page
    assert "Only you and the moderators can see this post for now" in page
    login("bob")
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    assert "First words" not in page and "Second words" not in page
    assert page.count("This post is waiting for a moderator's review.") == 2

    # Approve the first: visible, counted, author told.
    login("mod")
    assert act(client, first_item, "approve").status_code == 302
    assert _thread_counts(app, mod_forum) == tuple(n + 1 for n in before)
    # Reject the second with feedback: removed, not counted, feedback sent.
    assert act(client, second_item, "reject",
               reason="Please don't share clinic names").status_code == 302
    assert _thread_counts(app, mod_forum) == tuple(n + 1 for n in before)

    with app.app_context():
        assert db.session.get(Post, first_id).status == "visible"
        assert db.session.get(Post, second_id).status == "removed"
        assert db.session.get(User, mod_forum.ids[newcomer]).post_count == 1
        assert counter_mismatches() == []
        assert [n.kind for n in notices(mod_forum.ids[newcomer])] == ["approved", "rejected"]
    emails = mailbox.to(mod_forum.emails[newcomer])
    assert len(emails) == 2
    assert "Please don't share clinic names" in email_text(emails[1])

    login("bob")
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    assert "First words from a newcomer" in page and "Second words" not in page
    login(newcomer)
    page = text(client.get("/notifications"))
    assert "Their feedback: Please don&#39;t share clinic names" in page
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    assert "it was removed by a moderator" in page


@pytest.mark.parametrize("app_overrides", [PREMOD])
def test_after_two_approved_posts_a_member_posts_freely(app, client, mod_forum, login,
                                                        newcomer):
    login(newcomer)
    for n in (1, 2):
        _reply(client, mod_forum.thread_id, f"Newcomer post number {n}")
        with app.app_context():
            item_id = open_item(newest_post().id).id
        login("mod")
        act(client, item_id, "approve")
        login(newcomer)
    _reply(client, mod_forum.thread_id, "Newcomer post number 3")
    with app.app_context():
        post = newest_post()
        assert post.status == "visible" and open_item(post.id) is None


@pytest.mark.parametrize("app_overrides", [PREMOD])
def test_premoderated_opening_post_lists_the_thread_once_approved(app, client, mod_forum, login,
                                                                  newcomer):
    login(newcomer)
    _new_thread(client, "type-1", "Hello from a newcomer", "Just diagnosed, hello all")
    with app.app_context():
        thread = db.session.scalar(select(Thread).filter_by(title="Hello from a newcomer"))
        thread_id, item_id = thread.id, open_item(thread.posts[0].id).id
    login("bob")
    assert client.get(f"/t/{thread_id}").status_code == 404
    login("mod")
    act(client, item_id, "approve")
    login("bob")
    assert "Just diagnosed, hello all" in text(client.get(f"/t/{thread_id}"))
    with app.app_context():
        assert counter_mismatches() == []


# --- the risk engine ---------------------------------------------------------------------

@pytest.mark.parametrize("body, kind", [
    ("I've stopped taking my lantus on purpose, I just want the weight off", "medical"),
    ("honestly thinking of injecting all my pens tonight", "emotional"),
])
def test_engine_crisis_without_any_phrase_holds_alerts_and_shows_evidence(
        app, client, mod_forum, login, mailbox, body, kind):
    login("ann")
    response = _reply(client, mod_forum.thread_id, body)
    with app.app_context():
        post = newest_post()
        item = open_item(post.id)
        assert response.location == f"/support/{post.id}"
        assert post.status == "pending"
        assert (item.is_crisis, item.reason, item.source, item.risk_kind) == (
            True, "risk_of_harm", "screening", kind)
        assert item.risk_evidence and item.alerted_at is not None
        item_id, evidence = item.id, item.evidence_items
    assert mailbox.to(mod_forum.emails["mod"])
    login("mod")
    page = text(client.get(f"/mod/items/{item_id}"))
    assert "Why the screener raised it" in page
    assert ("Emotional" if kind == "emotional" else "Medical") in page
    for line in evidence:
        assert line.split(":")[0] in page


def test_concern_is_published_with_a_check_in_item_and_no_alert(app, client, mod_forum, login,
                                                                mailbox):
    login("ann")
    body = "So burnt out. Haven't scanned my libre in days, what's the point"
    response = _reply(client, mod_forum.thread_id, body)
    with app.app_context():
        post = newest_post()
        item = open_item(post.id)
        assert post.status == "visible"
        assert response.location != f"/support/{post.id}"
        assert (item.is_crisis, item.reason, item.source) == (False, "check_in", "screening")
        assert item.priority == 2 and "hopelessness" in item.risk_evidence
        item_id = item.id
    assert mailbox.to(mod_forum.emails["mod"]) == []
    login("mod")
    page = text(client.get(f"/mod/items/{item_id}"))
    assert "Check-in" in page and "please check in with the member" in page


def test_crisis_phrase_in_a_safe_context_publishes_with_a_check_in(app, client, mod_forum,
                                                                   login, mailbox):
    login("ann")
    _reply(client, mod_forum.thread_id, "I was in DKA two years ago after a bug, fine now")
    with app.app_context():
        post = newest_post()
        item = open_item(post.id)
        assert post.status == "visible"
        assert (item.is_crisis, item.reason, item.matched_phrase) == (False, "check_in", "dka")
    assert mailbox.to(mod_forum.emails["mod"]) == []


def test_members_cannot_flag_with_the_screeners_check_in_reason(app, client, mod_forum, login):
    login("bob")
    assert 'value="check_in"' not in text(client.get(f"/p/{mod_forum.reply_ann_id}/flag"))
    response = client.post(f"/p/{mod_forum.reply_ann_id}/flag",
                           data={"reason": "check_in", "message": ""})
    assert response.status_code in (200, 400)
    with app.app_context():
        assert open_item(mod_forum.reply_ann_id) is None
