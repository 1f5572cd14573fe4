"""Digest fixtures: settings, a clock at a send time, a silent SMTP server, a small forum.

The time constants (``SEND_TIME``, ``IN_PERIOD`` ...) and the helpers that subscribe,
send and run the CLI in another process are in ``tests.helpers``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum import clock
from forum.extensions import db
from tests.factories import make_category, make_moderator, make_thread, make_user
from tests.helpers import (
    IN_PERIOD,
    SEND_TIME,
    SilentServer,
    subscribe_email,
    subscribe_member,
    use_smtp_port,
)


@pytest.fixture
def app_overrides():
    return {
        "SERVER_NAME": "forum.test",
        "PREFERRED_URL_SCHEME": "https",
        "DIGEST_RETRY_DELAYS": "0.05,0.1",
        "MAIL_RECONNECT_DELAYS": "0.05,0.1",
        "MAIL_TIMEOUT": 2,
    }


@pytest.fixture
def at_send_time():
    """The clock frozen just after the 2026-W48 digest became due."""
    clock.freeze(SEND_TIME)
    yield SEND_TIME
    clock.freeze(None)


@pytest.fixture
def silent_server(app):
    """A TCP server that accepts and never answers, which the app sends to."""
    server = SilentServer()
    use_smtp_port(app, server.port)
    yield server
    server.close()


@pytest.fixture
def world(app, at_send_time):
    """A public and a members-only category, an author, two member subscribers (one a
    moderator), an admin and an email-only subscriber; one thread opened in 2026-W48."""
    with app.app_context():
        general = make_category(slug="general", name="General chat", position=1)
        lounge = make_category(slug="lounge", name="Members lounge", members_only=True,
                               position=2)
        author = make_user(email="author@example.test", display_name="Ann Author")
        reader = make_user(email="reader@example.test", display_name="Rita Reader")
        mod = make_moderator(email="mod@example.test", display_name="Mo Derator",
                             categories=[general, lounge])
        admin = make_user(email="admin@example.test", display_name="Ada Admin", role="admin")
        thread = make_thread(category=general, author=author, title="Night-time hypos",
                             body="Does anyone else wake up low after exercise?", at=IN_PERIOD)
        subs = {
            "reader": subscribe_member(reader),
            "mod": subscribe_member(mod),
            "guest": subscribe_email("guest@example.test"),
        }
        db.session.commit()
        return SimpleNamespace(
            general_id=general.id, lounge_id=lounge.id, thread_id=thread.id,
            ids={"author": author.id, "reader": reader.id, "mod": mod.id, "admin": admin.id},
            subs={name: s.id for name, s in subs.items()},
            tokens={name: s.token for name, s in subs.items()},
        )
