"""Hearing back, end to end in a real browser with a real SMTP server.

Member A starts a thread; member B replies. A sees the count in the header and the
"1 new" marker on the category page, the reply email arrives (``flask notifications
send``, through the durable outbox), its link leads to the exact post, and reading it
clears both the marker and the count. The second run holds B's reply for review first
(a new member's posts are pre-moderated): nobody is told until the moderator approves it
in the queue, then the same journey follows. Axe runs on the notifications page.
Screenshots: test-artifacts/screenshots/notify-*.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Category, Notification, User
from tests.factories import make_moderator, make_user
from tests.helpers import VIEWPORT, browser_login, check_page, email_text, wait_for_mail

MOD_EMAIL = "mod@example.test"
COUNT = re.compile(r"^Notifications, 1 unread$")  # the header link's accessible name


@pytest.fixture(scope="module")
def notify_site(live_server):
    """Priya (mod) leads the day-to-day category; Nina is a member who starts threads."""
    with live_server.app.app_context():
        daily = db.session.scalar(select(Category).filter_by(slug="day-to-day"))
        make_moderator(db.session.scalar(select(User).filter_by(email=MOD_EMAIL)), [daily],
                       on_duty=True)
        make_user(email="nina@example.test", display_name="Nina New")
        db.session.commit()
        db.session.remove()
    return live_server


def _member(app, email: str, name: str) -> None:
    with app.app_context():
        make_user(email=email, display_name=name)
        db.session.commit()
        db.session.remove()


def _send_notification_emails(app) -> str:
    """What cron does a few minutes later: ``flask notifications send`` (the reply is
    made old enough to be emailed rather than waiting out NOTIFY_EMAIL_DELAY)."""
    with app.app_context():
        db.session.execute(update(Notification).values(
            created_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def _approve_in_queue(browser, live_server, title: str, screenshot) -> None:
    ctx = browser.new_context(viewport=VIEWPORT)
    mod_page = ctx.new_page()
    try:
        browser_login(mod_page, live_server.url, MOD_EMAIL)
        mod_page.goto(live_server("/mod/"))
        row = mod_page.locator("tbody tr", has_text=title)
        expect(row).to_have_count(1)
        row.get_by_role("link").first.click()
        mod_page.get_by_role("button", name="Claim this item").click()
        mod_page.locator("summary", has_text="Approve and publish").click()
        screenshot(mod_page, "notify-held-approving")
        mod_page.get_by_role("button", name="Approve and publish").click()
        expect(mod_page.get_by_text(re.compile("Done: approve"))).to_be_visible()
    finally:
        ctx.close()


@pytest.mark.parametrize("held", [False, True], ids=["published", "held-then-approved"])
def test_a_member_hears_back_from_a_peer(browser, notify_site, mailbox, screenshot, held):
    live_server, app = notify_site, notify_site.app
    label = "held" if held else "published"
    title = f"Sensor keeps falling off ({label})"
    reply_text = f"Skin tac wipes and an overpatch fixed it for me ({label})."
    replier_email = f"ben-{label}@example.test"
    _member(app, replier_email, f"Ben {label.title()}")

    a_ctx, b_ctx = (browser.new_context(viewport=VIEWPORT) for _ in range(2))
    try:
        a_page, b_page = a_ctx.new_page(), b_ctx.new_page()
        # A starts a thread (and so follows it).
        browser_login(a_page, live_server.url, "nina@example.test")
        a_page.goto(live_server("/c/day-to-day/new"))
        a_page.get_by_label("Title").fill(title)
        a_page.get_by_label("Your message").fill("It lasts two days at most. Any tips?")
        a_page.get_by_role("button", name="Start thread").click()
        expect(a_page.get_by_role("heading", level=1)).to_have_text(title)
        thread_path = re.search(r"/t/\d+", a_page.url).group(0)
        expect(a_page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

        # B replies; held, it waits for a moderator and A hears nothing yet.
        browser_login(b_page, live_server.url, replier_email)
        if held:
            app.config["PREMODERATION_POSTS"] = 2
        try:
            b_page.goto(live_server(thread_path))
            b_page.get_by_label("Your reply").fill(reply_text)
            b_page.get_by_role("button", name="Post reply").click()
        finally:
            app.config["PREMODERATION_POSTS"] = 0
        if held:
            expect(b_page.locator(".flash", has_text="waiting for a trained peer moderator")) \
                .to_be_visible()
            a_page.goto(live_server("/"))
            expect(a_page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
            assert "emails=0" in _send_notification_emails(app)
            assert mailbox.to("nina@example.test") == []
            _approve_in_queue(browser, live_server, title, screenshot)

        # A sees the count in the header and "1 new" on the category page.
        a_page.goto(live_server("/c/day-to-day"))
        expect(a_page.get_by_role("link", name=COUNT)).to_be_visible()
        new_link = a_page.get_by_role(
            "link", name=re.compile(rf"^1 new post in “{re.escape(title)}”"))
        expect(new_link).to_be_visible()
        screenshot(a_page, f"notify-{label}-01-count")

        # The email arrives over SMTP, with the reply and a link to the exact post.
        assert "emails=1" in _send_notification_emails(app)
        message = wait_for_mail(mailbox, "nina@example.test")
        assert title in message["Subject"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = email_text(message)
        assert reply_text in body
        link = re.search(rf"{re.escape(live_server.url)}/p/(\d+)", body)
        assert link, body

        # The link leads to the post; reading it clears the marker and the count.
        with a_page.expect_response(lambda r: r.request.method == "POST"
                                    and r.url.endswith("/read")):
            a_page.goto(link.group(0))
        assert a_page.url.endswith(f"#post-{link.group(1)}")
        expect(a_page.locator(f"#post-{link.group(1)}")).to_contain_text(reply_text)
        screenshot(a_page, f"notify-{label}-02-the-post")
        a_page.goto(live_server("/c/day-to-day"))
        expect(a_page.get_by_role("link", name=COUNT)).to_have_count(0)
        expect(a_page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
        expect(a_page.get_by_role("link", name=re.compile(re.escape(title)))).to_be_visible()
        expect(a_page.get_by_role("link", name=re.compile(r"new post in “" + re.escape(title))))\
            .to_have_count(0)
        a_page.goto(live_server("/notifications"))
        expect(a_page.locator("main")).to_contain_text(title)
        check_page(a_page, f"notify-{label}-notifications", screenshot)
    finally:
        a_ctx.close()
        b_ctx.close()
