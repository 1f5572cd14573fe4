"""A small forum for the privacy tests: a public and a members-only category, a thread
in each, and one person per role (including a moderator of another category only)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.extensions import db
from tests.factories import make_category, make_moderator, make_thread, make_user
from tests.helpers import T0


@pytest.fixture
def forum(app):
    """Ids and emails (objects would be detached outside the context). ``ann`` wrote both
    threads; ``bob`` is another member; ``mod`` leads both categories; ``othermod``
    leads only a third one; ``admin``."""
    with app.app_context():
        public = make_category(slug="general", name="General chat", position=1)
        private = make_category(slug="lounge", name="Members lounge", members_only=True,
                                position=2)
        elsewhere = make_category(slug="elsewhere", name="Elsewhere", position=3)
        people = {
            "ann": make_user(email="ann@example.test", display_name="Ann Author"),
            "bob": make_user(email="bob@example.test", display_name="Bob Other"),
            "mod": make_moderator(email="mod@example.test", display_name="Mo Derator",
                                  categories=[public, private]),
            "othermod": make_moderator(email="othermod@example.test", display_name="Otto Mod",
                                       categories=[elsewhere]),
            "admin": make_user(email="admin@example.test", display_name="Ada Admin",
                               role="admin"),
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
