"""Deleting an account, end to end in a real browser with a real SMTP server.

Dora asks to delete her account (password, choice for her posts): she is logged out and
the email with the date arrives. Logging back in cancels it (a message on screen and a
second email). She asks again; after the grace period the job (``flask erasure run``)
erases her: she can no longer log in, and her post is gone from the thread. Axe runs on
``/settings/delete``. Screenshots: test-artifacts/screenshots/delete-*.png.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Thread, User
from tests.factories import PASSWORD, make_post, make_user
from tests.helpers import browser_login, check_page, wait_for_mail

DORA = "dora.deletes@example.test"
DORA_POST = "Dora's words about her pump settings, soon to be gone."


def _ask_to_delete(page, base: str) -> None:
    page.goto(f"{base}/settings")
    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete my account")
    page.get_by_label("Remove my posts").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account will be deleted on")).to_be_visible()
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()  # logged out


def test_delete_cancel_by_logging_in_then_erased(live_server, page, screenshot, mailbox):
    app, base = live_server.app, live_server.url
    with app.app_context():
        dora = make_user(email=DORA, display_name="Dora Deletes")
        thread = db.session.get(Thread, live_server.seed["thread_id"])
        post_id = make_post(thread, author=dora, body=DORA_POST).id
        db.session.commit()
        dora_id = dora.id
        db.session.remove()

    browser_login(page, base, DORA)
    page.goto(f"{base}/settings/delete")
    check_page(page, "delete-account", screenshot)
    # A wrong password is refused, with the error tied to the field.
    page.get_by_label("Your password").fill("not my password at all")
    page.locator("main").get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    check_page(page, "delete-account-error", screenshot)

    _ask_to_delete(page, base)
    assert "will be deleted on" in wait_for_mail(mailbox, DORA)["Subject"]

    # Logging in within the grace period cancels.
    mailbox.clear()
    browser_login(page, base, DORA)
    expect(page.get_by_text("Your account will not be deleted: logging in cancelled")) \
        .to_be_visible()
    assert "will not be deleted" in wait_for_mail(mailbox, DORA)["Subject"]
    screenshot(page, "delete-cancelled")

    # Asked again; the grace period passes; the job runs.
    _ask_to_delete(page, base)
    with app.app_context():
        user = db.session.get(User, dora_id)
        user.deletion_requested_at = utcnow() - timedelta(days=8)
        db.session.commit()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["erasure", "run"])
    assert result.exit_code == 0 and "erased=1 finished=1" in result.output, result.output

    page.goto(f"{base}/auth/login")
    page.get_by_label("Email address").fill(DORA)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_text("That email and password don't match")).to_be_visible()

    page.goto(f"{base}/p/{post_id}")
    article = page.locator(f"#post-{post_id}")
    expect(article).to_contain_text("removed by its author")
    expect(page.locator("main")).not_to_contain_text(DORA_POST)
    expect(page.locator("main")).not_to_contain_text("Dora Deletes")
    screenshot(page, "delete-erased-thread")
    with app.app_context():
        assert db.session.scalar(select(User.erased_at).where(User.id == dora_id)) is not None
        db.session.remove()
