"""Digest pages: preview, moderators' picks, the admin overview and category modes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import AuditEntry, Category, DigestFeature, DigestSubscription
from tests.helpers import SEND_TIME, body_text, logout, new_thread, summary_of


def test_preview_my_digest_is_the_email_html(app, client, login, world):
    new_thread(app, category_id=world.general_id, title="This week so far",
               at=SEND_TIME + timedelta(hours=2))
    clock.freeze(SEND_TIME + timedelta(days=1))
    login("reader@example.test")
    response = client.get("/digest/preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This week so far" in html and "Why you receive this" in html
    # Last week's thread is not news any more, but it still waits for a first reply.
    assert html.index("Can you help?") < html.index("Night-time hypos")
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"

    from forum.digest.content import Selections
    from forum.digest.emails import build_digest_email, load_recipient
    from forum.digest.schedule import Schedule, current_period

    with app.app_context():
        recipient = load_recipient(world.subs["reader"])
        selections = Selections(current_period(Schedule(), clock.utcnow()))
        window = selections.window_for(recipient, until=clock.utcnow())  # since their last
        digest = selections.compose(recipient, window=window)
        assert build_digest_email(recipient, digest).html == html


def test_preview_when_nothing_is_new_or_not_subscribed(app, client, login, world):
    from tests.helpers import PERIOD_START

    with app.app_context():  # they have had the digest of the week that just ended
        db.session.get(DigestSubscription, world.subs["reader"]).covered_until = \
            PERIOD_START + timedelta(days=7)
        db.session.commit()
    login("reader@example.test")
    response = client.get("/digest/preview")  # Monday 09:00: the new week is an hour old
    assert response.status_code == 200 and b"Nothing new yet" in response.data
    logout(client)
    login("author@example.test")
    response = client.get("/digest/preview")
    assert response.status_code == 200 and b"don't get the weekly digest" in response.data


def test_preview_needs_a_login(client, world):
    response = client.get("/digest/preview")
    assert response.status_code == 302


def test_moderator_features_a_thread_for_the_next_digest(app, client, login, runner, world,
                                                         mailbox):
    login("mod@example.test")
    page = client.get(f"/t/{world.thread_id}")
    assert b"Feature in next digest" in page.data
    response = client.post(f"/digest/feature/{world.thread_id}")
    assert response.status_code == 302
    assert b"Remove from next digest" in client.get(f"/t/{world.thread_id}").data
    with app.app_context():
        assert db.session.scalar(select(DigestFeature.period)) == "2026-W49"
        entry = db.session.scalar(select(AuditEntry).filter_by(action="digest_feature"))
        assert entry.actor_id == world.ids["mod"] and entry.target_id == world.thread_id

    clock.freeze(SEND_TIME + timedelta(days=7))
    result = runner.invoke(args=["digest", "send"])
    assert summary_of(result.output)["period"] == "2026-W49"
    text = body_text(mailbox.to("guest@example.test")[0])
    assert text.index("PICKED BY OUR MODERATORS") < text.index("Night-time hypos")


def test_feature_toggles_off(app, client, login, world):
    login("mod@example.test")
    client.post(f"/digest/feature/{world.thread_id}")
    client.post(f"/digest/feature/{world.thread_id}")
    with app.app_context():
        assert db.session.scalar(select(DigestFeature.id)) is None
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["digest_feature", "digest_unfeature"]


def test_members_cannot_feature(app, client, login, world):
    login("reader@example.test")
    assert b"Feature in next digest" not in client.get(f"/t/{world.thread_id}").data
    assert client.post(f"/digest/feature/{world.thread_id}").status_code == 403
    assert client.post("/digest/feature/999999").status_code == 404


def test_admin_overview_counts_and_previews(app, client, login, runner, world):
    from forum.digest.subscriptions import request_email_subscription

    with app.app_context():
        request_email_subscription("pending@example.test")
        db.session.get(DigestSubscription, world.subs["mod"]).status = "suppressed"
        db.session.commit()
    runner.invoke(args=["digest", "send", "--period", "2026-W48"])
    login("admin@example.test")
    page = client.get("/admin/digest")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-W48" in html and "Weekly digest" in html
    assert "g•••@example.test" in html and "guest@example.test" not in html
    from forum.digest.subscriptions import subscriber_counts

    with app.app_context():
        counts = subscriber_counts()
    assert counts["all"] == {"confirmed": 2, "pending": 1, "unsubscribed": 0, "suppressed": 1}
    assert counts["members"]["suppressed"] == 1 and counts["email"]["pending"] == 1

    new_thread(app, category_id=world.general_id, title="Fresh this week",
               at=SEND_TIME + timedelta(hours=1))
    clock.freeze(SEND_TIME + timedelta(hours=3))
    preview = client.get(f"/admin/digest/subscribers/{world.subs['guest']}/preview")
    assert preview.status_code == 200 and b"Fresh this week" in preview.data
    assert client.get("/admin/digest/subscribers/999/preview").status_code == 404


def test_admin_pages_are_for_admins(app, client, login, world):
    assert client.get("/admin/digest").status_code in (302, 404)
    login("mod@example.test")
    assert client.get("/admin/digest").status_code == 403
    assert client.get(f"/admin/digest/subscribers/{world.subs['guest']}/preview").status_code \
        == 403
    assert client.post(f"/admin/digest/categories/{world.general_id}",
                       data={"mode": "excluded"}).status_code == 403


def test_admin_sets_a_category_sensitive(app, client, login, world):
    login("admin@example.test")
    response = client.post(f"/admin/digest/categories/{world.general_id}",
                           data={"mode": "sensitive"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Category, world.general_id).digest_mode == "sensitive"
        assert db.session.scalar(select(AuditEntry.action).filter_by(
            action="digest_category_mode")) is not None
    bad = client.post(f"/admin/digest/categories/{world.general_id}",
                      data={"mode": "shouting"})
    assert bad.status_code == 400


def test_footer_links_to_the_public_page(client, world):
    assert b'href="/digest"' in client.get("/").data
