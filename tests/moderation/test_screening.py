"""``screen()``: what a post's text decides before anything is saved (no writes)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.admin.services import add_phrase
from forum.extensions import db
from forum.models import User, WatchedPhrase
from forum.moderation.screening import PostBlocked, screen


@pytest.fixture
def ann(app, mod_forum):
    with app.app_context():
        yield db.session.get(User, mod_forum.ids["ann"])


def test_block_phrase_refuses_with_its_category(ann):
    with pytest.raises(PostBlocked) as refused:
        screen(ann, "Selling insulin, two boxes", is_staff=False)
    assert refused.value.category == "prescription_trading"
    assert "prescription trading" in refused.value.message


def test_crisis_phrase_holds_and_is_never_blocked_even_with_a_block_phrase(ann):
    result = screen(ann, "Selling insulin because I want to die anyway", is_staff=False)
    assert result.status == "pending"
    assert result.is_crisis
    # The phrase's review first (the item keeps its source and phrase), then the risk
    # engine's, which adds its kind and evidence to the same item.
    assert [(r.source, r.reason, r.crisis, r.phrase) for r in result.reviews] == [
        ("watched_phrase", "risk_of_harm", True, "want to die"),
        ("screening", "risk_of_harm", True, None)]
    assert result.reviews[1].kind == "emotional"
    assert "want to die" in result.reviews[1].evidence


def test_medical_emergency_holds_as_crisis(ann):
    result = screen(ann, "I can't get my blood sugar up", is_staff=True)
    assert (result.status, result.is_crisis) == ("pending", True)
    assert result.reviews[0].reason == "risk_of_harm"


def test_flag_phrase_publishes_and_queues(ann, mod_forum):
    add_phrase(admin=ann, phrase="miracle cinnamon", action="flag", category="spam")
    result = screen(ann, "This miracle cinnamon works", is_staff=False)
    assert result.status == "visible"
    assert [(r.source, r.reason, r.crisis) for r in result.reviews] == [
        ("watched_phrase", "spam", False)]


def test_hold_phrase_outside_crisis_holds_without_crisis(ann):
    db.session.add(WatchedPhrase(phrase="wholesale strips", action="hold",
                                 category="prescription_trading"))
    result = screen(ann, "Wholesale strips available", is_staff=False)
    assert (result.status, result.is_crisis) == ("pending", False)
    assert result.reviews[0].reason == "prescriptions"


def test_contact_details_make_a_review_only_once_the_member_confirms(ann):
    text = "Ring me on 07700 900123"
    assert screen(ann, text, is_staff=False).reviews == []
    reviews = screen(ann, text, is_staff=False, personal_info_confirmed=True).reviews
    assert [r.reason for r in reviews] == ["personal_info"]


@pytest.mark.parametrize("app_overrides", [{"PREMODERATION_POSTS": 2}])
def test_premoderation_holds_a_new_members_posts_but_not_staff(app, mod_forum, ann):
    newcomer = db.session.scalar(select(User).filter_by(email="cat@example.test"))
    held = screen(newcomer, "Hello all", is_staff=False)
    assert held.status == "pending"
    assert [r.source for r in held.reviews] == ["pre_moderation"]
    assert screen(newcomer, "Hello all", is_staff=True).status == "visible"
    assert screen(newcomer, "Edited text", is_staff=False, new_post=False).status == "visible"
    assert screen(ann, "Ann has visible posts", is_staff=False).status == "visible"
