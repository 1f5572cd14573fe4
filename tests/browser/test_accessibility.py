"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the forum's main pages, light and dark.

Every checked page is saved as a screenshot in test-artifacts/screenshots/a11y-*.png.
A failure lists each violation's id, impact, help text and the offending nodes.
"""

from __future__ import annotations

import pytest

from tests.helpers import VIEWPORT, browser_login, check_page

SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def member_state(browser, live_server):
    """Cookies of a logged-in member (Sam), so member pages need no login per test."""
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    browser_login(page, live_server.url, live_server.seed["sam_email"],
                  live_server.seed["password"])
    state = ctx.storage_state()
    ctx.close()
    return state


# One visitor tab and one member tab per module: every test navigates first, and none
# changes what the other tests see, so sharing them saves a browser context per test.
@pytest.fixture(scope="module")
def visitor_tab(browser):
    ctx = browser.new_context(viewport=VIEWPORT)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="module")
def member_tab(browser, member_state):
    ctx = browser.new_context(viewport=VIEWPORT, storage_state=member_state)
    yield ctx.new_page()
    ctx.close()


def _submit_empty_register(page):
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("alert").wait_for()


def _submit_wrong_login(page):
    page.get_by_label("Email address").fill("nobody@example.test")
    page.get_by_label("Password", exact=True).fill("not the right password")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()


def _submit_empty_thread(page):
    page.get_by_role("button", name="Start thread").click()
    page.get_by_role("alert").wait_for()


# name, path (formatted with the seed), logged in?, action after loading
PAGES = [
    ("home", "/", False, None),
    ("category", "/c/{category_slug}", False, None),
    ("thread", "/t/{thread_id}", False, None),
    ("profile", "/members/{alex_id}", False, None),
    ("register", "/auth/register", False, None),
    ("register-errors", "/auth/register", False, _submit_empty_register),
    ("login", "/auth/login", False, None),
    ("login-errors", "/auth/login", False, _submit_wrong_login),
    ("help", "/help", False, None),
    ("guidelines", "/guidelines", False, None),
    ("not-found", "/no-such-page", False, None),
    ("home-member", "/", True, None),
    ("thread-member", "/t/{thread_id}", True, None),
    ("settings", "/settings", True, None),
    ("research-consent", "/settings/research", True, None),
    ("delete-account", "/settings/delete", True, None),
    ("category-member", "/c/{category_slug}", True, None),
    ("notifications", "/notifications", True, None),
    ("new", "/new", True, None),
    ("new-thread-errors", "/c/{category_slug}/new", True, _submit_empty_thread),
]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("name", "path", "member", "action"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_axe_violations(request, live_server, screenshot, name, path, member, action,
                                    scheme):
    page = request.getfixturevalue("member_tab" if member else "visitor_tab")
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server(path.format(**live_server.seed)))
    if action is not None:
        action(page)
    if member:
        assert page.get_by_role("button", name="Log out").count() == 1, "not logged in"
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (scheme == "dark")
    check_page(page, f"{name}-{scheme}", screenshot)


@pytest.mark.parametrize(("name", "path", "member"), [
    ("home", "/", False), ("thread", "/t/{thread_id}", False),
    ("register", "/auth/register", False), ("settings", "/settings", True),
    ("research-consent", "/settings/research", True),
    ("delete-account", "/settings/delete", True),
    ("notifications", "/notifications", True), ("thread-member", "/t/{thread_id}", True),
    ("new", "/new", True), ("category-member", "/c/{category_slug}", True),
])
def test_no_horizontal_scrolling_at_320_css_pixels(browser, live_server, member_state, screenshot,
                                                   name, path, member):
    """WCAG 1.4.10 Reflow: content fits a 320px-wide viewport without sideways scrolling."""
    ctx = browser.new_context(viewport={"width": 320, "height": 800},
                              storage_state=member_state if member else None)
    try:
        page = ctx.new_page()
        page.goto(live_server(path.format(**live_server.seed)))
        screenshot(page, f"a11y-320px-{name}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > 320.5)
            .slice(0, 5).map(el => el.tagName + '.' + el.className)""")
        assert scroll_width <= 320, f"{path}: scrollWidth {scroll_width}px; too wide: {wide}"
    finally:
        ctx.close()


def test_keyboard_skip_link_and_visible_focus(page, live_server, screenshot):
    """Axe can't press Tab: the skip link comes first, shows itself, and moves focus to main;
    every element Tab reaches on the register form shows a focus outline."""
    page.goto(live_server("/"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is off screen"
    screenshot(page, "a11y-keyboard-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")

    page.goto(live_server("/auth/register"))
    unfocused = []
    for _ in range(25):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return {tag: el.tagName, text: (el.textContent || el.name || '').trim().slice(0, 40),
                    outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
        }""")
        if info["tag"] == "BODY":
            break
        if info["outline"] in ("none", "") or info["width"] < 2:
            unfocused.append(info)
    assert unfocused == [], f"no visible focus indicator on: {unfocused}"


def test_mention_suggestions_complete_a_name_and_pass_axe(member_tab, live_server, screenshot):
    """The @name suggestions (static/js/mentions.js): typed text brings up buttons after
    the text area; choosing one completes the name and returns the focus."""
    page = member_tab
    page.goto(live_server("/t/{thread_id}".format(**live_server.seed)))
    body = page.locator("textarea[name='body']")
    body.click()
    body.press_sequentially("Thanks @al", delay=20)
    button = page.get_by_role("button", name="@Alex T1")
    button.wait_for()
    check_page(page, "mention-suggestions", screenshot)
    button.click()
    assert body.input_value() == "Thanks @Alex T1 "
    assert page.evaluate("document.activeElement.name") == "body"
    assert page.locator(".mention-suggestions button").count() == 0
