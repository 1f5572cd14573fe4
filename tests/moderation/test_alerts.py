"""Crisis alerts and escalation: ``flask moderation escalate`` with a frozen clock, once per
item, never for claimed or resolved items; time to claim and to resolve are recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import ReviewItem, User
from tests.helpers import act, audit_rows, email_text, flag, newest_post, open_item, text

CRISIS = "Some nights I just want to die"


def _escalate(runner) -> str:
    result = runner.invoke(args=["moderation", "escalate"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def crisis_item(app, client, mod_forum, login, mailbox):
    """Ann posts a crisis reply at the frozen 'now'; the on-duty moderator is alerted."""
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": CRISIS})
    with app.app_context():
        item_id = open_item(newest_post().id).id
    assert len(mailbox.to(mod_forum.emails["mod"])) == 1
    mailbox.clear()
    return item_id


def test_unclaimed_crisis_escalates_to_every_admin_once(app, runner, mod_forum, crisis_item,
                                                       mailbox, frozen_clock):
    frozen_clock.advance(minutes=14, seconds=59)
    assert _escalate(runner) == "escalated=0"
    assert mailbox.messages == []

    frozen_clock.advance(seconds=1)  # 15 minutes
    assert _escalate(runner) == "escalated=1"

    admins = [mod_forum.emails["admin"], mod_forum.emails["admin2"]]
    assert sorted(str(m["To"]) for m in mailbox.messages) == sorted(admins)
    for message in mailbox.messages:
        said = email_text(message)
        assert str(message["Subject"]).startswith("ESCALATED")
        assert f"/mod/items/{crisis_item}" in said
        assert "want to die" not in said and "Ann" not in said
    with app.app_context():
        item = db.session.get(ReviewItem, crisis_item)
        assert item.escalated_at == frozen_clock.now and item.status == "open"
        [entry] = audit_rows("escalate")
        assert (entry.actor_id, entry.target_id, entry.category_id) == (
            None, crisis_item, mod_forum.type1_id)
        assert "2 admins alerted" in entry.reason

    # Idempotent: cron runs it again every minute; nothing more is sent.
    mailbox.clear()
    assert _escalate(runner) == "escalated=0"
    frozen_clock.advance(hours=3)
    assert _escalate(runner) == "escalated=0"
    assert mailbox.messages == []
    with app.app_context():
        assert len(audit_rows("escalate")) == 1


def test_each_item_escalates_on_its_own_clock(app, client, runner, mod_forum, login,
                                              crisis_item, mailbox, frozen_clock):
    frozen_clock.advance(minutes=10)
    login("ann")
    client.post(f"/t/{mod_forum.thread2_id}/reply", data={"body": "I feel suicidal"})
    mailbox.clear()
    frozen_clock.advance(minutes=5)
    assert _escalate(runner) == "escalated=1"  # the first, 15 minutes old
    frozen_clock.advance(minutes=9)
    assert _escalate(runner) == "escalated=0"
    frozen_clock.advance(minutes=1)
    assert _escalate(runner) == "escalated=1"  # the second
    assert len(mailbox.to(mod_forum.emails["admin"])) == 2


def test_claimed_item_does_not_escalate_and_times_are_recorded(app, client, runner, mod_forum,
                                                              login, crisis_item, mailbox,
                                                              frozen_clock):
    frozen_clock.advance(minutes=5)
    login("mod")
    client.post(f"/mod/items/{crisis_item}/claim")
    frozen_clock.advance(minutes=20)
    assert _escalate(runner) == "escalated=0"
    assert mailbox.messages == []

    frozen_clock.advance(minutes=7)
    assert act(client, crisis_item, "approve", reason="Reached out privately").status_code == 302
    with app.app_context():
        item = db.session.get(ReviewItem, crisis_item)
        assert item.claimed_at - item.created_at == timedelta(minutes=5)
        assert item.resolved_at - item.created_at == timedelta(minutes=32)
        assert item.claimed_by_id == item.resolved_by_id == mod_forum.ids["mod"]
        assert item.escalated_at is None
    login("admin")
    page = text(client.get("/admin/"))
    assert "Median time to claim (30 days)</dt><dd>5.0 min" in page
    assert "Median time to resolve (30 days)</dt><dd>32.0 min" in page


def test_resolved_item_does_not_escalate(app, client, runner, mod_forum, login, crisis_item,
                                         mailbox, frozen_clock):
    login("mod")
    act(client, crisis_item, "reject", reason="We have messaged you privately")
    frozen_clock.advance(minutes=30)
    assert _escalate(runner) == "escalated=0"
    assert mailbox.to(mod_forum.emails["admin"]) == []


def test_non_crisis_items_never_escalate(app, client, runner, mod_forum, login, mailbox,
                                         frozen_clock):
    login("bob")
    flag(client, mod_forum.reply_ann_id, "harassment")
    frozen_clock.advance(hours=2)
    assert _escalate(runner) == "escalated=0"
    assert mailbox.messages == []


@pytest.mark.parametrize("app_overrides", [{"CRISIS_ESCALATE_AFTER_MINUTES": 5}])
def test_escalation_delay_is_configurable(runner, crisis_item, frozen_clock):
    frozen_clock.advance(minutes=4)
    assert _escalate(runner) == "escalated=0"
    frozen_clock.advance(minutes=1)
    assert _escalate(runner) == "escalated=1"


# --- who is on duty -------------------------------------------------------------------------------

def test_going_off_duty_sends_alerts_to_the_admins(app, client, mod_forum, login, mailbox):
    login("mod")
    response = client.post("/mod/duty", follow_redirects=True)
    assert "You are off duty." in text(response)
    with app.app_context():
        assert db.session.get(User, mod_forum.ids["mod"]).is_on_duty is False
        assert [e.action for e in audit_rows()] == ["duty_off"]
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": CRISIS})
    assert mailbox.to(mod_forum.emails["mod"]) == []
    assert len(mailbox.to(mod_forum.emails["admin"])) == 1
    assert mailbox.to(mod_forum.emails["lapsed"]) == []  # on duty, but training expired

    login("mod2")
    response = client.post("/mod/duty", follow_redirects=True)
    assert "You are on duty" in text(response)
    with app.app_context():
        assert db.session.get(User, mod_forum.ids["mod2"]).is_on_duty is True
    login("ann")
    mailbox.clear()
    client.post(f"/t/{mod_forum.thread2_id}/reply", data={"body": CRISIS})
    assert len(mailbox.to(mod_forum.emails["mod2"])) == 1
    assert mailbox.to(mod_forum.emails["admin"]) == []


def test_a_suspended_moderator_on_duty_is_not_alerted(app, client, mod_forum, login, mailbox):
    """A suspended moderator has no powers, so the alert goes to whoever has them."""
    from forum.clock import utcnow

    with app.app_context():
        moderator = db.session.get(User, mod_forum.ids["mod"])
        assert moderator.is_on_duty
        moderator.suspended_until = utcnow() + timedelta(days=2)
        db.session.commit()
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": CRISIS})
    assert mailbox.to(mod_forum.emails["mod"]) == []
    assert len(mailbox.to(mod_forum.emails["admin"])) == 1


def test_alerts_from_one_post_share_one_smtp_connection(app, client, mod_forum, login,
                                                        mailbox, frozen_clock, runner):
    """Escalation alerts every admin (two here): the emails queued by one commit go out
    together, over one connection."""
    login("ann")
    client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": CRISIS})
    mailbox.clear()
    frozen_clock.advance(minutes=20)
    assert _escalate(runner) == "escalated=1"
    assert len(mailbox.raw) == 2
    assert len(set(mailbox.peers)) == 1
