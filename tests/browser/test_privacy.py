"""The privacy page and the privacy settings in a real browser, with axe: a member
reads the privacy page from the footer, changes their display name and hides their
profile from visitors through the settings page (also at 320 px, no JavaScript needed).
Screenshots: test-artifacts/screenshots/a11y-privacy-*.png."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.helpers import browser_login, check_page


def test_privacy_page_and_settings(live_server, page, screenshot):
    seed = live_server.seed
    page.goto(live_server("/"))
    page.get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your privacy")
    check_page(page, "privacy-page", screenshot)

    browser_login(page, live_server.url, seed["sam_email"])
    page.goto(live_server("/settings"))
    check_page(page, "privacy-settings", screenshot)
    page.get_by_label("New display name").fill("Sam Sensors")
    page.get_by_role("button", name="Change display name").click()
    expect(page.get_by_text("Your display name is now Sam Sensors.")).to_be_visible()

    page.get_by_label("New display name").fill("Sam Again")
    page.get_by_role("button", name="Change display name").click()
    expect(page.get_by_text("You can change it again from")).to_be_visible()
    check_page(page, "privacy-settings-refused", screenshot)

    page.get_by_label("Hide my profile from visitors who are not logged in").check()
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_text("now see only your display name")).to_be_visible()

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(live_server("/privacy"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the privacy page scrolls sideways at 320 px ({width} px)"
    check_page(page, "privacy-page-320", screenshot)
