"""Crisis safety end to end, in a real browser with a real SMTP server.

Three kinds of crisis reach the on-duty moderator: an emotional crisis in a reply and a
medical crisis in a new thread, both caught by the risk engine as members write them, and
a post a member flags "at risk of harm" that the screener missed. Each member sees the
right page (for a medical crisis the medical guidance comes first), the moderator gets an
alert that says the post is held and never quotes it, and the review queue lists the
crisis items before an older spam flag, each with its evidence. The moderator claims them
and the admin dashboard shows the crisis time to claim. Axe (WCAG 2.x A/AA) runs on both
supportive pages, "Need help now?" and the crisis-screening rules page, light and dark.
Screenshots: test-artifacts/screenshots/crisis-*.png and a11y-crisis-*.png.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, ReviewItem, Thread, User
from forum.moderation.phrases import install_default_phrases
from forum.moderation.screening import assess
from forum.moderation.services import flag_post
from tests.factories import make_moderator, make_post, make_user
from tests.helpers import (
    VIEWPORT,
    browser_login,
    check_page,
    email_text,
    item_links,
    wait_for_mail,
)

MOD_EMAIL, ADMIN_EMAIL = "mod@example.test", "crisis-staff@example.test"

# Written the way people write; each decides crisis (emotional / medical) in the engine.
EMOTIONAL = ("Honestly I\u2019m so done with all of it. I\u2019ve been saving up my insulin "
             "pens and I\u2019m going to take them all at once tonight. Nobody would even "
             "notice.")
MEDICAL_TITLE = "Ketones 3.4 and he keeps being sick"
MEDICAL = ("My son (14, type 1) has had a tummy bug since lunch. His ketones are 3.4 and he "
           "has been vomiting for two hours and can\u2019t keep water down. His sugar is 19. "
           "What should we do?")
# A warning sign the screener doesn't read (it decides "none"), but a member does.
WORRYING = ("Gave away the cat and sorted all my paperwork today. Feels calmer somehow, "
            "like it\u2019s all settled now.")
SPAM = "Cheap test strips, half price, message me for a price list!"

# The two supportive pages' headings (templates/moderation/support.html and
# templates/pages/_medical_guidance.html).
MEDICAL_HEADING = "If this is a medical emergency"
TALK_HEADING = "If you need someone to talk to"
DANGER_HEADING = "If you are in danger now"


def _evidence(text: str) -> list[str]:
    """The evidence lines the item page shows for ``text``, as the engine reads it now."""
    return [f"{rule}: \u201c{words}\u201d" for rule, words in assess(text).evidence]


CRISIS_CLAIM_DT = "Crisis items: median time to claim (30 days)"
HELD = "The post is held (not shown to members) until a moderator acts."


@pytest.fixture(scope="module")
def crisis_site(live_server):
    """On top of the live server's seed: Priya (mod) trained, on duty and leading the
    day-to-day category; a staff admin; the shipped phrases; Sam's worrying reply (the
    screener reads nothing in it, so only a member can raise it); and an open spam flag in the same
    category, raised before any crisis item so the queue's order is by urgency, not age."""
    with live_server.app.app_context():
        install_default_phrases()
        daily = db.session.scalar(select(Category).filter_by(slug="day-to-day"))
        mod = db.session.scalar(select(User).filter_by(email=MOD_EMAIL))
        make_moderator(mod, [daily], on_duty=True)
        admin = make_user(email=ADMIN_EMAIL, display_name="Hannah (staff)", role="admin")
        sam = db.session.scalar(select(User).filter_by(email=live_server.seed["sam_email"]))
        spammer = make_user(display_name="Strip Deals")
        hypos = db.session.get(Thread, live_server.seed["thread_id"])
        worrying = make_post(hypos, author=sam, body=WORRYING)
        unanswered = db.session.scalar(select(Thread).filter_by(
            title="Nobody has answered this yet"))
        advert = make_post(unanswered, author=spammer, body=SPAM)
        spam_flag = flag_post(advert, reporter=sam, reason="spam", message="", auto_hide_at=3)
        db.session.commit()
        site = SimpleNamespace(mod_id=mod.id, admin_id=admin.id, worrying_post_id=worrying.id,
                               spam_item_id=spam_flag.item_id, daily_slug=daily.slug)
        db.session.remove()
    return site


def take_alert(mailbox, live_server, *, secrets: tuple[str, ...]) -> tuple[int, str]:
    """The one crisis alert the moderator was just sent: its review item id and text.
    Checks it links to the item, says the post is held and quotes none of ``secrets``;
    then empties the mailbox for the next one."""
    wait_for_mail(mailbox, MOD_EMAIL)
    alerts = mailbox.to(MOD_EMAIL)
    assert len(alerts) == 1, [str(m["Subject"]) for m in alerts]
    assert not mailbox.to(ADMIN_EMAIL)  # a trained lead is on duty: no escalation
    text = email_text(alerts[0])
    match = re.search(rf"{re.escape(live_server.url)}/mod/items/(\d+)", text)
    assert match, text
    assert "A post needs a peer moderator now" in str(alerts[0]["Subject"])
    assert HELD in text, text
    for words in secrets:
        assert words.lower() not in text.lower(), f"the alert quotes the post: {words!r}"
    mailbox.clear()
    return int(match.group(1)), text


def h2_texts(page) -> list[str]:
    return [t.strip() for t in page.locator("main h2").all_inner_texts()]


def test_each_kind_of_crisis_reaches_the_on_duty_moderator(browser, page, live_server,
                                                          crisis_site, mailbox, screenshot):
    seed = live_server.seed
    browser_login(page, live_server.url, seed["alex_email"])

    # 1. An emotional crisis in a reply: the supportive page, crisis lines, no medical
    # guidance first.
    page.goto(live_server(f"/t/{seed['thread_id']}"))
    page.get_by_label("Your reply").fill(EMOTIONAL)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    assert re.search(r"/support/\d+$", page.url), page.url
    expect(page.get_by_role("heading", name=DANGER_HEADING)).to_be_visible()
    expect(page.get_by_text("Example helpline")).to_be_visible()
    expect(page.get_by_role("heading", name=MEDICAL_HEADING)).to_have_count(0)
    expect(page.get_by_role("link", name="what to do in a medical emergency")).to_be_visible()
    assert h2_texts(page)[0] == DANGER_HEADING, h2_texts(page)
    screenshot(page, "crisis-01-emotional-support")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        check_page(page, f"crisis-support-emotional-{scheme}", screenshot)
    page.emulate_media(color_scheme="light")
    emotional_id, _ = take_alert(mailbox, live_server,
                                 secrets=("insulin pens", "all at once", "so done"))

    # 2. A medical crisis in a new thread: call the emergency number first, then the lines.
    page.goto(live_server(f"/c/{crisis_site.daily_slug}/new"))
    page.get_by_label("Title").fill(MEDICAL_TITLE)
    page.get_by_label("Your message").fill(MEDICAL)
    page.get_by_role("button", name="Start thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    assert re.search(r"/support/\d+$", page.url), page.url
    expect(page.get_by_role("heading", name=MEDICAL_HEADING)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Call 999 now if someone with diabetes is "
                                       r"unconscious"))).to_be_visible()
    expect(page.get_by_role("heading", name=TALK_HEADING)).to_be_visible()
    expect(page.get_by_text("Example helpline")).to_be_visible()
    headings = h2_texts(page)
    assert headings.index(MEDICAL_HEADING) < headings.index(TALK_HEADING), headings
    assert headings[0] == MEDICAL_HEADING, headings
    screenshot(page, "crisis-02-medical-support")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        check_page(page, f"crisis-support-medical-{scheme}", screenshot)
    page.emulate_media(color_scheme="light")
    medical_id, medical_alert = take_alert(
        mailbox, live_server, secrets=("ketones", "vomiting", "tummy bug", "keeps being sick"))
    assert "medical emergency" in medical_alert

    # 3. A member flags someone else's post "at risk of harm": it is held at once.
    page.goto(live_server(f"/t/{seed['thread_id']}"))
    page.locator(f"#post-{crisis_site.worrying_post_id}").get_by_role(
        "link", name=re.compile("^Flag this post by Sam Pumps")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flag a post for the moderators")
    page.get_by_role("radio", name=re.compile("^At risk of harm")).check()
    page.get_by_label(re.compile("^Anything a moderator should know")).fill(
        "This sounds like Sam is saying goodbye.")
    screenshot(page, "crisis-03-flag-form")
    page.get_by_role("button", name="Send to a moderator").click()
    expect(page.get_by_text(re.compile("^Thank you for looking out for them"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed["thread_title"])
    expect(page.locator("main")).not_to_contain_text("Gave away the cat")
    screenshot(page, "crisis-04-flagged")
    visitor_ctx = browser.new_context(viewport=VIEWPORT)
    try:
        visitor = visitor_ctx.new_page()
        visitor.goto(live_server(f"/t/{seed['thread_id']}"))
        expect(visitor.get_by_role("heading", level=1)).to_have_text(seed["thread_title"])
        expect(visitor.locator("main")).not_to_contain_text("Gave away the cat")
    finally:
        visitor_ctx.close()
    flagged_id, flagged_alert = take_alert(
        mailbox, live_server, secrets=("gave away the cat", "paperwork", "saying goodbye"))
    assert "flagged a post in a category you lead as at risk of harm" in flagged_alert

    crisis_ids = {emotional_id, medical_id, flagged_id}
    assert len(crisis_ids) == 3

    # 4. The moderator: crisis items first (before the older spam flag), evidence, claim.
    ctx = browser.new_context(viewport=VIEWPORT)
    mod_page = ctx.new_page()
    try:
        browser_login(mod_page, live_server.url, MOD_EMAIL)
        mod_page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Review queue").click()
        expect(mod_page.get_by_role("heading", level=1)).to_have_text("Review queue")
        rows = mod_page.locator("tbody tr")
        expect(rows).to_have_count(4)
        expect(mod_page.locator("tr.row-crisis")).to_have_count(3)
        for n in range(3):
            expect(rows.nth(n)).to_have_class(re.compile(r"\brow-crisis\b"))
        expect(rows.nth(3)).not_to_have_class(re.compile(r"\brow-crisis\b"))
        expect(rows.nth(3)).to_contain_text("Spam")
        listed = item_links(mod_page.content())
        assert set(listed[:3]) == crisis_ids and listed[3] == crisis_site.spam_item_id, listed
        screenshot(mod_page, "crisis-05-queue")

        evidence = {
            emotional_id: ["Emotional (suicide, self-harm)", *_evidence(EMOTIONAL)],
            medical_id: ["Medical (DKA, severe low, insulin omission)",
                         *_evidence(f"{MEDICAL_TITLE}\n{MEDICAL}")],
            flagged_id: ["Flags (1)", "Risk of harm from Alex T1",
                         "\u201cThis sounds like Sam is saying goodbye.\u201d"],
        }
        for n, (item_id, lines) in enumerate(evidence.items(), start=6):
            mod_page.goto(live_server(f"/mod/items/{item_id}"))  # the alert's link
            heading = mod_page.get_by_role("heading", level=1)
            expect(heading).to_contain_text("Crisis")
            expect(mod_page.locator(".facts").first).to_contain_text("pending")
            for line in lines:
                expect(mod_page.get_by_text(line, exact=False).first).to_be_visible()
            if item_id != flagged_id:
                section = mod_page.locator("section", has=mod_page.get_by_role(
                    "heading", name="Why the screener raised it"))
                expect(section.locator("li").first).to_be_visible()
                for line in lines[1:]:
                    expect(section).to_contain_text(line)
            else:
                expect(heading).to_contain_text("At risk of harm")
            mod_page.get_by_role("button", name="Claim this item").click()
            expect(mod_page.get_by_text("You have claimed this item.")).to_be_visible()
            expect(mod_page.get_by_text(re.compile("claimed by Priya"))).to_be_visible()
            screenshot(mod_page, f"crisis-{n:02d}-item-{item_id}-claimed")

        mod_page.get_by_role("link", name="Review queue").first.click()
        expect(mod_page.locator("tr.row-crisis", has_text="Claimed by Priya (mod)")
               ).to_have_count(3)
        expect(rows.nth(3)).to_contain_text("Unclaimed")
        screenshot(mod_page, "crisis-09-queue-claimed")
    finally:
        ctx.close()

    with live_server.app.app_context():
        items = db.session.scalars(select(ReviewItem).where(ReviewItem.id.in_(crisis_ids))
                                   ).all()
        assert {(i.id, i.is_crisis, i.risk_kind) for i in items} == {
            (emotional_id, True, "emotional"), (medical_id, True, "medical"),
            (flagged_id, True, None)}
        for item in items:
            assert item.claimed_by_id == crisis_site.mod_id and item.claimed_at is not None
            assert item.status == "open" and item.post.status == "pending"
        db.session.remove()

    # 5. The admin sees the crisis time to claim on the dashboard.
    ctx = browser.new_context(viewport=VIEWPORT)
    admin_page = ctx.new_page()
    try:
        browser_login(admin_page, live_server.url, ADMIN_EMAIL)
        admin_page.goto(live_server("/admin/"))
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("Program health")
        term = admin_page.locator("dt").filter(
            has_text=re.compile(rf"^\s*{re.escape(CRISIS_CLAIM_DT)}\s*$"))
        expect(term).to_have_count(1)
        expect(term.locator("xpath=following-sibling::dd[1]")).to_have_text(
            re.compile(r"^\s*\d+(\.\d+)? min\s*$"))
        screenshot(admin_page, "crisis-10-dashboard")
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def crisis_admin_tab(browser, live_server, crisis_site):
    ctx = browser.new_context(viewport=VIEWPORT)
    tab = ctx.new_page()
    browser_login(tab, live_server.url, ADMIN_EMAIL)
    yield tab
    ctx.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_help_and_screening_pages_have_no_axe_violations(crisis_admin_tab, live_server,
                                                        screenshot, scheme):
    tab = crisis_admin_tab
    tab.emulate_media(color_scheme=scheme)

    assert tab.goto(live_server("/help")).status == 200
    expect(tab.get_by_role("heading", level=1)).to_have_text("Need help now?")
    expect(tab.get_by_role("heading", name=MEDICAL_HEADING)).to_be_visible()
    check_page(tab, f"crisis-help-{scheme}", screenshot)

    assert tab.goto(live_server("/admin/screening")).status == 200
    expect(tab.get_by_role("heading", level=1)).to_have_text("Crisis screening rules")
    check_page(tab, f"crisis-admin-screening-{scheme}", screenshot)

    # Trying a sample shows the engine's decision and evidence on the same page.
    tab.get_by_label("Sample text to try").fill(EMOTIONAL)
    tab.get_by_role("button", name="Try the sample").click()
    expect(tab.get_by_role("heading", name="Result: crisis (emotional)")).to_be_visible()
    expect(tab.get_by_role("status")).to_contain_text(assess(EMOTIONAL).evidence[0][0])
    check_page(tab, f"crisis-admin-screening-result-{scheme}", screenshot)


def test_the_dose_advice_prompt_lets_a_member_rephrase_or_post_anyway(page, live_server,
                                                                      crisis_site, screenshot):
    """A reply that tells someone what dose to take gets the gentle prompt (text kept,
    no axe violations); ticking "post it as it is" posts it."""
    seed = live_server.seed
    advice = "You should up your basal to 20 units and take 4 more units before bed."
    browser_login(page, live_server.url, seed["alex_email"])
    page.goto(live_server(f"/t/{seed['thread_id']}"))
    page.get_by_label("Your reply").fill(advice)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_role("heading", name=re.compile("a note about dose suggestions"))
           ).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value(advice)
    screenshot(page, "crisis-dose-prompt")
    check_page(page, "crisis-dose-prompt", screenshot)
    page.get_by_label(re.compile("^Post it as it is")).check()
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".post-body", has_text="up your basal to 20 units")).to_be_visible()
