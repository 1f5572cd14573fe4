"""Script injection through the forms: titles are escaped, bodies sanitised, on every page."""

from __future__ import annotations

import html5lib
from sqlalchemy import select

from forum.extensions import db
from forum.models import Thread
from tests.helpers import text

TITLE = "<script>alert(1)</script>"
BODY = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(2)</script>"


def _assert_inert(html: str) -> None:
    """No live script (but the forum's own files), event handler, image or script URL
    (escaped *text* is fine)."""
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html.lower()
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    # The forum's own scripts (static/js, by src, empty) are the only script elements.
    assert [e for e in tree.iter("script")
            if not e.get("src", "").startswith("/static/js/") or (e.text or "").strip()] == []
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in ("href", "src", "action", "formaction"):
                scheme = value.strip().lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), value


def test_script_in_title_and_body_is_inert_everywhere(app, client, forum, login):
    login("bob")
    response = client.post("/c/general/new", data={"title": TITLE, "body": BODY})
    assert response.status_code == 302
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.title == TITLE))
        post_id = thread.posts[0].id
        assert "<img" not in thread.posts[0].body_html
        assert "href" not in thread.posts[0].body_html
    client.post(f"/t/{thread.id}/reply", data={"body": BODY})
    client.post(f"/p/{post_id}/edit", data={"title": TITLE, "body": BODY + " edited"})

    pages = {
        "thread": client.get(f"/t/{thread.id}"),
        "category": client.get("/c/general"),
        "home": client.get("/"),
        "reply": client.get(f"/t/{thread.id}/reply?quote={post_id}"),
        "edit": client.get(f"/p/{post_id}/edit"),
        "delete": client.get(f"/p/{post_id}/delete"),
        "history": client.get(f"/p/{post_id}/history"),
        "profile": client.get(f"/members/{forum.ids['bob']}"),
    }
    client.post("/auth/logout")
    pages["thread (visitor)"] = client.get(f"/t/{thread.id}")

    for name, page in pages.items():
        assert page.status_code == 200, name
        html = text(page)
        _assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(pages["thread"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(pages["home"])


def test_script_in_a_rejected_form_is_echoed_escaped(client, forum, login):
    login("bob")

    response = client.post("/c/general/new", data={"title": "<svg onload=alert(1)>" + "x" * 200,
                                                   "body": BODY})

    assert response.status_code == 400
    assert "<svg onload" not in text(response)
    assert "&lt;svg onload=alert(1)&gt;" in text(response)
