"""A small forum for the thread tests: two categories, a thread in each, and one member per role."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from forum.extensions import db
from tests.factories import make_category, make_moderator, make_thread, make_user
from tests.helpers import T0


@pytest.fixture
def forum(app):
    """Ids and emails of a ready-made forum (objects would be detached outside the context).

    Roles: ``ann`` (author of both threads), ``bob`` (another member), ``mod`` (a trained
    moderator leading both categories), ``admin``, ``unconfirmed`` and ``suspended``.
    """
    with app.app_context():
        public = make_category(slug="general", name="General chat", position=1)
        private = make_category(slug="lounge", name="Members lounge", members_only=True, position=2)
        people = {
            "ann": make_user(email="ann@example.test", display_name="Ann Author"),
            "bob": make_user(email="bob@example.test", display_name="Bob Other"),
            "mod": make_moderator(email="mod@example.test", display_name="Mo Derator",
                                  categories=[public, private]),
            "admin": make_user(email="admin@example.test", display_name="Ada Admin", role="admin"),
            "unconfirmed": make_user(email="new@example.test", display_name="Nina New",
                                     confirmed=False),
            "suspended": make_user(email="sus@example.test", display_name="Sam Suspended",
                                   suspended_until=datetime(2999, 1, 1, tzinfo=UTC)),
        }
        thread = make_thread(category=public, author=people["ann"], title="Night-time hypos",
                             body="Opening words about hypos", at=T0)
        secret = make_thread(category=private, author=people["ann"], title="Lounge talk",
                             body="Lounge only words", at=T0)
        db.session.commit()
        return SimpleNamespace(
            public_id=public.id, public_slug=public.slug,
            private_id=private.id, private_slug=private.slug,
            thread_id=thread.id, first_post_id=thread.posts[0].id,
            secret_thread_id=secret.id, secret_post_id=secret.posts[0].id,
            ids={name: user.id for name, user in people.items()},
            emails={name: user.email for name, user in people.items()},
        )


@pytest.fixture
def people(forum):
    """``login("bob")`` logs that member of the ``forum`` fixture in."""
    return forum.emails


@pytest.fixture
def powerless_moderators(app, forum):
    """Two moderators without powers over the ``forum`` fixture's categories, added to
    ``forum.ids``/``forum.emails`` so ``login`` knows them: ``untrained`` (role moderator and
    lead of both categories, but no training record) and ``othermod`` (trained, but leading
    only a third category)."""
    with app.app_context():
        elsewhere = make_category(slug="elsewhere", name="Elsewhere", position=3)
        people = {
            "untrained": make_moderator(email="untrained@example.test", display_name="Una Trained",
                                        categories=[forum.public_id, forum.private_id],
                                        trained=False),
            "othermod": make_moderator(email="othermod@example.test", display_name="Otto Mod",
                                       categories=[elsewhere]),
        }
        db.session.commit()
        for name, user in people.items():
            forum.ids[name], forum.emails[name] = user.id, user.email
        forum.elsewhere_id = elsewhere.id
    return set(people)
