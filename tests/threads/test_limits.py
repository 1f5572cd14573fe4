"""Size and write-rate limits on posting (SECURITY.md item 49)."""

from __future__ import annotations

import pytest

from tests.helpers import row_counts, text


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_POSTING": "3 per minute",
            "RATELIMIT_LOGIN": "100 per minute"}


@pytest.mark.parametrize("url, data", [
    ("/t/{thread}/reply", {"body": "one reply too many"}),
    ("/c/general/new", {"title": "One thread too many", "body": "slow down"}),
])
def test_posting_beyond_the_rate_limit_is_429(app, client, forum, login, url, data):
    login("bob")
    url = url.format(thread=forum.thread_id)
    statuses = [client.post(url, data=data).status_code for _ in range(3)]

    blocked = client.post(url, data=data)

    assert statuses == [302, 302, 302]
    assert blocked.status_code == 429
    assert "Please slow down a little" in text(blocked)
    with app.app_context():
        assert row_counts()["posts"] == 2 + 3


def test_rate_limit_is_shared_by_replies_and_new_threads(client, forum, login):
    login("bob")
    for n in range(3):
        client.post(f"/t/{forum.thread_id}/reply", data={"body": f"reply {n}"})

    blocked = client.post("/c/general/new", data={"title": "One too many", "body": "slow down"})

    assert blocked.status_code == 429


def test_rate_limit_is_per_member(client, forum, login):
    login("bob")
    for n in range(3):
        client.post(f"/t/{forum.thread_id}/reply", data={"body": f"bob {n}"})
    client.post("/auth/logout")
    login("mod")

    assert client.post(f"/t/{forum.thread_id}/reply", data={"body": "mod here"}).status_code == 302


def test_reading_is_not_rate_limited(client, forum, login):
    login("bob")

    assert {client.get(f"/t/{forum.thread_id}/reply").status_code for _ in range(6)} == {200}


def test_oversized_request_is_413_and_saves_nothing(app, client, forum, login):
    login("bob")

    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": "x" * (2 * 1024 * 1024)})

    assert response.status_code == 413
    with app.app_context():
        assert row_counts()["posts"] == 2
