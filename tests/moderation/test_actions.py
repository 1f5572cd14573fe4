"""Every action on a review item: its effect on the post, what members see, the counters,
the item itself, exactly one audit entry, and the author's notice and email."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Post, PostRevision, ReviewItem, Thread, User
from forum.moderation.services import PERMANENT
from tests.helpers import (
    act,
    audit_rows,
    counter_mismatches,
    counters,
    email_text,
    flag,
    newest_post,
    notices,
    open_item,
    text,
)

ANN_TEXT = "answer about snacks"
REASON = "Please keep advice to your own experience"


@pytest.fixture
def flagged(app, client, mod_forum, login):
    """Bob flags Ann's reply; returns the open item's id (logged in as the moderator)."""
    login("bob")
    flag(client, mod_forum.reply_ann_id, "harassment", "Bob thinks this is rude")
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
    login("mod")
    return item_id


# action, form fields, post status after, member sees the text?, visible-count delta,
# outcome, (audit action, target type), notice kind, words in the notice
ACTIONS = [
    ("dismiss", {"reason": "Fine as it is"}, "visible", True, 0, "dismissed",
     ("dismiss", "post"), "dismissed", "left it up"),
    ("hide", {"reason": REASON}, "hidden", False, -1, "hidden", ("hide", "post"), "hidden",
     REASON),
    ("remove", {"reason": REASON}, "removed", False, -1, "removed", ("remove", "post"),
     "removed", REASON),
    ("edit", {"body": "Ann's answer, edited by a moderator", "reason": REASON}, "visible", True,
     0, "edited", ("edit", "post"), "edited", REASON),
    ("lock", {"reason": "Going round in circles"}, "visible", True, 0, "locked",
     ("lock", "thread"), "locked", "Going round in circles"),
    ("warn", {"reason": REASON}, "visible", True, 0, "warned", ("warn", "user"), "warning",
     REASON),
    ("suspend", {"days": "3", "reason": REASON}, "visible", True, 0, "suspended",
     ("suspend", "user"), "suspension", "suspended for 3 days"),
]


@pytest.mark.parametrize(("action", "fields", "status", "member_sees", "delta", "outcome",
                          "audited", "notice_kind", "notice_words"),
                         ACTIONS, ids=[a[0] for a in ACTIONS])
def test_action_on_a_flagged_post(app, client, mod_forum, login, flagged, mailbox, frozen_clock,
                                  action, fields, status, member_sees, delta, outcome, audited,
                                  notice_kind, notice_words):
    with app.app_context():
        before = counters(mod_forum.thread_id, mod_forum.ids["ann"])
        audits_before = len(audit_rows())
    frozen_clock.advance(minutes=7)

    response = act(client, flagged, action, **fields)

    assert response.status_code == 302 and response.location == "/mod/"
    with app.app_context():
        item = db.session.get(ReviewItem, flagged)
        post = db.session.get(Post, mod_forum.reply_ann_id)
        assert post.status == status
        assert (item.status, item.outcome) == ("resolved", outcome)
        assert item.resolved_by_id == mod_forum.ids["mod"] == item.claimed_by_id
        assert item.resolved_at == frozen_clock.now
        assert [f.is_open for f in item.flags] == [False]
        after = counters(mod_forum.thread_id, mod_forum.ids["ann"])
        assert after.thread_posts - before.thread_posts == delta
        assert after.category_posts - before.category_posts == delta
        assert after.user_posts - before.user_posts == delta
        assert counter_mismatches() == []
        # exactly one audit entry, by the moderator, in the category
        new = audit_rows()[audits_before:]
        assert [(e.action, e.target_type, e.actor_id, e.category_id) for e in new] == [
            (*audited, mod_forum.ids["mod"], mod_forum.type1_id)]
        [notice] = notices(mod_forum.ids["ann"])
        assert notice.kind == notice_kind and notice_words in notice.message
        assert notice.post_id == post.id
    [email] = mailbox.to(mod_forum.emails["ann"])
    said = email_text(email)
    assert notice_words in said
    assert "/notifications" in said
    assert "Bob" not in said and "rude" not in said

    # What a member reading the thread sees
    login("cat")
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    shown = "edited by a moderator" if action == "edit" else ANN_TEXT
    assert (shown in page) is member_sees
    # The author still sees their own post, with its status
    login("ann")
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    assert shown in page
    if status in ("hidden", "removed"):
        assert f"it was {status} by a moderator" in page

    # Acting again on the closed item is a conflict, and changes nothing
    login("mod")
    assert act(client, flagged, "hide", reason="again").status_code == 409
    assert client.post(f"/mod/items/{flagged}/claim").status_code == 409
    with app.app_context():
        assert len(audit_rows()) == audits_before + 1


def test_a_hidden_post_restored_by_dismissal_counts_again(app, client, mod_forum, login):
    for who in ("bob", "cat", "dan"):  # three flags hide it at once
        login(who)
        flag(client, mod_forum.reply_ann_id, "spam")
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
        hidden = counters(mod_forum.thread_id, mod_forum.ids["ann"])
    login("mod")
    act(client, item_id, "dismiss")
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).status == "visible"
        restored = counters(mod_forum.thread_id, mod_forum.ids["ann"])
        assert restored.thread_posts == hidden.thread_posts + 1
        assert "visible again" in notices(mod_forum.ids["ann"])[-1].message
        assert counter_mismatches() == []


def test_moderator_edit_keeps_the_original_as_a_revision(app, client, mod_forum, login, flagged):
    act(client, flagged, "edit", body="A kinder version", reason=REASON)
    with app.app_context():
        post = db.session.get(Post, mod_forum.reply_ann_id)
        [revision] = db.session.query(PostRevision).filter_by(post_id=post.id).all()
        assert revision.body_source == "Ann's answer about snacks"
        assert revision.editor_id == mod_forum.ids["mod"]  # who made the change it preserves
        assert post.body_source == "A kinder version" and post.edited_at is not None
        [entry] = audit_rows("edit")
        # The entry names the revision holding the old text instead of copying it, so a
        # later redaction leaves no copy in the append-only log.
        assert json.loads(entry.before) == {"status": "visible", "revision_id": revision.id}
        assert "snacks" not in entry.before + entry.after and "kinder" not in entry.after
    page = text(client.get(f"/p/{mod_forum.reply_ann_id}/history"))
    assert "answer about snacks" in page


def test_an_opening_post_removed_unlists_its_thread(app, client, mod_forum, login):
    login("bob")
    flag(client, mod_forum.opening_id, "spam")
    with app.app_context():
        item_id = open_item(mod_forum.opening_id).id
        threads_before = db.session.get(Thread, mod_forum.thread_id).category.thread_count
    login("mod")
    act(client, item_id, "remove", reason="Advertising")
    with app.app_context():
        thread = db.session.get(Thread, mod_forum.thread_id)
        assert not thread.is_listed
        assert thread.category.thread_count == threads_before - 1
        assert counter_mismatches() == []
    login("bob")
    assert client.get(f"/t/{mod_forum.thread_id}").status_code == 404
    assert "Night-time hypos" not in text(client.get("/c/type-1"))
    login("ann")
    assert client.get(f"/t/{mod_forum.thread_id}").status_code == 200


INVALID = [
    ("hide", {}, "Please give a reason."),
    ("remove", {"reason": ""}, "Please give a reason."),
    ("warn", {}, "Please give a reason."),
    ("edit", {"body": "", "reason": "x"}, "The post can&#39;t be empty."),
    ("suspend", {"days": "0", "reason": "x"}, "Choose between 1 and 3,650 days."),
]


def test_actions_need_their_fields(app, client, mod_forum, flagged):
    for action, fields, error in INVALID:
        response = act(client, flagged, action, **fields)
        assert response.status_code == 400, action
        assert error in text(response), action
    with app.app_context():
        assert db.session.get(ReviewItem, flagged).status == "open"
        assert audit_rows() == []


def test_unknown_action_is_404(client, flagged):
    assert act(client, flagged, "explode", reason="x").status_code == 404


# --- suspensions ---------------------------------------------------------------------------

def test_moderators_suspend_for_seven_days_at_most(app, client, mod_forum, flagged):
    for days in ("8", "30", ""):  # "" would be permanent
        response = act(client, flagged, "suspend", days=days, reason=REASON)
        assert response.status_code == 400
        assert "Moderators can suspend for 7 days at most; ask an admin." in text(response)
    with app.app_context():
        assert db.session.get(User, mod_forum.ids["ann"]).suspended_until is None
        assert db.session.get(ReviewItem, flagged).status == "open"
        assert audit_rows() == [] and notices(mod_forum.ids["ann"]) == []


def test_moderator_suspends_for_seven_days_and_the_author_cannot_post(app, client, mod_forum,
                                                                     login, flagged,
                                                                     frozen_clock):
    assert act(client, flagged, "suspend", days="7", reason=REASON).status_code == 302
    with app.app_context():
        until = db.session.get(User, mod_forum.ids["ann"]).suspended_until
        assert until == frozen_clock.now + timedelta(days=7)
    login("ann")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Let me back"})
    assert response.status_code == 403
    assert "Your account is suspended" in text(response)
    assert client.post("/c/type-1/new", data={"title": "Hello again",
                                              "body": "Hello"}).status_code == 403
    frozen_clock.advance(days=7, minutes=1)
    login("ann")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Back again"})
    assert response.status_code == 302


@pytest.mark.parametrize(("days", "expected", "words"), [
    ("", "permanent", "suspended permanently"),
    ("90", "90 days", "suspended for 90 days"),
])
def test_admins_suspend_for_any_length_or_permanently(app, client, mod_forum, login, flagged,
                                                      frozen_clock, days, expected, words):
    login("admin")
    assert act(client, flagged, "suspend", days=days, reason=REASON).status_code == 302
    with app.app_context():
        until = db.session.get(User, mod_forum.ids["ann"]).suspended_until
        assert until == (PERMANENT if expected == "permanent"
                         else frozen_clock.now + timedelta(days=90))
        assert words in notices(mod_forum.ids["ann"])[-1].message
        [entry] = audit_rows("suspend")
        assert entry.actor_id == mod_forum.ids["admin"]
    frozen_clock.advance(days=365 * 5)
    login("ann")
    blocked = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "x y z"})
    assert blocked.status_code == (403 if expected == "permanent" else 302)


# --- locking from an item ---------------------------------------------------------------------

def test_lock_from_an_item_closes_the_thread_to_members(app, client, mod_forum, login, flagged):
    act(client, flagged, "lock", reason="Heated")
    with app.app_context():
        assert db.session.get(Thread, mod_forum.thread_id).is_locked
    login("bob")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "One more"})
    assert response.status_code == 403
    assert "closed to new replies" in text(client.get(f"/t/{mod_forum.thread_id}"))
    login("mod")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Moderator note"})
    assert response.status_code == 302


# --- held posts: approve or reject; nothing may strand them -------------------------------------

@pytest.fixture
def held(app, client, mod_forum, login):
    """A crisis reply by Ann, held; returns its item id (logged in as the moderator)."""
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "I want to end it all"})
    with app.app_context():
        post = newest_post()
        assert post.status == "pending"
        item_id = open_item(post.id).id
    login("mod")
    return item_id


def test_held_item_page_offers_approve_and_reject(client, held):
    page = text(client.get(f"/mod/items/{held}"))
    assert "Approve and publish" in page and "Reject with feedback" in page
    assert "Dismiss flags" not in page and "Hide the post" not in page
    assert "Crisis" in page and "I want to end it all" in page


def test_actions_that_would_strand_a_held_post_are_refused(app, client, held):
    for action in ("dismiss", "hide", "remove", "edit"):
        assert act(client, held, action, reason="x", body="y").status_code == 409, action
    with app.app_context():
        item = db.session.get(ReviewItem, held)
        assert item.status == "open" and item.post.status == "pending"


def test_flagged_posts_cannot_be_approved_or_rejected(client, flagged):
    for action in ("approve", "reject"):
        assert act(client, flagged, action, reason="x").status_code == 409, action


def test_warning_about_a_held_post_keeps_the_item_open(app, client, mod_forum, login, held):
    response = act(client, held, "warn", reason="Please talk to us first")
    assert response.status_code == 302 and response.location == f"/mod/items/{held}"
    with app.app_context():
        item = db.session.get(ReviewItem, held)
        assert item.status == "open" and item.claimed_by_id == mod_forum.ids["mod"]
        assert [e.action for e in audit_rows()] == ["warn"]
    assert act(client, held, "approve").status_code == 302
    with app.app_context():
        item = db.session.get(ReviewItem, held)
        assert (item.status, item.outcome, item.post.status) == ("resolved", "approved",
                                                                 "visible")
        assert [e.action for e in audit_rows()] == ["warn", "approve"]
        assert counter_mismatches() == []
    login("bob")
    assert "I want to end it all" in text(client.get(f"/t/{mod_forum.thread_id}"))


def test_suspended_moderator_loses_powers(app, frozen_clock):
    from datetime import timedelta

    from forum import permissions
    from forum.clock import utcnow
    from forum.extensions import db
    from tests.factories import make_category, make_moderator

    with app.app_context():
        category = make_category()
        moderator = make_moderator(categories=[category])
        assert permissions.can_moderate(moderator, category)
        moderator.suspended_until = utcnow() + timedelta(days=2)
        db.session.flush()
        assert not permissions.can_moderate(moderator, category)
        assert not permissions.is_active_moderator(moderator)


def test_moderators_cannot_suspend_staff(app):
    import pytest

    from forum.moderation import services
    from tests.factories import make_category, make_moderator, make_thread, make_user

    with app.app_context():
        category = make_category()
        moderator = make_moderator(categories=[category])
        for author in (make_user(role="admin"), make_moderator(categories=[category])):
            thread = make_thread(category=category, author=author)
            item = services.open_review_item(thread.posts[0], source="flags", reason="spam")
            with pytest.raises(services.CannotSuspendStaff):
                services.suspend(item, moderator=moderator, days=1, reason="test")
            assert author.suspended_until is None
