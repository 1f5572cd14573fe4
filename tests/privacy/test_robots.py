"""Search engines: ``noindex`` (meta tag and X-Robots-Tag) on every page but public
category and thread pages (and the home and fixed pages), with SEARCH_ENGINES="public";
everywhere with "none"; and a /robots.txt that agrees."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.models import Thread
from tests.factories import make_post, make_thread
from tests.helpers import force_login

META = re.compile(r'<meta name="robots" content="noindex">')

# (who, url template, indexable with SEARCH_ENGINES="public")
PAGES = [
    (None, "/", True),
    (None, "/c/{public_slug}", True),
    (None, "/t/{thread_id}", True),
    (None, "/help", True),
    (None, "/guidelines", True),
    (None, "/privacy", True),
    (None, "/members/{ann}", False),
    (None, "/search?q=hypos", False),
    (None, "/auth/login", False),
    (None, "/auth/register", False),
    (None, "/t/{held_thread_id}", False),  # a held thread is a 404 for visitors
    (None, "/no-such-page", False),
    ("bob", "/", True),
    ("bob", "/t/{thread_id}", True),
    ("bob", "/c/{private_slug}", False),
    ("bob", "/t/{secret_thread_id}", False),
    ("bob", "/members/{ann}", False),
    ("bob", "/members/{bob}", False),
    ("bob", "/settings", False),
    ("bob", "/notifications", False),
    ("bob", "/new", False),
    ("bob", "/search?q=lounge", False),
    ("bob", "/p/{edited_post_id}/history", False),
    ("mod", "/mod/", False),
    ("mod", "/t/{held_thread_id}", False),  # a listed=False thread, seen by its moderator
    ("admin", "/admin/", False),
]


@pytest.fixture
def world(app, forum):
    with app.app_context():
        thread = db.session.get(Thread, forum.thread_id)
        post = make_post(thread, author=db.session.get(type(thread.author), forum.ids["bob"]))
        post.edited_at = post.created_at
        held_thread = make_thread(category=thread.category, author=thread.author,
                                  title="Held thread")
        held_thread.posts[0].status, held_thread.is_listed = "pending", False  # held for review
        db.session.commit()
        sessions = {name: db.session.get(type(thread.author), user_id).get_id()
                    for name, user_id in forum.ids.items()}
        return {"public_slug": forum.public_slug, "private_slug": forum.private_slug,
                "thread_id": forum.thread_id, "secret_thread_id": forum.secret_thread_id,
                "held_thread_id": held_thread.id, "edited_post_id": post.id,
                **forum.ids, "sessions": sessions}


def fetch(app, world, who, url):
    client = app.test_client()
    if who:
        force_login(client, world["sessions"][who])
    return client.get(url.format(**world))


def noindex(response) -> tuple[bool, bool]:
    html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    return (response.headers.get("X-Robots-Tag") == "noindex", bool(META.search(html)))


@pytest.mark.parametrize("who, url, indexable", PAGES)
def test_public_pages_only_are_indexable(app, world, who, url, indexable):
    response = fetch(app, world, who, url)
    assert response.status_code in (200, 404), (url, response.status_code)
    header, meta = noindex(response)
    assert header is not indexable, url
    if response.mimetype == "text/html":
        assert meta is not indexable, url


@pytest.fixture
def no_engines(app):
    app.config["SEARCH_ENGINES"] = "none"


@pytest.mark.parametrize("who, url", [(who, url) for who, url, _ in PAGES])
def test_search_engines_none_means_noindex_everywhere(app, world, no_engines, who, url):
    response = fetch(app, world, who, url)
    header, meta = noindex(response)
    assert header, url
    if response.mimetype == "text/html":
        assert meta, url


def test_robots_txt_agrees(app, client, world):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    rules = response.get_data(as_text=True)
    assert rules.startswith("User-agent: *\n")
    for path in ("/search", "/settings", "/auth/", "/mod", "/admin", "/notifications"):
        assert f"Disallow: {path}\n" in rules
    assert "Disallow: /\n" not in rules
    assert "Disallow: /t/" not in rules and "Disallow: /c/" not in rules
    # Profiles stay fetchable, so crawlers read their noindex.
    assert "/members" not in rules

    app.config["SEARCH_ENGINES"] = "none"
    assert client.get("/robots.txt").get_data(as_text=True) == "User-agent: *\nDisallow: /\n"


def test_an_unknown_setting_is_as_private_as_none(app, world):
    app.config["SEARCH_ENGINES"] = "pubic"  # a typo must not open anything
    assert noindex(fetch(app, world, None, "/t/{thread_id}")) == (True, True)
