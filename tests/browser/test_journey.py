"""A newcomer's first visit in a real browser, and hostile post bodies that must never run."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.helpers import browser_login, link_in, wait_for_mail

XSS_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "xss"
NEWCOMER = {"email": "newcomer@example.test", "name": "Night Owl",
            "password": "blue kettle on a quiet morning"}


def _header(page):
    return page.get_by_role("navigation", name="Main")


def test_newcomer_joins_posts_replies_reacts_and_logs_out(page, live_server, mailbox,
                                                         screenshot):
    seed = live_server.seed

    # Home → Join
    page.goto(live_server("/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to")
    screenshot(page, "journey-01-home")
    _header(page).get_by_role("link", name="Join", exact=True).click()
    expect(page).to_have_url(re.compile(r"/auth/register$"))

    # Register
    page.get_by_label("Email address").fill(NEWCOMER["email"])
    page.get_by_label("Display name").fill(NEWCOMER["name"])
    page.get_by_label("Password").fill(NEWCOMER["password"])
    page.get_by_label(re.compile("I understand this is a peer-support forum")).check()
    screenshot(page, "journey-02-register-filled")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    screenshot(page, "journey-03-check-email")

    # Confirm the address from the link the SMTP server received
    message = wait_for_mail(mailbox, NEWCOMER["email"])
    link = link_in(message, "/auth/confirm/")
    assert link.startswith(live_server.url), link  # SERVER_NAME unset: the request's host
    page.goto(link)
    screenshot(page, "journey-04-confirm")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()

    # Log in through the form
    browser_login(page, live_server.url, NEWCOMER["email"], NEWCOMER["password"])
    expect(_header(page).get_by_role("link", name=NEWCOMER["name"])).to_be_visible()

    # Open a category and start a thread
    page.get_by_role("link", name=seed["category_name"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed["category_name"])
    screenshot(page, "journey-05-category")
    page.get_by_role("link", name="Start a thread").click()
    title = "First time on a pump: tips?"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your message").fill(
        "I start on a pump next week. **What surprised you** at first?")
    screenshot(page, "journey-06-new-thread")
    page.get_by_role("button", name="Start thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".post-body strong")).to_have_text("What surprised you")
    expect(page.get_by_text("Your thread is posted")).to_be_visible()

    # Reply through the form at the bottom of the thread
    reply = "Adding: my first infusion set change is on Tuesday."
    page.get_by_label("Your reply").fill(reply)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    expect(page.locator(".post-body", has_text=reply)).to_be_visible()
    expect(page.locator("article.post")).to_have_count(2)
    screenshot(page, "journey-07-thread-with-reply")

    # React "Thanks" on another member's post
    page.goto(live_server(f"/t/{seed['thread_id']}"))
    other = page.locator("article.post", has_text="Thanks both, I'll try that tonight.")
    thanks = other.get_by_role("button", name=re.compile(r"^Thanks"))
    expect(thanks).to_have_attribute("aria-pressed", "false")
    expect(thanks.locator(".count")).to_have_text("0")
    thanks.click()
    other = page.locator("article.post", has_text="Thanks both, I'll try that tonight.")
    thanks = other.get_by_role("button", name=re.compile(r"^Thanks"))
    expect(thanks.locator(".count")).to_have_text("1")
    expect(thanks).to_have_attribute("aria-pressed", "true")
    screenshot(page, "journey-08-reacted")

    # Log out with the header's button
    _header(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out")).to_be_visible()
    expect(_header(page).get_by_role("link", name="Log in")).to_be_visible()
    expect(_header(page).get_by_role("button", name="Log out")).to_have_count(0)
    screenshot(page, "journey-09-logged-out")


# --- hostile post bodies --------------------------------------------------------------

FIXED_VECTORS = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<script>alert(1)</script>",
    "[click](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">plain html link</a>',
    "<iframe src=javascript:alert(1)>",
    '<body onload=alert(1)>',
    "<input autofocus onfocus=alert(1)>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<marquee onstart=alert(1)>x</marquee>",
]


# Script-capable elements, inline handlers, styles and script URLs in posts or the title.
FIND_SCRIPT_VECTORS = """() => {
    const found = [];
    const tags = /^(script|iframe|object|embed|svg|math|img|details|input|form|style|body)$/i;
    for (const el of document.querySelectorAll('.post-body *, h1')) {
        if (tags.test(el.tagName)) found.push(el.tagName);
        for (const a of el.attributes) {
            if (/^on/i.test(a.name) || a.name === 'style') found.push(`${el.tagName}@${a.name}`);
            if (/^\\s*(javascript|vbscript|data):/i.test(a.value)) {
                found.push(`${el.tagName}=${a.value}`);
            }
        }
    }
    return found;
}"""


def _corpus_vectors(limit: int = 40) -> list[str]:
    """A deterministic handful of one-line payloads from the shared XSS corpus."""
    if not XSS_CORPUS.is_dir():
        return []
    picked: list[str] = []
    for path in sorted(XSS_CORPUS.glob("payloadsallthethings-*.txt")):
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines()
                 if "<" in ln or "javascript:" in ln.lower()]
        picked.extend(lines[:: max(len(lines) // 3, 1)][:3])
    return [v[:1000] for v in picked][:limit]


def test_hostile_post_bodies_never_run_script(page, live_server, screenshot):
    dialogs: list[str] = []
    csp_errors: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda msg: csp_errors.append(msg.text)
            if "Content Security Policy" in msg.text else None)

    browser_login(page, live_server.url, live_server.seed["sam_email"])
    page.goto(live_server(f"/c/{live_server.seed['category_slug']}"))
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill('<img src=x onerror=alert("title")> hostile title')
    page.get_by_label("Your message").fill("\n\n".join(FIXED_VECTORS[:4]))
    page.get_by_role("button", name="Start thread").click()
    expect(page.get_by_text("Your thread is posted")).to_be_visible()
    thread_url = page.url

    corpus = _corpus_vectors()
    bodies = FIXED_VECTORS + ["\n\n".join(corpus[i:i + 10]) for i in range(0, len(corpus), 10)]
    posted = page.get_by_text("Your reply is posted.")
    # Long digit runs in the corpus's URLs read as phone numbers: the personal-information
    # prompt asks first, and ticking "post it anyway" posts the same body.
    share_anyway = page.get_by_label(re.compile("post it anyway"))
    for body in bodies:
        page.get_by_label("Your reply").fill(body)
        page.get_by_role("button", name="Post reply").click()
        expect(posted.or_(share_anyway)).to_be_visible()
        if share_anyway.count():
            share_anyway.check()
            page.get_by_role("button", name="Post reply").click()
        expect(posted).to_be_visible()

    # Read every page of the thread (20 posts a page), poking at each post.
    checked, url = 0, thread_url.split("#")[0].split("?")[0]
    while url:
        page.goto(url)
        for body in page.locator(".post-body").all():
            body.hover()
            checked += 1
        page.wait_for_timeout(200)  # let any late handler (load, toggle, focus) fire
        dangerous = page.evaluate(FIND_SCRIPT_VECTORS)
        assert dangerous == [], f"{url}: {dangerous}"
        if checked <= 20:
            screenshot(page, "xss-thread")
        following = page.locator(".pager a[rel=next]").first
        url = following.get_attribute("href") if following.count() else None
        url = live_server(url) if url else None
    assert checked == 1 + len(bodies)
    assert dialogs == [], f"a post body ran script: {dialogs}"
    assert csp_errors == [], f"the CSP had to block something: {csp_errors}"
