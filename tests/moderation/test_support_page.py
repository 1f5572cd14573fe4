"""The supportive page after a crisis hold: the right help for the right crisis. A medical
emergency shows what to do first, then the same support and crisis lines; an emotional
crisis shows support and crisis lines, with a link to the medical guidance."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import Post, ReviewItem
from forum.moderation.screening import assess
from forum.pages.services import crisis_kind
from tests.helpers import newest_post, open_item, text

MEDICAL_REPLY = "my son is unresponsive and his sugar is 1.9, glucagon isn't working"
EMOTIONAL_REPLY = "I keep thinking I want to die, I can't do this anymore"
MEDICAL_BLOCK = 'id="medical-emergency"'


def _reply(client, thread_id, body):
    return client.post(f"/t/{thread_id}/reply", data={"body": body})


def _held_reply(app, client, mod_forum, login, body) -> tuple[str, ReviewItem]:
    login("ann")
    response = _reply(client, mod_forum.thread_id, body)
    with app.app_context():
        post = newest_post()
        item = open_item(post.id)
        db.session.expunge(item)
    assert response.status_code == 302 and response.location == f"/support/{post.id}"
    return text(client.get(response.location)), item


def test_the_risk_engine_reads_the_examples_as_they_are_meant():
    medical, emotional = assess(MEDICAL_REPLY), assess(EMOTIONAL_REPLY)
    assert (medical.decision, medical.kind) == ("crisis", "medical")
    assert (emotional.decision, emotional.kind) == ("crisis", "emotional")


def test_medical_crisis_shows_medical_guidance_before_the_crisis_lines(app, client, mod_forum,
                                                                       login):
    page, item = _held_reply(app, client, mod_forum, login, MEDICAL_REPLY)
    assert item.is_crisis and item.risk_kind == "medical"
    assert "Thank you for telling us" in page and "What happens next" in page
    assert page.count(MEDICAL_BLOCK) == 1
    assert "Call <strong>999</strong> now" in page
    assert "Never put food or drink in the mouth" in page and "glucagon" in page
    # The same emotional support and crisis lines follow the medical guidance.
    assert page.index(MEDICAL_BLOCK) < page.index("Samaritans") < page.index("What happens next")
    assert "116 123" in page


def test_emotional_crisis_shows_support_without_the_medical_block(app, client, mod_forum,
                                                                  login):
    page, item = _held_reply(app, client, mod_forum, login, EMOTIONAL_REPLY)
    assert item.is_crisis and item.risk_kind == "emotional"
    assert "It sounds like things may be really hard right now" in page
    assert MEDICAL_BLOCK not in page and "Never put food or drink" not in page
    assert "Samaritans" in page and "116 123" in page and "<strong>999</strong>" in page
    assert 'href="/help#medical-emergency"' in page  # the medical guidance, one link away


def test_support_page_uses_the_configured_region(app, client, mod_forum, login):
    app.config["CRISIS_REGION"] = "US"
    page, _ = _held_reply(app, client, mod_forum, login, EMOTIONAL_REPLY)
    assert "988" in page and "<strong>911</strong>" in page and "Samaritans" not in page


def test_support_page_uses_crisis_contacts_when_set(app, client, mod_forum, login):
    app.config["CRISIS_CONTACTS"] = [("Our helpline", "01632 960000")]
    page, _ = _held_reply(app, client, mod_forum, login, MEDICAL_REPLY)
    assert "Our helpline" in page and "Samaritans" not in page
    assert page.index(MEDICAL_BLOCK) < page.index("Our helpline")


# --- which kind: the post's crisis item ----------------------------------------------------

def _item(post_id, category_id, **fields) -> ReviewItem:
    item = ReviewItem(post_id=post_id, category_id=category_id, source="watched_phrase",
                      reason="risk_of_harm", priority=0, is_crisis=True, status="open")
    for name, value in fields.items():
        setattr(item, name, value)
    db.session.add(item)
    db.session.flush()
    return item


@pytest.mark.parametrize(("fields", "kind"), [
    ({"risk_kind": "medical"}, "medical"),
    ({"risk_kind": "emotional"}, "emotional"),
    ({"matched_phrase": "cant bring my low up"}, "medical"),  # a medical_emergency phrase
    ({"matched_phrase": "want to die"}, "emotional"),  # a crisis phrase
    ({"matched_phrase": "cant bring my low up", "risk_kind": "emotional"}, "medical"),
    ({"matched_phrase": "want to die", "risk_kind": "medical"}, "medical"),
    ({"is_crisis": False, "risk_kind": "medical"}, "emotional"),  # a check-in, not a crisis
])
def test_crisis_kind(app, mod_forum, fields, kind):
    with app.app_context():
        post = db.session.get(Post, mod_forum.reply_ann_id)
        _item(post.id, mod_forum.type1_id, **fields)
        assert crisis_kind(post.id) == kind


def test_crisis_kind_prefers_the_open_item(app, mod_forum):
    with app.app_context():
        post_id = mod_forum.reply_ann_id
        _item(post_id, mod_forum.type1_id, risk_kind="medical", status="resolved")
        _item(post_id, mod_forum.type1_id, risk_kind="emotional")
        assert crisis_kind(post_id) == "emotional"


def test_crisis_kind_without_a_crisis_item_is_emotional(app, mod_forum):
    with app.app_context():
        assert crisis_kind(mod_forum.reply_ann_id) == "emotional"
