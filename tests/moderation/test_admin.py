"""Program staff pages: training records, appointing moderators, category leads, watched
phrases (each with its audit entry), the health dashboard and recertification."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import CategoryModerator, ModeratorTraining, User, WatchedPhrase
from tests.factories import make_moderator, make_user
from tests.helpers import audit_rows, count, flag, newest_post, open_item, text


@pytest.fixture
def eve(app, mod_forum):
    """A member with no training, to appoint."""
    with app.app_context():
        user = make_user(email="eve@example.test", display_name="Eve Volunteer")
        db.session.commit()
        mod_forum.ids["eve"], mod_forum.emails["eve"] = user.id, user.email
        return user.id


def _training(client, user_id, completed: date, valid_until: date, **extra):
    return client.post(f"/admin/people/{user_id}/training", data={
        "course_name": "Peer Support Moderator Foundation", "completed_on": completed.isoformat(),
        "valid_until": valid_until.isoformat(), "trainer": "Jo Trainer",
        "notes": "Strong on crisis role-play"} | extra)


def test_record_training(app, client, mod_forum, login, eve, frozen_clock):
    login("admin")
    today = frozen_clock.now.date()
    response = _training(client, eve, today - timedelta(days=3), today + timedelta(days=362))
    assert response.status_code == 302
    with app.app_context():
        [row] = db.session.scalars(select(ModeratorTraining).filter_by(user_id=eve)).all()
        assert (row.trainer, row.recorded_by_id, row.notes) == (
            "Jo Trainer", mod_forum.ids["admin"], "Strong on crisis role-play")
        [entry] = audit_rows("record_training")
        assert (entry.target_type, entry.target_id, entry.actor_id) == (
            "user", eve, mod_forum.ids["admin"])
        assert json.loads(entry.after)["valid_until"] == (today + timedelta(days=362)).isoformat()
    page = text(client.get(f"/admin/people/{eve}"))
    assert "Peer Support Moderator Foundation" in page and "Jo Trainer" in page


INVALID_TRAININGS = [
    (0, {}, "The training must be valid after the day it was completed."),
    (-5, {}, "The training must be valid after the day it was completed."),
    (365, {"trainer": ""}, "Name the trainer."),
    (365, {"course_name": ""}, "Name the course."),
    (365, {"completed_on": "not a date"}, "Not a valid date value."),
]


def test_training_validation(app, client, mod_forum, login, eve, frozen_clock):
    login("admin")
    today = frozen_clock.now.date()
    for days_valid, fields, error in INVALID_TRAININGS:
        response = _training(client, eve, today, today + timedelta(days=days_valid), **fields)
        assert response.status_code == 400
        assert error in text(response)
    with app.app_context():
        assert count(ModeratorTraining, ModeratorTraining.user_id == eve) == 0
        assert audit_rows() == []


def _set_role(client, user_id, role):
    return client.post(f"/admin/people/{user_id}/role", data={"role": role})


@pytest.mark.parametrize("training", ["none", "lapsed", "future"])
def test_appointing_needs_a_current_training(app, client, mod_forum, login, eve, frozen_clock,
                                             training):
    login("admin")
    today = frozen_clock.now.date()
    if training == "lapsed":
        _training(client, eve, today - timedelta(days=400), today - timedelta(days=35))
    elif training == "future":
        _training(client, eve, today + timedelta(days=10), today + timedelta(days=375))
    response = _set_role(client, eve, "moderator")
    assert response.status_code == 409
    assert "Record a current moderator training first." in text(response)
    with app.app_context():
        assert db.session.get(User, eve).role == "member"
        assert audit_rows("set_role") == []


def test_appoint_assign_and_step_down(app, client, mod_forum, login, eve, frozen_clock):
    login("admin")
    today = frozen_clock.now.date()
    _training(client, eve, today, today + timedelta(days=365))
    assert _set_role(client, eve, "moderator").status_code == 302
    response = client.post(f"/admin/people/{eve}/categories",
                           data={"categories": [mod_forum.type2_id, mod_forum.food_id]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, eve).role == "moderator"
        led = set(db.session.scalars(select(CategoryModerator.category_id).filter_by(user_id=eve)))
        assert led == {mod_forum.type2_id, mod_forum.food_id}
        role, cats = audit_rows("set_role")[0], audit_rows("assign_categories")[0]
        assert (json.loads(role.before), json.loads(role.after)) == (
            {"role": "member"}, {"role": "moderator"})
        assert json.loads(cats.after) == {"category_ids": sorted(led)}
    assert "Eve Volunteer" in text(client.get("/c/type-2"))  # "Led by"

    # Eve now moderates type-2 (and only what she leads)
    login("bob")
    flag(client, mod_forum.thread2_post_id, "spam")
    login("eve")
    assert client.get("/mod/").status_code == 200
    assert client.post(f"/mod/threads/{mod_forum.thread_id}/pin").status_code == 403
    assert client.post(f"/mod/threads/{mod_forum.thread2_id}/pin").status_code == 302

    # Reassign to food only, then step down
    login("admin")
    client.post(f"/admin/people/{eve}/categories", data={"categories": [mod_forum.food_id]})
    assert "Eve Volunteer" not in text(client.get("/c/type-2"))
    assert _set_role(client, eve, "member").status_code == 302
    with app.app_context():
        user = db.session.get(User, eve)
        assert user.role == "member" and user.is_on_duty is False
        assert [e.action for e in audit_rows()] == [
            "record_training", "set_role", "assign_categories", "pin", "assign_categories",
            "set_role"]
    login("eve")
    assert client.get("/mod/").status_code == 403


def test_admins_roles_cannot_be_changed_here(client, mod_forum, login):
    login("admin")
    assert _set_role(client, mod_forum.ids["admin2"], "member").status_code == 403
    assert _set_role(client, mod_forum.ids["ann"], "admin").status_code == 400


def test_unknown_person_is_404(client, mod_forum, login):
    login("admin")
    assert client.get("/admin/people/999999").status_code == 404


# --- watched phrases ------------------------------------------------------------------------------

def _phrase_id(phrase):
    return db.session.scalar(select(WatchedPhrase.id).filter_by(phrase=phrase))


def test_add_edit_delete_phrase_with_audit(app, client, mod_forum, login):
    login("admin")
    response = client.post("/admin/phrases", data={"phrase": "  glucose   gremlins ",
                                                   "action": "flag", "category": "spam"})
    assert response.status_code == 302
    with app.app_context():
        phrase_id = _phrase_id("glucose gremlins")
    assert "glucose gremlins" in text(client.get("/admin/phrases"))

    # It takes effect for the next post
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Glucose gremlins again!"})
    login("admin")
    response = client.post(f"/admin/phrases/{phrase_id}", data={"action": "block",
                                                                "category": "spam"})
    assert response.status_code == 302
    login("ann")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Glucose GREMLINS"})
    assert response.status_code == 400 and "looks like spam" in text(response)

    login("admin")
    assert client.post(f"/admin/phrases/{phrase_id}/delete").status_code == 302
    with app.app_context():
        assert _phrase_id("glucose gremlins") is None
        entries = [e for e in audit_rows() if e.target_type == "watched_phrase"]
        assert [(e.action, e.target_id, e.actor_id) for e in entries] == [
            ("add_phrase", phrase_id, mod_forum.ids["admin"]),
            ("edit_phrase", phrase_id, mod_forum.ids["admin"]),
            ("delete_phrase", phrase_id, mod_forum.ids["admin"])]
        assert json.loads(entries[1].before) == {"action": "flag", "category": "spam"}
        assert json.loads(entries[1].after)["action"] == "block"
        assert json.loads(entries[2].before)["phrase"] == "glucose gremlins"
    login("ann")
    assert client.post(f"/t/{mod_forum.thread_id}/reply",
                       data={"body": "Glucose gremlins, gone"}).status_code == 302


def test_duplicate_phrase_is_refused(app, client, mod_forum, login):
    login("admin")
    for phrase in ("kill myself", "Kill  MYSELF"):
        response = client.post("/admin/phrases", data={"phrase": phrase, "action": "hold",
                                                       "category": "crisis"})
        assert response.status_code == 409
        assert "That phrase is already on the list." in text(response)


def test_crisis_phrases_must_hold(app, client, mod_forum, login):
    login("admin")
    with app.app_context():
        phrase_id = _phrase_id("kill myself")
    for category in ("crisis", "medical_emergency"):
        for action in ("flag", "block"):
            data = {"phrase": "cannot cope", "action": action, "category": category}
            response = client.post("/admin/phrases", data=data)
            assert response.status_code == 400
            assert "always hold the post" in text(response)
            data.pop("phrase")
            assert client.post(f"/admin/phrases/{phrase_id}", data=data).status_code == 400
    with app.app_context():
        assert _phrase_id("cannot cope") is None
        assert db.session.get(WatchedPhrase, phrase_id).action == "hold"
        assert audit_rows() == []


def test_phrase_validation(app, client, mod_forum, login):
    login("admin")
    for data in ({"phrase": "x", "action": "hold", "category": "crisis"},
                 {"phrase": "", "action": "hold", "category": "crisis"},
                 {"phrase": "ok phrase", "action": "explode", "category": "spam"},
                 {"phrase": "ok phrase", "action": "flag", "category": "nonsense"}):
        assert client.post("/admin/phrases", data=data).status_code == 400, data
    with app.app_context():
        assert _phrase_id("ok phrase") is None


# --- dashboard and people ---------------------------------------------------------------

def test_dashboard_numbers_and_recertification(app, client, mod_forum, login, frozen_clock):
    with app.app_context():
        make_moderator(email="soon@example.test", display_name="Sue Soon", completed_days_ago=355,
                       valid_days=365)  # valid for 10 more days
        db.session.commit()
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "I want to die"})
    login("admin")
    page = text(client.get("/admin/"))

    assert "<dt>Members</dt><dd>11</dd>" in page
    assert "<dt>Open review items</dt><dd>2</dd>" in page
    assert "<dt>Open crisis items</dt><dd>1</dd>" in page
    assert "<dt>Threads waiting for a first reply</dt><dd>2</dd>" in page
    due = page[page.index("Due for recertification"):]
    assert "Lee Lapsed</a>: training lapsed" in due
    soon = (frozen_clock.now.date() + timedelta(days=10)).isoformat()
    assert f"Sue Soon</a>: training valid until {soon}" in due
    assert "Mo Derator" not in due and "Bea Twomod" not in due


def test_dashboard_shows_how_fast_crisis_items_are_claimed(app, client, mod_forum, login,
                                                            frozen_clock):
    """Claimed crisis items count whether resolved or not; other items don't."""
    login("admin")
    page = text(client.get("/admin/"))
    assert "<dt>Crisis items: median time to claim (30 days)</dt><dd>–</dd>" in page
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "I want to die"})
    login("cat")
    flag(client, mod_forum.reply_bob_id, "risk_of_harm")
    flag(client, mod_forum.reply_ann_id, "spam")
    with app.app_context():
        items = [open_item(newest_post().id).id, open_item(mod_forum.reply_bob_id).id,
                 open_item(mod_forum.reply_ann_id).id]
    login("mod")
    for item_id, minutes in zip(items, (4, 6, 60), strict=True):
        frozen_clock.advance(minutes=minutes)
        assert client.post(f"/mod/items/{item_id}/claim").status_code == 302
    login("admin")
    page = text(client.get("/admin/"))
    assert "<dt>Crisis items: median time to claim (30 days)</dt><dd>7.0 min</dd>" in page
    assert "<dt>Crisis items: slowest claim (30 days)</dt><dd>10.0 min</dd>" in page


def test_people_page_lists_staff_with_lapsed_powers(client, mod_forum, login):
    login("admin")
    page = text(client.get("/admin/people"))
    for name in ("Mo Derator", "Bea Twomod", "Lee Lapsed", "Ada Admin"):
        assert name in page
    row = page[page.index("Lee Lapsed"):]
    assert "powers lapsed" in row[:row.index("</tr>")]
    found = text(client.get("/admin/people?q=ann"))
    assert "Ann Author" in found
    person = text(client.get(f"/admin/people/{mod_forum.ids['lapsed']}"))
    assert "lapsed" in person and "Peer moderator" in person
