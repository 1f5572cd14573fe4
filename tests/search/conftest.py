"""A small forum for the search tests, and a fixture to search it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.extensions import db
from tests.factories import make_category, make_moderator, make_post, make_thread, make_user
from tests.helpers import T0, result_ids


@pytest.fixture
def forum(app):
    """Two public categories and a members-only one, a member per role, a few threads.

    ``mod`` moderates "daily" and "lounge"; ``othermod`` moderates "food" only.

    ``ids`` maps names to user ids; ``posts`` maps labels to post ids.
    """
    with app.app_context():
        daily = make_category(slug="daily", name="Daily life", position=1)
        food = make_category(slug="food", name="Food", position=2)
        lounge = make_category(slug="lounge", name="Members lounge", members_only=True,
                               position=3)
        people = {
            "ann": make_user(email="ann@example.test", display_name="Ann Author"),
            "bob": make_user(email="bob@example.test", display_name="Bob Other"),
            "mod": make_user(email="mod@example.test", display_name="Mo Derator",
                             role="moderator"),
            "admin": make_user(email="admin@example.test", display_name="Ada Admin",
                               role="admin"),
            "othermod": make_user(email="other@example.test", display_name="Oth Ermod",
                                  role="moderator"),
        }
        make_moderator(people["mod"], [daily, lounge])
        make_moderator(people["othermod"], [food])
        hypos = make_thread(category=daily, author=people["ann"],
                            title="Night-time hypos after exercise",
                            body="After evening runs I often go low around 3am.", at=T0)
        reply = make_post(hypos, author=people["bob"], at=T0.replace(day=2),
                          body="Injecting less basal before bed helped me a lot.")
        breakfast = make_thread(category=food, author=people["bob"],
                                title="Favourite low-carb breakfasts",
                                body="Eggs and spinach keep my blood sugar steady.",
                                at=T0.replace(day=5))
        secret = make_thread(category=lounge, author=people["ann"], title="Lounge chat",
                             body="A members-only word: quinoaflakes.", at=T0.replace(day=3))
        db.session.commit()
        return SimpleNamespace(
            ids={name: user.id for name, user in people.items()},
            emails={name: user.email for name, user in people.items()},
            categories={"daily": daily.id, "food": food.id, "lounge": lounge.id},
            threads={"hypos": hypos.id, "breakfast": breakfast.id, "secret": secret.id},
            posts={"hypos": hypos.posts[0].id, "reply": reply.id,
                   "breakfast": breakfast.posts[0].id, "secret": secret.posts[0].id},
        )


@pytest.fixture
def people(forum):
    """``login("bob")`` logs that person of the ``forum`` fixture in."""
    return forum.emails


@pytest.fixture
def search(client):
    """``search(q, **filters)`` → post ids on the results page (asserting a 200)."""

    def run(q: str = "", **params):
        response = client.get("/search", query_string={"q": q, **params})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return result_ids(response)

    return run

