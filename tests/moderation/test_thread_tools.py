"""Moderators' thread tools (pin, lock, guide, move), "Led by" and moderator-led threads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Thread
from tests.factories import make_thread
from tests.helpers import audit_rows, counter_mismatches, flag, open_item, text

TOOLS = [
    ("pin", "is_pinned", False, True),
    ("lock", "is_locked", False, True),
    ("guide", "guide_id", None, "mod"),
]


@pytest.mark.parametrize(("tool", "field", "off", "on"), TOOLS, ids=[t[0] for t in TOOLS])
def test_thread_tool_and_its_undo(app, client, mod_forum, login, tool, field, off, on):
    login("mod")
    on = mod_forum.ids["mod"] if on == "mod" else on
    undo = {"pin": "unpin", "lock": "unlock", "guide": "unguide"}[tool]

    response = client.post(f"/mod/threads/{mod_forum.thread_id}/{tool}")
    assert response.status_code == 302 and response.location == f"/t/{mod_forum.thread_id}"
    with app.app_context():
        assert getattr(db.session.get(Thread, mod_forum.thread_id), field) == on
    page = text(client.get(f"/t/{mod_forum.thread_id}"))
    expected_badge = {"pin": "Pinned", "lock": "Closed to new replies",
                      "guide": "Guided by Mo Derator"}[tool]
    assert expected_badge in page

    client.post(f"/mod/threads/{mod_forum.thread_id}/{undo}")
    with app.app_context():
        assert getattr(db.session.get(Thread, mod_forum.thread_id), field) == off
        entries = audit_rows()
        assert [(e.action, e.target_type, e.target_id, e.actor_id, e.category_id)
                for e in entries] == [
            (tool, "thread", mod_forum.thread_id, mod_forum.ids["mod"], mod_forum.type1_id),
            (undo, "thread", mod_forum.thread_id, mod_forum.ids["mod"], mod_forum.type1_id)]
        key = "guide_id" if tool == "guide" else field
        assert json.loads(entries[0].before) == {key: off}
        assert json.loads(entries[0].after) == {key: on}
    assert expected_badge not in text(client.get(f"/t/{mod_forum.thread_id}"))


def test_pinned_threads_come_first(app, client, mod_forum, login):
    with app.app_context():
        make_thread(category=db.session.get(Category, mod_forum.type1_id), title="Newest thread")
        db.session.commit()
    login("mod")
    page = text(client.get("/c/type-1"))
    assert page.index("Newest thread") < page.index("Night-time hypos")
    client.post(f"/mod/threads/{mod_forum.thread_id}/pin")
    page = text(client.get("/c/type-1"))
    assert page.index("Night-time hypos") < page.index("Newest thread")


def test_tools_only_in_categories_one_leads(app, client, mod_forum, login):
    for who in ("mod2", "lapsed", "bob"):
        login(who)
        for tool in ("pin", "lock", "guide"):
            url = f"/mod/threads/{mod_forum.thread_id}/{tool}"
            assert client.post(url).status_code == 403, (who, tool)
        assert "Moderator tools" not in text(client.get(f"/t/{mod_forum.thread_id}"))
    with app.app_context():
        thread = db.session.get(Thread, mod_forum.thread_id)
        assert (thread.is_pinned, thread.is_locked, thread.guide_id) == (False, False, None)
        assert audit_rows() == []


def test_unknown_tool_is_404(client, mod_forum, login):
    login("mod")
    assert client.post(f"/mod/threads/{mod_forum.thread_id}/explode").status_code == 404


# --- moving -------------------------------------------------------------------------------------

def _category_counts(category_id):
    category = db.session.get(Category, category_id)
    return category.thread_count, category.post_count


def test_move_between_categories_one_leads_takes_counters_and_items(app, client, mod_forum,
                                                                   login):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")  # an open item travels with the thread
    with app.app_context():
        type1_before = _category_counts(mod_forum.type1_id)
        food_before = _category_counts(mod_forum.food_id)
    login("mod")
    page = text(client.get(f"/mod/threads/{mod_forum.thread_id}/move"))
    assert "Food and eating" in page and "Type 2" not in page  # only led categories

    response = client.post(f"/mod/threads/{mod_forum.thread_id}/move",
                           data={"category": mod_forum.food_id})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Thread, mod_forum.thread_id).category_id == mod_forum.food_id
        assert _category_counts(mod_forum.type1_id) == (type1_before[0] - 1, type1_before[1] - 3)
        assert _category_counts(mod_forum.food_id) == (food_before[0] + 1, food_before[1] + 3)
        assert counter_mismatches() == []
        assert open_item(mod_forum.reply_ann_id).category_id == mod_forum.food_id
        [entry] = audit_rows("move")
        assert json.loads(entry.before) == {"category_id": mod_forum.type1_id}
        assert entry.category_id == mod_forum.food_id
    assert "Night-time hypos" in text(client.get("/c/food"))
    assert "Night-time hypos" not in text(client.get("/c/type-1"))


def test_move_to_a_category_one_does_not_lead_is_refused(app, client, mod_forum, login):
    login("mod")
    response = client.post(f"/mod/threads/{mod_forum.thread_id}/move",
                           data={"category": mod_forum.type2_id})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Thread, mod_forum.thread_id).category_id == mod_forum.type1_id
        assert audit_rows() == []


def test_moved_items_follow_to_the_new_categorys_moderators(app, client, mod_forum, login):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    with app.app_context():
        item_id = open_item(mod_forum.reply_ann_id).id
    login("admin")  # admins move anywhere
    client.post(f"/mod/threads/{mod_forum.thread_id}/move", data={"category": mod_forum.type2_id})
    login("mod2")
    assert client.get(f"/mod/items/{item_id}").status_code == 200
    login("mod")
    assert client.get(f"/mod/items/{item_id}").status_code == 404


# --- "Led by" and moderator-led threads ----------------------------------------------------------

def test_category_page_shows_who_leads_it(client, mod_forum):
    page = text(client.get("/c/type-1"))
    assert "Led by" in page and "Mo Derator" in page
    assert "Lee Lapsed" not in page  # training expired
    page = text(client.get("/c/type-2"))
    assert "Bea Twomod" in page and "Mo Derator" not in page


@pytest.mark.parametrize(("who", "slug", "led"), [
    ("mod", "type-1", True),
    ("admin", "type-2", True),
    ("mod", "type-2", False),   # not a category mod leads
    ("ann", "type-1", False),   # members' checkbox is ignored
    ("lapsed", "type-1", False),
])
def test_moderator_led_threads(app, client, mod_forum, login, who, slug, led):
    login(who)
    form = text(client.get(f"/c/{slug}/new"))
    assert ("Moderator-led thread" in form) is led
    response = client.post(f"/c/{slug}/new", data={
        "title": "Weekly check-in", "body": "How has your week been?", "moderator_led": "y"})
    assert response.status_code == 302
    with app.app_context():
        thread = db.session.scalar(select(Thread).filter_by(title="Weekly check-in"))
        assert thread.is_moderator_led is led
        thread_id = thread.id
    assert ("Moderator-led" in text(client.get(f"/c/{slug}"))) is led
    assert ("Moderator-led" in text(client.get(f"/t/{thread_id}"))) is led
