"""Privacy controls: the privacy page, display name changes (private old names), a
profile hidden from visitors, and the placeholder of a held post naming nobody."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import DisplayNameChange, Post, Thread, User
from tests.factories import make_post, make_user
from tests.helpers import field_error, text

# --- the privacy page -------------------------------------------------------------------

@pytest.fixture
def app_overrides():
    return {"OPERATOR_NAME": "Northfield Diabetes Charity",
            "OPERATOR_CONTACT": "dpo@northfield.example", "RETAIN_LOGIN_HISTORY_DAYS": 61,
            "RETAIN_NOTIFICATIONS_DAYS": 45, "RETAIN_EMAIL_OUTBOX_DAYS": 33,
            "ERASURE_GRACE_DAYS": 9}


def test_the_privacy_page_tells_members_what_who_how_long_and_how(client, forum, login):
    page = text(client.get("/privacy"))

    for phrase in ("Northfield Diabetes Charity", "dpo@northfield.example",
                   "<strong>Login history</strong>: 61 days",
                   "<strong>Notifications</strong>: 45 days", "33 days", "for 7 days",
                   "wait 9 days", 'href="/settings/export"', 'href="/settings/delete"',
                   "not medical advice", "never see your email address",
                   "shortened internet address", "Research consent", "Peer moderators"):
        assert phrase in page, phrase
    assert 'href="/privacy"' in text(client.get("/"))  # the footer
    login("bob")
    assert 'href="/privacy"' in text(client.get("/settings"))


# --- display name -----------------------------------------------------------------------

def rename(client, name):
    return client.post("/settings/display-name", data={"display_name": name})


def test_a_member_changes_their_display_name_once_in_30_days(app, client, forum, login,
                                                            frozen_clock):
    login("bob")
    assert rename(client, "  Robin   Other ").status_code == 302
    with app.app_context():
        bob = db.session.get(User, forum.ids["bob"])
        assert (bob.display_name, bob.display_name_key) == ("Robin Other", "robin other")
        [change] = db.session.scalars(select(DisplayNameChange)).all()
        assert (change.user_id, change.old_name, change.new_name) == (
            bob.id, "Bob Other", "Robin Other")
    assert "Robin Other" in text(client.get("/settings"))

    frozen_clock.advance(days=29, hours=23)
    refused = rename(client, "Rob Again")
    assert refused.status_code == 409
    assert "You can change it again from 2 Dec 2026, 09:00 UTC" in field_error(
        refused, "display_name")
    assert "you can next change it from" in text(client.get("/settings"))

    frozen_clock.advance(hours=1)
    assert rename(client, "Rob Again").status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(DisplayNameChange)).all()) == 2


@pytest.mark.parametrize("name, message", [
    ("ann author", "That display name is taken"),  # as at registration: any case
    ("Bob Other", "already your display name"),
    ("x", "3 to 40 characters"),
    ("bob@example.test", "Don't use your email address"),
])
def test_a_display_name_is_checked_as_at_registration(app, client, forum, login, name,
                                                      message):
    login("bob")
    refused = rename(client, name)
    assert refused.status_code == 400
    assert message in field_error(refused, "display_name")
    with app.app_context():
        assert db.session.get(User, forum.ids["bob"]).display_name == "Bob Other"
        assert db.session.scalars(select(DisplayNameChange)).all() == []


@pytest.mark.parametrize("viewer, sees", [
    (None, False), ("ann", False), ("bob", False), ("othermod", True), ("mod", True),
    ("admin", True)])
def test_old_names_are_shown_to_staff_only(client, forum, login, viewer, sees):
    login("bob")
    rename(client, "Robin Other")
    client.get("/settings")  # shows (and so clears) the flashed messages naming Bob
    client.post("/auth/logout")
    if viewer:
        login(viewer)

    profile = text(client.get(f"/members/{forum.ids['bob']}"))

    assert "Robin Other" in profile
    assert ("Previously known as" in profile) is sees
    assert ("Bob Other" in profile) is sees


# --- a profile hidden from visitors -------------------------------------------------------

def test_a_hidden_profile_shows_visitors_the_name_only(app, client, forum, login):
    with app.app_context():
        db.session.get(User, forum.ids["ann"]).bio = "Type 1 since 1998, loves hill walking."
        db.session.commit()
    url = f"/members/{forum.ids['ann']}"
    assert "hill walking" in text(client.get(url))
    login("ann")
    page = text(client.get("/settings"))
    assert 'name="profile_hidden"' in page and "checked" not in page.split(
        'name="profile_hidden"')[1].split(">")[0]
    assert client.post("/settings/privacy", data={"profile_hidden": "y"}).status_code == 302
    client.post("/auth/logout")

    visitor = client.get(url)
    assert visitor.status_code == 200
    shown = text(visitor)
    assert "Ann Author" in shown and "visible to logged-in members only" in shown
    assert "hill walking" not in shown and "Night-time hypos" not in shown
    assert "Joined" not in shown
    login("bob")
    member = text(client.get(url))
    assert "hill walking" in member and "Night-time hypos" in member

    login("ann")
    assert client.post("/settings/privacy", data={}).status_code == 302
    client.post("/auth/logout")
    assert "hill walking" in text(client.get(url))


# --- the placeholder of a held post ------------------------------------------------------

@pytest.fixture
def held(app, forum):
    with app.app_context():
        author = make_user(email="newbie@example.test", display_name="Nell Newcomer")
        post = make_post(db.session.get(Thread, forum.thread_id), author=author,
                         body="My first post, about my pump.")
        post.status = "pending"
        db.session.commit()
        return post.id


@pytest.mark.parametrize("viewer, sees_author", [
    (None, False), ("bob", False), ("othermod", False), ("newbie@example.test", True),
    ("mod", True), ("admin", True)])
def test_a_held_post_placeholder_does_not_name_its_author(app, client, forum, login, held,
                                                          viewer, sees_author):
    if viewer:
        login(viewer)
    page = text(client.get(f"/t/{forum.thread_id}"))
    assert f'id="post-{held}"' in page
    assert ("Nell Newcomer" in page) is sees_author
    assert (f"/members/{_author_id(app, held)}" in page) is sees_author
    if not sees_author:
        assert "This post is waiting for a moderator" in page
        assert "Post waiting for review" in page


def _author_id(app, post_id):
    with app.app_context():
        return db.session.get(Post, post_id).author_id


def test_settings_sections_render_for_a_member_with_a_recent_change(app, client, forum, login,
                                                                   frozen_clock):
    with app.app_context():
        bob = db.session.get(User, forum.ids["bob"])
        bob.display_name_changed_at = frozen_clock.now - timedelta(days=1)
        db.session.commit()
    login("bob")
    page = text(client.get("/settings"))
    assert "you can next change it from 1 Dec 2026" in page
    assert page.index('id="profile-heading"') < page.index('id="privacy-heading"') < page.index(
        'id="password-heading"')
