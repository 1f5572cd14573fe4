"""Editing and deleting one's own posts through HTTP, and the edit history page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, PostRevision, Thread
from tests.factories import make_post
from tests.helpers import T0, counter_mismatches, counters, row_counts, text


@pytest.fixture
def reply_id(app, forum):
    """A reply by Bob in Ann's public thread."""
    with app.app_context():
        from forum.models import User

        bob = db.session.get(User, forum.ids["bob"])
        post = make_post(db.session.get(Thread, forum.thread_id), author=bob,
                         body="Bob's reply zq9-bob-token", at=T0 + timedelta(hours=1))
        db.session.commit()
        return post.id


def _revisions(post_id):
    return db.session.scalars(select(PostRevision).where(PostRevision.post_id == post_id)).all()


# --- edit --------------------------------------------------------------------------------------

def test_edit_form_shows_current_text(client, forum, login, reply_id):
    login("bob")

    response = client.get(f"/p/{reply_id}/edit")

    assert response.status_code == 200
    assert "zq9-bob-token" in text(response)
    assert 'name="title"' not in text(response)


def test_edit_by_author_keeps_old_version_and_marks_post_edited(app, client, forum, login, reply_id,
                                                                frozen_clock):
    login("bob")

    response = client.post(f"/p/{reply_id}/edit", data={"body": "Corrected reply text"})

    assert response.status_code == 302
    assert response.location == f"/t/{forum.thread_id}?page=1#post-{reply_id}"
    with app.app_context():
        post = db.session.get(Post, reply_id)
        [revision] = _revisions(reply_id)
        assert (post.body_source, post.edited_at) == ("Corrected reply text", frozen_clock.now)
        assert "Corrected reply text" in post.body_html and post.body_text == "Corrected reply text"
        assert (revision.body_source, revision.editor_id) == \
            ("Bob's reply zq9-bob-token", forum.ids["bob"])
    page = text(client.get(f"/t/{forum.thread_id}"))
    assert f'<a href="/p/{reply_id}/history">edited</a>' in page
    assert "Corrected reply text" in page and "zq9-bob-token" not in page


def test_history_shows_old_and_current_versions(client, forum, login, reply_id):
    login("bob")
    client.post(f"/p/{reply_id}/edit", data={"body": "Second version"})
    client.post(f"/p/{reply_id}/edit", data={"body": "Third version"})

    response = client.get(f"/p/{reply_id}/history")

    html = text(response)
    assert response.status_code == 200
    assert "Bob Other" in html
    assert html.index("Third version") < html.index("Second version") < html.index("zq9-bob-token")


def test_history_of_unedited_post_says_so(client, forum, login):
    login("ann")
    response = client.get(f"/p/{forum.first_post_id}/history")

    assert response.status_code == 200
    assert "This post has not been edited." in text(response)


def test_edit_with_unchanged_body_makes_no_revision(app, client, forum, login, reply_id):
    login("bob")

    response = client.post(f"/p/{reply_id}/edit", data={"body": "Bob's reply zq9-bob-token"})

    assert response.status_code == 302
    with app.app_context():
        assert _revisions(reply_id) == []
        assert db.session.get(Post, reply_id).edited_at is None
    assert ">edited</a>" not in text(client.get(f"/t/{forum.thread_id}"))


def test_edit_resubmitted_by_a_browser_with_crlf_makes_no_revision(app, client, forum, login):
    with app.app_context():
        from forum.models import User

        bob = db.session.get(User, forum.ids["bob"])
        post = make_post(db.session.get(Thread, forum.thread_id), author=bob,
                         body="line one\nline two")
        db.session.commit()
        post_id = post.id
    login("bob")

    client.post(f"/p/{post_id}/edit", data={"body": "line one\r\nline two"})

    with app.app_context():
        assert _revisions(post_id) == []


def test_edit_opening_post_can_change_the_title(app, client, forum, login):
    login("ann")

    form = client.get(f"/p/{forum.first_post_id}/edit")
    response = client.post(f"/p/{forum.first_post_id}/edit",
                           data={"title": "Night-time hypos   after running",
                                 "body": "Opening words about hypos"})

    assert 'name="title"' in text(form) and 'value="Night-time hypos"' in text(form)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Thread, forum.thread_id).title == "Night-time hypos after running"
        assert _revisions(forum.first_post_id) == []
    assert "Night-time hypos after running" in text(client.get(f"/t/{forum.thread_id}"))


@pytest.mark.parametrize("title, message", [
    ("abcd", "The title needs at least 5 characters (it has 4)."),
    ("t" * 151, "The title is 151 characters long; the limit is 150."),
    ("   ", "Please write a title."),
])
def test_edit_opening_post_validates_the_title(app, client, forum, login, title, message):
    login("ann")

    response = client.post(f"/p/{forum.first_post_id}/edit",
                           data={"title": title, "body": "Changed words"})

    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        post = db.session.get(Post, forum.first_post_id)
        assert (post.thread.title, post.body_source) == \
            ("Night-time hypos", "Opening words about hypos")
        assert _revisions(forum.first_post_id) == []


def test_edit_reply_cannot_change_the_title(app, client, forum, login, reply_id):
    login("bob")

    response = client.post(f"/p/{reply_id}/edit",
                           data={"title": "Hijacked thread title", "body": "New words"})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Thread, forum.thread_id).title == "Night-time hypos"
        assert db.session.get(Post, reply_id).body_source == "New words"


def test_edit_reply_ignores_an_invalid_title(client, forum, login, reply_id):
    login("bob")

    response = client.post(f"/p/{reply_id}/edit", data={"title": "x", "body": "New words"})

    assert response.status_code == 302


@pytest.mark.parametrize("body, message", [
    ("", "Please write a message."),
    ("  \n ", "Please write a message."),
    ("e" * 20_001, "The message is 20,001 characters long; the limit is 20,000."),
])
def test_edit_validates_the_body(app, client, forum, login, reply_id, body, message):
    login("bob")

    response = client.post(f"/p/{reply_id}/edit", data={"body": body})

    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        assert db.session.get(Post, reply_id).body_source == "Bob's reply zq9-bob-token"
        assert _revisions(reply_id) == []


@pytest.mark.parametrize("who", ["ann", "mod", "admin"])
def test_edit_by_someone_else_is_403(app, client, forum, login, reply_id, who):
    login(who)

    assert client.get(f"/p/{reply_id}/edit").status_code == 403
    assert client.post(f"/p/{reply_id}/edit", data={"body": "Not mine"}).status_code == 403
    with app.app_context():
        assert db.session.get(Post, reply_id).body_source == "Bob's reply zq9-bob-token"


def test_edit_by_visitor_redirects_to_login(app, client, forum, reply_id):
    for response in (client.get(f"/p/{reply_id}/edit"),
                     client.post(f"/p/{reply_id}/edit", data={"body": "Not mine"})):
        assert response.status_code == 302
        assert response.location == f"/auth/login?next=%2Fp%2F{reply_id}%2Fedit"
    with app.app_context():
        assert db.session.get(Post, reply_id).body_source == "Bob's reply zq9-bob-token"


def test_edit_in_locked_thread_is_403_for_members(app, client, forum, login, reply_id):
    with app.app_context():
        db.session.get(Thread, forum.thread_id).is_locked = True
        db.session.commit()
    login("bob")

    assert client.post(f"/p/{reply_id}/edit", data={"body": "Sneaky edit"}).status_code == 403


def test_edit_unknown_post_is_404(client, forum, login):
    login("bob")

    assert client.get("/p/999999/edit").status_code == 404


# --- delete -----------------------------------------------------------------------------------

def test_delete_asks_for_confirmation(app, client, forum, login, reply_id):
    login("bob")

    response = client.get(f"/p/{reply_id}/delete")

    assert response.status_code == 200
    assert "Delete your post?" in text(response)
    assert "zq9-bob-token" in text(response)
    assert '<form method="post"' in text(response)
    with app.app_context():
        assert db.session.get(Post, reply_id).status == "visible"


def test_delete_replaces_post_with_placeholder_and_drops_counters(app, client, forum, login,
                                                                  reply_id):
    with app.app_context():
        before = counters(forum.thread_id, forum.ids["bob"])
        rows_before = row_counts()
    login("bob")

    response = client.post(f"/p/{reply_id}/delete")

    assert response.status_code == 302
    assert response.location == f"/t/{forum.thread_id}?page=1#post-{reply_id}"
    page = client.get(f"/t/{forum.thread_id}")
    assert page.status_code == 200
    assert "This post was removed by its author." in text(page)
    assert "zq9-bob-token" not in text(page)
    assert "Opening words about hypos" in text(page)
    assert f'id="post-{reply_id}"' in text(page)
    with app.app_context():
        after = counters(forum.thread_id, forum.ids["bob"])
        assert db.session.get(Post, reply_id).status == "deleted_by_author"
        assert row_counts() == rows_before
        assert (after.thread_posts, after.category_posts, after.user_posts) == \
            (before.thread_posts - 1, before.category_posts - 1, before.user_posts - 1)
        assert after.category_threads == before.category_threads
        assert counter_mismatches() == []


def test_delete_of_latest_reply_resets_last_activity(app, client, forum, login, reply_id):
    login("bob")

    client.post(f"/p/{reply_id}/delete")

    with app.app_context():
        thread = db.session.get(Thread, forum.thread_id)
        assert thread.last_post_at == T0
        assert thread.category.last_post_at == T0
        assert counter_mismatches() == []


def test_delete_twice_is_403_and_does_not_double_count(app, client, forum, login, reply_id):
    login("bob")
    client.post(f"/p/{reply_id}/delete")
    with app.app_context():
        before = counters(forum.thread_id, forum.ids["bob"])

    again = client.post(f"/p/{reply_id}/delete")

    assert again.status_code == 403
    assert client.get(f"/p/{reply_id}/delete").status_code == 403
    with app.app_context():
        assert counters(forum.thread_id, forum.ids["bob"]) == before
        assert counter_mismatches() == []


@pytest.mark.parametrize("who", ["ann", "mod"])
def test_delete_by_someone_else_is_403(app, client, forum, login, reply_id, who):
    login(who)

    assert client.get(f"/p/{reply_id}/delete").status_code == 403
    assert client.post(f"/p/{reply_id}/delete").status_code == 403
    with app.app_context():
        assert db.session.get(Post, reply_id).status == "visible"


def test_delete_by_visitor_redirects_to_login(app, client, forum, reply_id):
    response = client.post(f"/p/{reply_id}/delete")

    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")
    with app.app_context():
        assert db.session.get(Post, reply_id).status == "visible"


@pytest.mark.parametrize("who", [None, "bob", "ann", "mod"])
def test_history_of_deleted_post_is_404(client, forum, login, reply_id, who):
    login("bob")
    client.post(f"/p/{reply_id}/edit", data={"body": "An edit before deleting"})
    client.post(f"/p/{reply_id}/delete")
    client.post("/auth/logout")
    if who:
        login(who)

    response = client.get(f"/p/{reply_id}/history")

    assert response.status_code == 404
    assert "zq9-bob-token" not in text(response)
    assert ">edited</a>" not in text(client.get(f"/t/{forum.thread_id}"))


def test_deleted_opening_post_keeps_the_thread_readable(app, client, forum, login):
    login("ann")

    client.post(f"/p/{forum.first_post_id}/delete")

    page = client.get(f"/t/{forum.thread_id}")
    assert page.status_code == 200
    assert "Night-time hypos" in text(page)
    assert "Opening words about hypos" not in text(page)
    with app.app_context():
        category = db.session.get(Thread, forum.thread_id).category
        assert category.thread_count == 1
        assert counter_mismatches() == []
