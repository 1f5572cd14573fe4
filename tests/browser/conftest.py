"""Browser fixtures: Debian's chromium through Playwright, and the forum on a real port.

The live server is module-scoped: one app, one database and one seeded set of
categories, members and threads per test module, served by Werkzeug in a daemon
thread. Playwright's sync API stays in the test thread. ``FORUM_TEST_DB=postgresql``
serves from the session's PostgreSQL database (emptied per module); the default is a
copy of the session's SQLite template in a temporary directory. Screenshots go to
``test-artifacts/screenshots/`` under the repository root (git-ignored).

Every test here is marked ``browser`` and ``slow`` (tests/conftest.py). Log in with
``tests.helpers.browser_login``; ``tests.helpers.check_page`` runs axe.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from forum import create_app
from forum.extensions import db
from forum.threads import services
from tests.factories import (
    PASSWORD,
    make_category,
    make_moderator,
    make_post,
    make_thread,
    make_user,
)
from tests.helpers import IN_CI, ROOT, VIEWPORT, free_port

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"


# --- the browser ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM_PATH).exists():
        message = f"chromium not installed at {CHROMIUM_PATH}: apt-get install chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip("chromium not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    yield pg
    pg.close()


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG and returns its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- the forum on a real port --------------------------------------------------------

@dataclass
class LiveServer:
    """The running forum: its base URL, the app and what was seeded."""

    url: str
    app: object
    seed: dict = field(default_factory=dict)

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _seed() -> dict:
    """Categories, members and threads that every browser page can rely on."""
    daily = make_category(name="Day-to-day life", slug="day-to-day", position=1)
    food = make_category(name="Food and eating", slug="food", position=2)
    carers = make_category(name="Carers and parents", slug="carers", position=3,
                           members_only=True)
    introductions = make_category(name="Introductions", slug="introductions", position=4)

    alex = make_user(email="alex@example.test", display_name="Alex T1")
    sam = make_user(email="sam@example.test", display_name="Sam Pumps")
    # A trained peer moderator. test_moderation.py makes her lead day-to-day itself (and
    # relies on her not leading food), so she starts out leading the two other categories.
    mod = make_moderator(email="mod@example.test", display_name="Priya (mod)",
                         categories=[carers, introductions])
    alex.bio = "Type 1 since 2009. Runner, slow cook, tea drinker."

    welcome = make_thread(category=daily, author=mod, title="Welcome: please read first",
                          body="Be kind. **Peer support**, not medical advice.\n\n"
                               "- Introduce yourself\n- Ask anything")
    welcome.is_pinned = True
    closed = make_thread(category=daily, author=sam, title="Old sensor thread (closed)",
                         body="This one is archived.")
    closed.is_locked = True
    make_thread(category=daily, author=sam, title="Nobody has answered this yet",
                body="What do you keep in your hypo kit?")

    thread = make_thread(
        category=daily, author=alex, title="Night-time hypos after exercise",
        body="After evening runs I often go low around 3am.\n\n"
             "> Reduce basal after exercise, my nurse said.\n\n"
             "Has anyone found something that helps? See https://example.org/guide",
    )
    first = thread.posts[0]
    reply1 = make_post(thread, author=sam, body="Same here. A small snack with protein helps me.")
    reply2 = make_post(thread, author=mod, body="Good question. `temp basal` settings are "
                                                "worth asking your team about.")
    make_post(thread, author=alex, body="Thanks both, I'll try that tonight.")
    for post, user, kind in [(reply1, alex, "thanks"), (reply1, mod, "me_too"),
                             (reply2, alex, "thanks"), (reply2, sam, "thanks")]:
        services.toggle_reaction(post, user=user, kind=kind)
    services.toggle_reaction(first, user=sam, kind="me_too")
    services.edit_post(first, editor=alex, body=first.body_source + "\n\n(Edited to add the link.)")
    make_thread(category=food, author=sam, title="Favourite low-carb breakfasts",
                body="Eggs, mostly. What about you?")
    db.session.commit()
    return {
        "category_slug": daily.slug,
        "category_name": daily.name,
        "thread_id": thread.id,
        "thread_title": thread.title,
        "alex_id": alex.id,
        "alex_email": alex.email,
        "sam_email": sam.email,
        "sam_id": sam.id,
        "password": PASSWORD,
    }


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, test_database, smtp_server):
    """The forum with CSRF on, served on 127.0.0.1:<free port> for one test module."""
    tmp = tmp_path_factory.mktemp("live")
    port = free_port()
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": test_database.url(tmp),
        "WTF_CSRF_ENABLED": True,  # real forms in a real browser
        "SERVER_NAME": None,
        "LOCAL_SERVER_NAME": f"127.0.0.1:{port}",  # emailed links point at this server
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server[0].port,
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "SEARCH_INDEX_DIR": test_database.search_index(tmp),
        "CRISIS_CONTACTS": [("Emergency services", "call 999 or 112"),
                            ("Example helpline", "01632 960000, weekdays 9am to 6pm")],
    })
    with app.app_context():
        test_database.empty(app)  # PostgreSQL: whatever an earlier test left behind
        seed = _seed()
        db.session.remove()

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-forum", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app, seed=seed)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()  # rows stay: the unit tests' app fixture empties the tables
            db.engine.dispose()
