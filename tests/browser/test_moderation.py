"""The moderator's journey in a real browser, and axe on every moderation and admin page.

A member posts a crisis reply through the UI and sees the supportive page; the on-duty
moderator gets the alert email (no post text), logs in, opens the review queue and the
crisis item, claims it, approves it with a note and sees the queue empty. Axe (WCAG 2.x
A/AA, light and dark) runs on the queue, the item page, the admin pages and the flag
form. Screenshots: test-artifacts/screenshots/moderation-*.png and a11y-mod-*.png.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Post, ReviewItem, Thread, User, WatchedPhrase
from forum.moderation.phrases import install_default_phrases
from forum.moderation.services import flag_post
from tests.factories import make_moderator, make_user
from tests.helpers import VIEWPORT, browser_login, check_page, wait_for_mail

MOD_EMAIL, ADMIN_EMAIL = "mod@example.test", "staff@example.test"
CRISIS = "Sorry to jump in. I can\u2019t bring my low up, 2.4 and shaking, home alone tonight."


@pytest.fixture(scope="module")
def mod_site(live_server):
    """On top of the live server's seed: Priya (mod) trained and on duty for the day-to-day
    category, a staff admin, the shipped phrases, and a flagged post in "Food and eating"
    (a category Priya doesn't lead) so admin pages have an item to show."""
    with live_server.app.app_context():
        install_default_phrases()
        daily = db.session.scalar(select(Category).filter_by(slug="day-to-day"))
        mod = db.session.scalar(select(User).filter_by(email=MOD_EMAIL))
        make_moderator(mod, [daily], on_duty=True)
        admin = make_user(email=ADMIN_EMAIL, display_name="Hannah (staff)", role="admin")
        alex = db.session.scalar(select(User).filter_by(email=live_server.seed["alex_email"]))
        breakfast = db.session.scalar(select(Thread).filter_by(
            title="Favourite low-carb breakfasts"))
        flag_post(breakfast.posts[0], reporter=alex, reason="other",
                  message="Is this an advert?", auto_hide_at=3)
        db.session.commit()
        site = SimpleNamespace(
            mod_id=mod.id, admin_id=admin.id,
            food_item_id=db.session.scalar(select(ReviewItem.id)),
            phrase_id=db.session.scalar(select(WatchedPhrase.id).filter_by(phrase="kill myself")),
            sam_post_id=breakfast.posts[0].id,
        )
        db.session.remove()
    return site


def test_moderator_handles_a_crisis_post_from_the_queue(browser, page, live_server, mod_site,
                                                       mailbox, screenshot):
    seed = live_server.seed

    # A member posts a crisis reply and sees the supportive page, not an error.
    browser_login(page, live_server.url, seed["alex_email"])
    page.goto(live_server(f"/t/{seed['thread_id']}"))
    page.get_by_label("Your reply").fill(CRISIS)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    expect(page.get_by_text("Example helpline")).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    assert re.search(r"/support/\d+$", page.url)
    screenshot(page, "moderation-01-supportive-page")
    check_page(page, "mod-support", screenshot)

    # The on-duty moderator is alerted with a link and without the post's text.
    alert = wait_for_mail(mailbox, MOD_EMAIL)
    body = alert.get_body(preferencelist=("plain",)).get_content()
    assert "/mod/items/" in body and "shaking" not in body and "low up" not in body

    # The moderator logs in, opens the queue, then the crisis item.
    ctx = browser.new_context(viewport=VIEWPORT)
    mod_page = ctx.new_page()
    try:
        browser_login(mod_page, live_server.url, MOD_EMAIL)
        mod_page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Review queue").click()
        expect(mod_page.get_by_role("heading", level=1)).to_have_text("Review queue")
        crisis_row = mod_page.locator("tr.row-crisis")
        expect(crisis_row).to_have_count(1)
        expect(crisis_row).to_contain_text("Night-time hypos after exercise")
        expect(mod_page.locator("tbody tr")).to_have_count(1)  # food isn't Priya's
        screenshot(mod_page, "moderation-02-queue")
        check_page(mod_page, "mod-queue", screenshot)

        crisis_row.get_by_role("link").click()
        expect(mod_page.get_by_role("heading", level=1)).to_contain_text("Crisis")
        expect(mod_page.locator(".post-focus")).to_contain_text("shaking")
        # The matched phrase, and the screener's evidence naming the words it read.
        expect(mod_page.get_by_text("cant bring my low up").first).to_be_visible()
        expect(mod_page.get_by_text("low_stuck: “cant bring my low up”")).to_be_visible()
        assert mod_page.url.rstrip("/").endswith(body.split("/mod/items/")[1].split()[0])
        check_page(mod_page, "mod-item", screenshot)

        # Claim it, then approve it with a note.
        mod_page.get_by_role("button", name="Claim this item").click()
        expect(mod_page.get_by_text("You have claimed this item.")).to_be_visible()
        expect(mod_page.get_by_text(re.compile("claimed by Priya"))).to_be_visible()
        screenshot(mod_page, "moderation-03-claimed")
        mod_page.locator("summary", has_text="Approve and publish").click()
        mod_page.get_by_label("Note (optional)").fill("Replied privately with the helpline.")
        screenshot(mod_page, "moderation-04-approving")
        mod_page.get_by_role("button", name="Approve and publish").click()

        expect(mod_page.get_by_text(re.compile("Done: approve"))).to_be_visible()
        expect(mod_page.get_by_text("Nothing here. Thank you")).to_be_visible()
        expect(mod_page.locator("tbody tr")).to_have_count(0)
        screenshot(mod_page, "moderation-05-queue-empty")
        check_page(mod_page, "mod-queue-empty", screenshot)

        # The resolved item shows who did what and when.
        mod_page.get_by_label("Status").select_option("resolved")
        mod_page.get_by_role("button", name="Filter").click()
        expect(mod_page.locator("tbody tr")).to_have_count(1)
        expect(mod_page.locator("tbody tr")).to_contain_text("Approved")
        mod_page.get_by_role("navigation", name="Moderation").get_by_role(
            "link", name="Audit log").click()
        expect(mod_page.locator("tbody")).to_contain_text("approve")
        expect(mod_page.locator("tbody")).to_contain_text("claim")
        check_page(mod_page, "mod-audit", screenshot)
    finally:
        ctx.close()

    # Everyone can now read the post; the author was told.
    page.goto(live_server(f"/t/{seed['thread_id']}"))
    expect(page.locator(".post-body", has_text="shaking")).to_be_visible()
    told = re.compile(r"^Notifications, \d+ unread$")  # the header link's accessible name
    expect(page.get_by_role("link", name=told)).to_be_visible()
    with live_server.app.app_context():
        post = db.session.scalar(select(Post).filter(Post.body_source == CRISIS))
        assert post.status == "visible"
        item = db.session.scalar(select(ReviewItem).filter_by(post_id=post.id))
        assert (item.status, item.outcome, item.claimed_by_id, item.resolved_by_id) == (
            "resolved", "approved", mod_site.mod_id, mod_site.mod_id)
        db.session.remove()


@pytest.fixture(scope="module")
def admin_tab(browser, live_server, mod_site):
    ctx = browser.new_context(viewport=VIEWPORT)
    tab = ctx.new_page()
    browser_login(tab, live_server.url, ADMIN_EMAIL, live_server.seed["password"])
    yield tab
    ctx.close()


ADMIN_PAGES = [
    ("admin-dashboard", "/admin/"),
    ("admin-people", "/admin/people?q=alex"),
    ("admin-person", "/admin/people/{mod_id}"),
    ("admin-phrases", "/admin/phrases"),
    ("admin-phrase-edit", "/admin/phrases/{phrase_id}"),
    ("admin-queue", "/mod/"),
    ("admin-newcomers", "/mod/newcomers"),
    ("admin-screening", "/admin/screening"),
    ("admin-item", "/mod/items/{food_item_id}"),
    ("admin-audit", "/mod/audit"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("name", "path"), ADMIN_PAGES, ids=[p[0] for p in ADMIN_PAGES])
def test_admin_pages_have_no_axe_violations(admin_tab, live_server, mod_site, screenshot, name,
                                            path, scheme):
    admin_tab.emulate_media(color_scheme=scheme)
    response = admin_tab.goto(live_server(path.format(**vars(mod_site))))
    assert response.status == 200
    expect(admin_tab.get_by_role("heading", level=1)).to_be_visible()
    check_page(admin_tab, f"mod-{name}-{scheme}", screenshot)


def test_admin_form_errors_have_no_axe_violations(admin_tab, live_server, mod_site, screenshot):
    admin_tab.emulate_media(color_scheme="light")
    admin_tab.goto(live_server(f"/admin/people/{mod_site.mod_id}"))
    admin_tab.get_by_role("button", name="Record training").click()
    expect(admin_tab.get_by_role("alert")).to_be_visible()
    check_page(admin_tab, "mod-admin-person-errors", screenshot)
    admin_tab.goto(live_server("/admin/phrases"))
    admin_tab.get_by_role("button", name="Add phrase").click()
    expect(admin_tab.get_by_role("alert")).to_be_visible()
    check_page(admin_tab, "mod-admin-phrases-errors", screenshot)
    admin_tab.goto(live_server(f"/mod/items/{mod_site.food_item_id}"))
    admin_tab.locator("summary", has_text="Hide the post").click()
    admin_tab.get_by_role("button", name="Hide the post").click()
    expect(admin_tab.get_by_text("Please give a reason.")).to_be_visible()
    check_page(admin_tab, "mod-admin-item-errors", screenshot)


def test_flag_form_has_no_axe_violations(page, live_server, mod_site, screenshot):
    browser_login(page, live_server.url, live_server.seed["alex_email"])
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(live_server(f"/t/{live_server.seed['thread_id']}"))
        page.get_by_role("link", name=re.compile("^Flag this post by Sam Pumps")).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Flag a post for the moderators")
        check_page(page, f"mod-flag-{scheme}", screenshot)
        page.get_by_role("radio", name="Something else").check()
        page.get_by_role("button", name="Send to a moderator").click()
        expect(page.get_by_text("Please tell the moderators what is wrong.")).to_be_visible()
        check_page(page, f"mod-flag-errors-{scheme}", screenshot)
