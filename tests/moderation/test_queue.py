"""Who reaches the review queue and what it lists: access on every moderation and admin
route, categories, lapsed training, ordering, filters and the item page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Thread, User, WatchedPhrase
from forum.moderation import services
from forum.permissions import current_training
from tests.factories import make_moderator, make_post, make_thread
from tests.helpers import act, flag, item_links, open_item, text

ARG_VALUES = {"item_id": "item", "thread_id": "thread", "user_id": "user", "phrase_id": "phrase",
              "action": "dismiss", "tool": "pin"}


@pytest.fixture
def staff_urls(app, mod_forum, client, login):
    """(method, url) for every rule under /mod and /admin, with real ids filled in."""
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    with app.app_context():
        ids = {"item": open_item(mod_forum.reply_ann_id).id, "thread": mod_forum.thread_id,
               "user": mod_forum.ids["ann"],
               "phrase": db.session.scalar(select(WatchedPhrase.id).limit(1))}
        urls = []
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith(("/mod", "/admin")):
                continue
            # Routes other features add under /admin get any id: the role check comes first.
            values = {arg: ARG_VALUES.get(arg, 1) for arg in rule.arguments}
            values = {k: ids.get(v, v) for k, v in values.items()}
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
            urls += [(method, path) for method in sorted(rule.methods & {"GET", "POST"})]
    assert len(urls) >= 20, urls
    return urls


@pytest.mark.parametrize("who", ["bob", "lapsed"])
def test_members_and_lapsed_moderators_get_403_on_every_staff_route(app, client, mod_forum,
                                                                    login, staff_urls, who):
    login(who)
    refused = {(m, u): getattr(client, m.lower())(u).status_code for m, u in staff_urls}
    assert {k: v for k, v in refused.items() if v != 403} == {}


def test_moderators_get_403_on_every_admin_route(app, client, mod_forum, login, staff_urls):
    login("mod")
    for method, url in staff_urls:
        if url.startswith("/admin"):
            assert getattr(client, method.lower())(url).status_code == 403, url


def test_visitors_are_sent_to_log_in(app, client, mod_forum, staff_urls):
    client.post("/auth/logout")
    for method, url in staff_urls:
        response = getattr(client, method.lower())(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/auth/login"), url


def _flag_thread2(client, login, mod_forum):
    login("bob")
    flag(client, mod_forum.thread2_post_id, "harassment", "")


def test_a_moderator_cannot_act_outside_their_categories(app, client, mod_forum, login):
    _flag_thread2(client, login, mod_forum)  # type-2, led by mod2
    with app.app_context():
        item_id = open_item(mod_forum.thread2_post_id).id
    login("mod")
    assert item_id not in item_links(text(client.get("/mod/")))
    assert client.get(f"/mod/items/{item_id}").status_code == 404
    assert client.post(f"/mod/items/{item_id}/claim").status_code == 404
    assert act(client, item_id, "hide", reason="no").status_code == 404
    assert client.post(f"/mod/threads/{mod_forum.thread2_id}/lock").status_code == 403
    assert client.get(f"/mod/threads/{mod_forum.thread2_id}/move").status_code == 403
    assert client.get(f"/mod/?category={mod_forum.type2_id}").status_code == 400
    with app.app_context():
        item = open_item(mod_forum.thread2_post_id)
        assert item.claimed_by_id is None and item.status == "open"

    login("mod2")  # its own moderator can
    assert item_id in item_links(text(client.get("/mod/")))
    assert act(client, item_id, "hide", reason="Please keep it kind").status_code == 302
    login("admin")  # and admins act everywhere
    assert item_id in item_links(text(client.get("/mod/?status=all")))


def test_a_moderator_with_no_category_has_no_powers(app, client, mod_forum, login):
    with app.app_context():
        make_moderator(email="idle@example.test", display_name="Idle Mod")
        db.session.commit()
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "idle@example.test",
                                     "password": "correct horse battery staple"})
    assert client.get("/mod/").status_code == 403


def test_training_lapsing_removes_powers_at_once(app, client, mod_forum, login, frozen_clock):
    with app.app_context():
        mod = db.session.get(User, mod_forum.ids["mod2"])
        training = current_training(mod)
        training.valid_until = frozen_clock.now.date() + timedelta(days=1)
        db.session.commit()
    login("mod2")
    assert client.get("/mod/").status_code == 200
    assert "Review queue" in text(client.get("/"))
    assert "Bea Twomod" in text(client.get("/c/type-2"))  # "Led by"

    frozen_clock.advance(days=2)

    assert client.get("/mod/").status_code == 403
    assert "/mod/" not in text(client.get("/"))
    assert "Led by" not in text(client.get("/c/type-2"))
    page = text(client.get(f"/t/{mod_forum.thread2_id}"))
    assert "Moderator tools" not in page
    assert client.post(f"/mod/threads/{mod_forum.thread2_id}/pin").status_code == 403


def test_a_lapsed_moderator_posts_as_a_member(app, client, mod_forum, login):
    with app.app_context():
        thread = db.session.get(Thread, mod_forum.thread_id)
        thread.is_locked = True
        db.session.commit()
    login("lapsed")  # leads type-1 on paper
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Still here"})
    assert response.status_code == 403  # locked threads are closed to members
    response = client.post("/c/type-1/new", data={"title": "Weekly check-in",
                                                  "body": "How was everyone's week?",
                                                  "moderator_led": "y"})
    assert response.status_code == 302
    assert "Moderator-led thread" not in text(client.get("/c/type-1/new"))
    with app.app_context():
        thread = db.session.scalar(select(Thread).filter_by(title="Weekly check-in"))
        assert thread.is_moderator_led is False
    login("mod")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Mod can reply"})
    assert response.status_code == 302


# --- ordering and filters ---------------------------------------------------------------------

@pytest.fixture
def queue_items(app, mod_forum, frozen_clock):
    """Items in type-1 of every priority, created a minute apart, oldest first in the list
    below; returns {name: item id}."""
    with app.app_context():
        people = {name: db.session.get(User, uid) for name, uid in mod_forum.ids.items()}
        type1 = db.session.get(Category, mod_forum.type1_id)
        food = db.session.get(Category, mod_forum.food_id)
        ids = {}
        specs = [("spam_old", type1, "spam"), ("harass", type1, "harassment"),
                 ("spam_new", type1, "spam"), ("medical", type1, "medical_advice"),
                 ("crisis", type1, "risk_of_harm"), ("food_other", food, "other")]
        thread = make_thread(category=type1, author=people["ann"], title="Queue thread")
        for name, category, reason in specs:
            frozen_clock.advance(minutes=1)
            target = thread if category is type1 else make_thread(category=food,
                                                                 author=people["ann"])
            post = make_post(target, author=people["ann"], body=f"Post for {name}")
            services.flag_post(post, reporter=people["bob"], reason=reason,
                               message="why" if reason == "other" else "", auto_hide_at=3)
            ids[name] = open_item(post.id).id
        db.session.commit()
        frozen_clock.advance(minutes=1)
        return ids


def test_queue_orders_by_priority_then_age(client, login, queue_items):
    login("mod")
    page = text(client.get("/mod/"))
    q = queue_items
    assert item_links(page) == [q["crisis"], q["medical"], q["harass"], q["spam_old"],
                                q["spam_new"], q["food_other"]]
    assert page.index("Crisis") < page.index("Harmful medical advice")


def test_queue_filters_by_category_reason_and_status(app, client, mod_forum, login, queue_items):
    q = queue_items
    login("mod")
    page = text(client.get(f"/mod/?category={mod_forum.food_id}"))
    assert item_links(page) == [q["food_other"]]
    assert item_links(text(client.get("/mod/?reason=spam"))) == [q["spam_old"], q["spam_new"]]
    assert act(client, q["spam_old"], "dismiss").status_code == 302
    assert item_links(text(client.get("/mod/?status=resolved"))) == [q["spam_old"]]
    assert q["spam_old"] not in item_links(text(client.get("/mod/")))
    everything = item_links(text(client.get("/mod/?status=all")))
    assert everything[-1] == q["spam_old"] and everything[0] == q["crisis"]  # open first
    assert client.get("/mod/?reason=nonsense").status_code == 400
    assert client.get("/mod/?status=deleted").status_code == 400


def test_moderators_see_only_their_categories_admins_everything(app, client, mod_forum, login,
                                                               queue_items):
    _flag_thread2(client, login, mod_forum)
    with app.app_context():
        other = open_item(mod_forum.thread2_post_id).id
    login("mod2")
    assert item_links(text(client.get("/mod/"))) == [other]
    login("admin")
    assert set(item_links(text(client.get("/mod/")))) == set(queue_items.values()) | {other}


# --- one item in context ------------------------------------------------------------------------

def test_item_page_shows_post_in_context_flags_and_history(app, client, mod_forum, login):
    for who, reason, message in [("bob", "harassment", "Rude to a newcomer"),
                                 ("cat", "other", "Feels like a pile-on")]:
        login(who)
        flag(client, mod_forum.reply_ann_id, reason, message)
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
    login("mod")
    page = text(client.get(f"/mod/items/{item_id}"))

    assert "Night-time hypos" in page  # thread title, with a link to the post
    assert f'href="/p/{mod_forum.reply_ann_id}"' in page
    # the reviewed post with the posts before it, in thread order
    order = [page.index(s) for s in ("Opening words about night-time hypos",
                                     "reply about basal", "answer about snacks")]
    assert order == sorted(order)
    assert "the reviewed post" in page
    # every flag with its reason and message (moderators may see who flagged)
    assert re.search(r"Harassment</strong> from Bob Reporter.*Rude to a newcomer", page)
    assert re.search(r"Other</strong> from Cat Reporter.*Feels like a pile-on", page)
    assert "Flags (2)" in page
    # the author's history
    assert "About the author" in page
    assert re.search(r"Ann Author</a>, joined", page)
    assert re.search(r"<dt>Posts</dt><dd>3 visible, 3 in all</dd>", page)
    # actions for a published post, not those for a held one
    for label in ("Dismiss flags", "Hide the post", "Remove the post", "Edit the post",
                  "Lock the thread", "Warn the author", "Suspend the author"):
        assert label in page
    assert "Approve and publish" not in page


def test_author_history_counts_earlier_outcomes(app, client, mod_forum, login):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    login("mod")
    with app.app_context():
        first = open_item(mod_forum.reply_ann_id).id
    act(client, first, "warn", reason="Keep on topic")
    login("cat")
    flag(client, mod_forum.opening_id, "spam")
    with app.app_context():
        second = open_item(mod_forum.opening_id).id
    login("mod")
    assert "warned: 1" in text(client.get(f"/mod/items/{second}"))


def test_claiming_records_who_and_when(app, client, mod_forum, login, frozen_clock):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
    frozen_clock.advance(minutes=4)
    login("mod")
    assert client.post(f"/mod/items/{item_id}/claim").status_code == 302
    login("admin")
    response = client.post(f"/mod/items/{item_id}/claim", follow_redirects=True)
    assert "Mo Derator claimed this item first" in text(response)
    with app.app_context():
        item = open_item(mod_forum.reply_ann_id)
        assert item.claimed_by_id == mod_forum.ids["mod"]
        assert item.claimed_at - item.created_at == timedelta(minutes=4)
    assert "Claimed by Mo Derator" in text(client.get("/mod/"))


def test_a_post_its_author_deleted_cannot_be_brought_back(app, client, mod_forum, login):
    """Flagged, then deleted by its author: a moderator may dismiss the item or act on
    the author, but no action publishes, hides, removes or edits the post again."""
    from forum.models import Post

    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    login("ann")
    assert client.post(f"/p/{mod_forum.reply_ann_id}/delete").status_code == 302
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
    login("mod")
    page = text(client.get(f"/mod/items/{item_id}"))
    assert f'action="/mod/items/{item_id}/dismiss"' in page
    for action in ("edit", "hide", "remove", "approve"):
        assert f'action="/mod/items/{item_id}/{action}"' not in page
        response = act(client, item_id, action, reason="Trying anyway", body="New words")
        assert response.status_code == 409, action
    with app.app_context():
        post = db.session.get(Post, mod_forum.reply_ann_id)
        assert post.status == "deleted_by_author" and open_item(post.id) is not None
        review = open_item(post.id)
        moderator = db.session.get(User, mod_forum.ids["mod"])
        with pytest.raises(services.AuthorDeleted):
            services.moderator_edit(review, moderator=moderator, body="New words",
                                    reason="Trying anyway")
        with pytest.raises(services.AuthorDeleted):
            services.hide(review, moderator=moderator, reason="Trying anyway")
        db.session.rollback()
    assert act(client, item_id, "dismiss", reason="Gone anyway").status_code == 302
