"""A small forum for the notification tests.

``general`` (public) and ``lounge`` (members only), both led by ``mod``. ``ann`` started
"Night-time hypos" in general (so she follows it). ``bob``, ``cat`` and ``dan`` are
members; ``quiet`` turned off both auto-follow and mentions; ``sus`` is suspended.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from forum.extensions import db
from tests.factories import make_category, make_moderator, make_thread, make_user


@pytest.fixture
def nf(app, frozen_clock):
    with app.app_context():
        general = make_category(slug="general", name="General chat", position=1)
        lounge = make_category(slug="lounge", name="Members lounge", members_only=True,
                               position=2)
        people = {
            "ann": make_user(email="ann@example.test", display_name="Ann Author"),
            "bob": make_user(email="bob@example.test", display_name="Bob Builder"),
            "cat": make_user(email="cat@example.test", display_name="Cat Reporter"),
            "dan": make_user(email="dan@example.test", display_name="Dan"),
            "quiet": make_user(email="quiet@example.test", display_name="Quiet Quinn",
                               auto_follow=False, notify_mentions=False),
            "sus": make_user(email="sus@example.test", display_name="Sam Suspended",
                             suspended_until=datetime(2999, 1, 1, tzinfo=UTC)),
        }
        people["mod"] = make_moderator(categories=[general, lounge], email="mod@example.test",
                                       display_name="Mo Derator")
        thread = make_thread(category=general, author=people["ann"], title="Night-time hypos",
                             body="Opening words about hypos")
        frozen_clock.advance(minutes=1)
        db.session.commit()
        return SimpleNamespace(
            general_id=general.id, lounge_id=lounge.id,
            thread_id=thread.id, opening_id=thread.posts[0].id,
            ids={name: user.id for name, user in people.items()},
            emails={name: user.email for name, user in people.items()},
        )


@pytest.fixture
def people(nf):
    return nf.emails
