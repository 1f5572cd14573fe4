"""A small forum for the export tests: ``alice`` (the member who exports) with a bit of
everything, and ``bob``, whose data must never appear in her export.

alice started "Pump sites" (and edited its opening post twice: once herself, once a
moderator, whose version was later redacted), replied in bob's thread, had a reply
removed, reacted to bob's post, flagged bob's post, follows a thread and a category,
subscribed to the digest (one category), gave then withdrew research consent, logged
in once and changed her display name. bob flagged alice's post, with a message.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    CategoryFollow,
    DisplayNameChange,
    Flag,
    LoginEvent,
    PostStatus,
    ResearchConsent,
    ReviewItem,
)
from forum.threads import services as threads
from tests.factories import make_category, make_moderator, make_post, make_thread, make_user
from tests.helpers import subscribe_member

ALICE_EMAIL = "alice@example.test"
BOB_EMAIL = "bob-secret-address@example.test"
BOB_TEXT = "BOB-ONLY-TEXT: my own story about basal rates"
BOB_FLAG_MESSAGE = "BOB-FLAG-MESSAGE: alice shares too much"


@pytest.fixture
def app_overrides(tmp_path):
    return {"EXPORT_DIR": str(tmp_path / "exports")}


def _flag(post, reporter, reason: str, message: str) -> None:
    item = ReviewItem(post_id=post.id, category_id=post.thread.category_id, source="flags",
                      reason=reason, priority=2)
    db.session.add(item)
    db.session.flush()
    db.session.add(Flag(post_id=post.id, reporter_id=reporter.id, item_id=item.id,
                        reason=reason, message=message))


@pytest.fixture
def world(app, frozen_clock):
    with app.app_context():
        general = make_category(slug="general", name="General chat", position=1)
        food = make_category(slug="food", name="Food and eating", position=2)
        alice = make_user(email=ALICE_EMAIL, display_name="Alice Pumps",
                          bio="Type 1 since 2001 <b>bold?</b>", email_follows="never",
                          quiet_hours=True)
        bob = make_user(email=BOB_EMAIL, display_name="Bob Builder")
        mod = make_moderator(categories=[general], email="mod@example.test",
                             display_name="Mo Derator")
        own = make_thread(category=general, author=alice, title="Pump sites",
                          body="First version: call me on 07700 900123")
        opening = own.posts[0]
        frozen_clock.advance(minutes=1)
        threads.edit_post(opening, editor=alice, body="Second version <script>alert(1)</script>")
        frozen_clock.advance(minutes=1)
        threads.edit_post(opening, editor=mod, body="Third version, see https://example.org/x")
        threads.redact_revision(opening.revisions[0], by=mod, reason="phone number")
        bobs = make_thread(category=food, author=bob, title="Bob's breakfast thread",
                           body=BOB_TEXT)
        bob_post = bobs.posts[0]
        reply = make_post(bobs, author=alice, body="Alice replies: porridge works for me")
        removed = make_post(bobs, author=alice, body="Alice's removed reply")
        removed.status = PostStatus.REMOVED
        make_post(own, author=bob, body=BOB_TEXT + " (a reply)")
        threads.toggle_reaction(bob_post, user=alice, kind="thanks")
        threads.toggle_reaction(opening, user=bob, kind="me_too")  # given by bob: not hers
        _flag(bob_post, alice, "spam", "Alice's flag: looks like an advert")
        _flag(opening, bob, "personal_info", BOB_FLAG_MESSAGE)
        db.session.add(CategoryFollow(user_id=alice.id, category_id=food.id))
        db.session.add(CategoryFollow(user_id=bob.id, category_id=general.id))
        subscribe_member(alice, categories=[food])
        subscribe_member(bob)
        now = utcnow()
        db.session.add_all([
            ResearchConsent(user_id=alice.id, version="2026-1", granted=True,
                            at=now - timedelta(days=2)),
            ResearchConsent(user_id=alice.id, version="2026-1", granted=False,
                            at=now - timedelta(days=1)),
            ResearchConsent(user_id=bob.id, version="2026-1", granted=True, at=now),
            LoginEvent(user_id=alice.id, at=now, network="203.0.113.0/24",
                       browser="Firefox on Linux"),
            LoginEvent(user_id=bob.id, at=now, network="198.51.100.0/24",
                       browser="Bob's Browser on BobOS"),
            DisplayNameChange(user_id=alice.id, old_name="Alice Old", new_name="Alice Pumps",
                              changed_at=now - timedelta(days=40)),
            DisplayNameChange(user_id=bob.id, old_name="Bob Old", new_name="Bob Builder",
                              changed_at=now),
        ])
        db.session.commit()
        return SimpleNamespace(alice_id=alice.id, bob_id=bob.id, mod_id=mod.id,
                               own_thread_id=own.id, opening_id=opening.id, reply_id=reply.id,
                               removed_id=removed.id, bob_post_id=bob_post.id,
                               bobs_thread_id=bobs.id)
