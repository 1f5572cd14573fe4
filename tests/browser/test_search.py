"""Searching from the header in a real browser, following a result, and axe on the
results page in both colour schemes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import check_page


def test_search_from_the_header_and_follow_a_result(page, live_server, screenshot):
    seed = live_server.seed
    page.goto(live_server("/"))
    search = page.get_by_role("search").first
    search.get_by_label("Search the forum").fill("evening runs")
    search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/search\?q=evening\+runs"))
    expect(page.get_by_role("heading", level=2)).to_have_text(re.compile(r"1 result"))
    result = page.get_by_role("link", name=seed["thread_title"])
    expect(result).to_be_visible()
    expect(page.locator(".search-snippet mark").first).to_have_text(re.compile("evening",
                                                                              re.IGNORECASE))
    screenshot(page, "search-01-results")

    result.click()
    expect(page).to_have_url(re.compile(rf"/t/{seed['thread_id']}(\?page=1)?#post-\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(seed["thread_title"])
    screenshot(page, "search-02-followed")


def test_search_filters_from_the_form(page, live_server):
    page.goto(live_server("/search?q=low"))
    page.get_by_text("Filters and sorting").click()
    page.get_by_label("Category").select_option(label="Food and eating")
    page.locator("main").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"category=food"))
    expect(page.get_by_role("link", name="Favourite low-carb breakfasts")).to_be_visible()
    expect(page.get_by_role("link", name=live_server.seed["thread_title"])).to_have_count(0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_pages_have_no_axe_violations(browser, live_server, screenshot, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(live_server("/search"))
        check_page(page, f"search-empty-{scheme}", screenshot)
        page.goto(live_server("/search?q=hypos+OR+breakfasts&sort=newest"))
        check_page(page, f"search-results-{scheme}", screenshot)
    finally:
        context.close()


def test_search_results_fit_a_320px_screen(browser, live_server, screenshot):
    context = browser.new_context(viewport={"width": 320, "height": 800})
    try:
        page = context.new_page()
        page.goto(live_server("/search?q=hypos+OR+breakfasts&category=&after=2020-01-01"))
        screenshot(page, "search-320px")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
