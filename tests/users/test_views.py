"""Public member profiles: what they show, and what they never show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forum.extensions import db
from tests.factories import make_category, make_post, make_thread, make_user
from tests.helpers import text

JOINED = datetime(2025, 3, 7, 8, 30, tzinfo=UTC)
EMAIL = "private.person@example.test"


@pytest.fixture
def member(app):
    """A member with a bio and posts in a public and a members-only category."""
    with app.app_context():
        user = make_user(email=EMAIL, display_name="Priya Poster", created_at=JOINED,
                         bio="Type 1 since 1998. Pump user <and> proud.")
        public = make_category(slug="general")
        lounge = make_category(slug="lounge", members_only=True)
        make_thread(category=public, author=user, title="My public question")
        secret = make_thread(category=lounge, author=user, title="My lounge-only thread")
        make_post(secret, author=user)
        other = make_thread(category=public, title="Someone else's thread")
        make_post(other, author=user, body="My reply in a public thread")
        make_user(email="reader@example.test")
        db.session.commit()
        return user.id


def test_profile_shows_name_join_date_post_count_and_bio(client, member):
    response = client.get(f"/members/{member}")

    html = text(response)
    assert response.status_code == 200
    assert "<h1>Priya Poster</h1>" in html
    assert '<time datetime="2025-03-07T08:30:00+00:00">7 Mar 2025</time>' in html
    assert "<dt>Posts</dt><dd>4</dd>" in html
    assert "Type 1 since 1998. Pump user &lt;and&gt; proud." in html


def test_profile_without_bio_says_so(app, client):
    with app.app_context():
        user_id = make_user(display_name="Quiet Quinn").id
        db.session.commit()

    html = text(client.get(f"/members/{user_id}"))

    assert "Quiet Quinn hasn't written anything about themselves yet." in html


def test_profile_lists_only_threads_the_visitor_may_see(client, login, member):
    visitor = text(client.get(f"/members/{member}"))
    login("reader@example.test")
    reader = text(client.get(f"/members/{member}"))

    assert "My public question" in visitor
    assert "My lounge-only thread" not in visitor
    assert "My public question" in reader and "My lounge-only thread" in reader
    assert "Someone else&#39;s thread" not in visitor + reader


def test_profile_of_member_active_only_in_members_only_categories(app, client):
    with app.app_context():
        user = make_user(display_name="Lounge Lover")
        make_thread(category=make_category(members_only=True), author=user,
                    title="Only for members here")
        db.session.commit()
        user_id = user.id

    html = text(client.get(f"/members/{user_id}"))

    assert "Lounge Lover" in html
    assert "Only for members here" not in html
    assert "No threads to show." in html


def test_profile_lists_at_most_ten_recent_threads(app, client):
    from datetime import timedelta

    with app.app_context():
        user = make_user()
        category = make_category()
        for n in range(12):
            make_thread(category=category, author=user, title=f"Thread number {n:02d}",
                        at=JOINED + timedelta(days=n))
        db.session.commit()
        user_id = user.id

    html = text(client.get(f"/members/{user_id}"))

    shown = [n for n in range(12) if f"Thread number {n:02d}" in html]
    assert shown == list(range(2, 12))
    assert html.index("Thread number 11") < html.index("Thread number 02")


@pytest.mark.parametrize("viewer", [None, "reader@example.test", EMAIL])
def test_email_address_never_appears_in_public_pages(app, client, login, member, viewer):
    with app.app_context():
        from forum.models import Thread

        thread_ids = [t.id for t in db.session.scalars(db.select(Thread))]
    if viewer:
        login(viewer)

    pages = [client.get("/"), client.get(f"/members/{member}"), client.get("/c/general"),
             client.get("/c/lounge")] + [client.get(f"/t/{tid}") for tid in thread_ids]

    assert any(p.status_code == 200 and "Priya Poster" in text(p) for p in pages)
    for page in pages:
        assert EMAIL not in text(page)
        assert "private.person" not in text(page)


@pytest.mark.parametrize("user_id", ["999999", "0"])
def test_profile_of_unknown_member_is_404(client, user_id):
    assert client.get(f"/members/{user_id}").status_code == 404


def test_profile_with_non_numeric_id_is_404(client):
    assert client.get("/members/abc").status_code == 404


@pytest.mark.parametrize("user_id", ["9" * 25, "2147483648"])
def test_profile_with_id_beyond_the_integer_range_is_404(client, user_id):
    assert client.get(f"/members/{user_id}").status_code == 404
