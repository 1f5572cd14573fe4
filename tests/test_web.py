"""The shared view helpers (forum.web) and the domain-exception handlers: one answer
for each decision on every page."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import ReviewItem
from forum.web import parse_number
from tests.factories import make_category, make_moderator, make_post, make_thread, make_user


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), ("12", 12), ("999999999", 999999999), ("007", 7),
    ("0", None), ("", None), ("-1", None), ("+1", None), (" 1", None), ("1.0", None),
    ("²", None), ("١", None), ("1²", None), ("9223372036854775807", None), ("1e3", None),
    (None, None),
])
def test_parse_number_takes_only_plain_ascii_digits(raw, expected):
    assert parse_number(raw) == expected


@pytest.fixture
def people(app_ctx):
    category = make_category()
    admin = make_user(role="admin")
    moderator = make_moderator(categories=[category])
    member = make_user()
    thread = make_thread(category=category, author=member)
    db.session.commit()
    return {"admin": admin.email, "moderator": moderator.email, "member": member.email,
            "thread": thread.id, "category": category.id}


STAFF_PAGES = ["/mod/", "/mod/audit", "/admin/digest"]


@pytest.mark.parametrize("path", STAFF_PAGES)
@pytest.mark.parametrize("page", ["%C2%B2", "9223372036854775807", "0", "-1", "abc", "1%00"])
def test_a_malformed_page_number_is_404_on_every_paged_staff_page(client, login, people,
                                                                  path, page):
    login(people["admin"])
    assert client.get(f"{path}?page={page}").status_code == 404
    assert client.get(f"{path}?page=1").status_code == 200


def test_a_malformed_page_number_is_404_on_reading_pages(client, people, app):
    from forum.models import Thread

    with app.app_context():
        slug = db.session.get(Thread, people["thread"]).category.slug
    for url in (f"/t/{people['thread']}", f"/c/{slug}"):
        assert client.get(f"{url}?page=%C2%B2").status_code == 404
        assert client.get(f"{url}?page=1").status_code == 200


@pytest.mark.parametrize("path", ["/mod/", "/mod/audit", "/admin/digest", "/admin/"])
def test_staff_guards_send_visitors_to_log_in_and_refuse_members(client, login, people, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(people["member"])
    assert client.get(path).status_code == 403


def test_moderators_reach_moderation_pages_but_not_admin_pages(client, login, people):
    login(people["moderator"])
    assert client.get("/mod/").status_code == 200
    assert client.get("/mod/audit").status_code == 200
    assert client.get("/admin/digest").status_code == 403


@pytest.fixture
def open_item(app, people):
    """A flagged post with its open review item; returns the item's id."""
    from forum.models import Thread
    from forum.moderation.services import open_review_item

    with app.app_context():
        thread = db.session.get(Thread, people["thread"])
        post = make_post(thread, author=thread.author)
        item = open_review_item(post, source="flags", reason="spam")
        db.session.commit()
        return item.id


def test_a_post_deleted_by_its_author_while_a_moderator_acts_is_a_409_page(
        client, login, people, open_item, app, monkeypatch):
    from forum.moderation import services

    def deleted_meanwhile(item, **_kwargs):
        item.status = "resolved"  # a change the refusal must roll back
        raise services.AuthorDeleted(item.post_id)

    monkeypatch.setattr(services, "hide", deleted_meanwhile)
    login(people["moderator"])
    response = client.post(f"/mod/items/{open_item}/hide", data={"hide-reason": "Off topic"})
    assert response.status_code == 409
    assert "The author deleted this post" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ReviewItem, open_item).status == "open"


def test_acting_on_an_item_another_moderator_resolved_is_a_409_page(
        client, login, people, open_item, app):
    login(people["moderator"])
    assert client.post(f"/mod/items/{open_item}/dismiss").status_code == 302
    response = client.post(f"/mod/items/{open_item}/claim")
    assert response.status_code == 409
    assert "already resolved" in response.get_data(as_text=True)


def test_a_thread_locked_while_replying_is_a_403_page_and_no_reply(client, login, people, app,
                                                                   monkeypatch):
    from forum import permissions
    from forum.models import Post, Thread

    with app.app_context():
        db.session.get(Thread, people["thread"]).is_locked = True
        db.session.commit()
        before = db.session.query(Post).count()
    monkeypatch.setattr(permissions, "can_reply", lambda user, thread: True)  # checked earlier
    login(people["member"])
    response = client.post(f"/t/{people['thread']}/reply",
                           data={"body": "Thanks, this helped me a lot today."})
    assert response.status_code == 403
    assert "closed to new replies" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Post).count() == before
