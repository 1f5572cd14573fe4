"""A small forum for the moderation tests.

Categories: ``type1`` and ``food`` (led by ``mod``, on duty), ``type2`` (led by ``mod2``,
off duty). ``lapsed`` still has the moderator role and leads ``type1``, but their training
expired. ``ann`` wrote the threads; ``bob``, ``cat`` and ``dan`` are members who flag.
The clock is frozen (``frozen_clock``) and the shipped watched phrases are installed.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.extensions import db
from forum.moderation.phrases import install_default_phrases
from tests.factories import make_category, make_moderator, make_post, make_thread, make_user


@pytest.fixture
def mod_forum(app, frozen_clock):
    with app.app_context():
        install_default_phrases()
        type1 = make_category(slug="type-1", name="Type 1", position=1)
        type2 = make_category(slug="type-2", name="Type 2", position=2)
        food = make_category(slug="food", name="Food and eating", position=3)
        people = {
            "ann": make_user(email="ann@example.test", display_name="Ann Author"),
            "bob": make_user(email="bob@example.test", display_name="Bob Reporter"),
            "cat": make_user(email="cat@example.test", display_name="Cat Reporter"),
            "dan": make_user(email="dan@example.test", display_name="Dan Reporter"),
            "unconfirmed": make_user(email="new@example.test", display_name="Nina New",
                                     confirmed=False),
            "admin": make_user(email="admin@example.test", display_name="Ada Admin",
                               role="admin"),
            "admin2": make_user(email="admin2@example.test", display_name="Al Admin",
                                role="admin"),
        }
        people["mod"] = make_moderator(categories=[type1, food], on_duty=True,
                                       email="mod@example.test", display_name="Mo Derator")
        people["mod2"] = make_moderator(categories=[type2], email="mod2@example.test",
                                        display_name="Bea Twomod")
        people["lapsed"] = make_moderator(categories=[type1], on_duty=True,
                                          completed_days_ago=400, valid_days=365,
                                          email="lapsed@example.test",
                                          display_name="Lee Lapsed")
        thread = make_thread(category=type1, author=people["ann"], title="Night-time hypos",
                             body="Opening words about night-time hypos")
        frozen_clock.advance(minutes=1)
        reply_bob = make_post(thread, author=people["bob"], body="Bob's reply about basal")
        frozen_clock.advance(minutes=1)
        reply_ann = make_post(thread, author=people["ann"], body="Ann's answer about snacks")
        frozen_clock.advance(minutes=1)
        thread2 = make_thread(category=type2, author=people["ann"], title="Metformin questions",
                              body="Opening words about metformin")
        thread3 = make_thread(category=food, author=people["bob"], title="Breakfast ideas",
                              body="Eggs, mostly")
        frozen_clock.advance(minutes=1)
        db.session.commit()
        return SimpleNamespace(
            type1_id=type1.id, type2_id=type2.id, food_id=food.id,
            thread_id=thread.id, opening_id=thread.posts[0].id,
            reply_bob_id=reply_bob.id, reply_ann_id=reply_ann.id,
            thread2_id=thread2.id, thread2_post_id=thread2.posts[0].id,
            thread3_id=thread3.id, thread3_post_id=thread3.posts[0].id,
            ids={name: user.id for name, user in people.items()},
            emails={name: user.email for name, user in people.items()},
        )


@pytest.fixture
def people(mod_forum):
    """``login("bob")`` logs that person in (logging out whoever was logged in)."""
    return mod_forum.emails

