"""Writing through HTTP: starting threads, replying, validation, mass assignment and quotes."""

from __future__ import annotations

from urllib.parse import quote as urlquote

import html5lib
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, Thread
from tests.factories import make_post, make_thread
from tests.helpers import counter_mismatches, row_counts, text

GOOD_TITLE = "Libre sensor keeps failing"
GOOD_BODY = "Third sensor this month, any tips?"


def _new_thread(client, slug="general", **data):
    return client.post(f"/c/{slug}/new", data={"title": GOOD_TITLE, "body": GOOD_BODY} | data)


def _newest(model):
    return db.session.scalar(select(model).order_by(model.id.desc()))


def _textarea(html: str, name: str = "body") -> str:
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    for area in tree.iter("textarea"):
        if area.get("name") == name:
            return area.text or ""
    raise AssertionError(f"no textarea {name!r}")


def _input_value(html: str, name: str) -> str:
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    for element in tree.iter("input"):
        if element.get("name") == name:
            return element.get("value", "")
    raise AssertionError(f"no input {name!r}")


# --- who may post ------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", ["/c/general/new", "/t/{thread}/reply"])
def test_posting_as_visitor_redirects_to_login(app, client, forum, method, path):
    url = path.format(thread=forum.thread_id)

    response = getattr(client, method)(url, data={"title": GOOD_TITLE, "body": GOOD_BODY})

    assert response.status_code == 302
    assert response.location == f"/auth/login?next={urlquote(url, safe='')}"
    with app.app_context():
        assert row_counts()["posts"] == 2


@pytest.mark.parametrize("who, explanation", [
    ("unconfirmed", "Please confirm your email address before posting"),
    ("suspended", "Your account is suspended"),
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_posting_refused_with_explanation(app, client, forum, login, who, explanation, method):
    login(who)
    for url in ("/c/general/new", f"/t/{forum.thread_id}/reply"):
        response = getattr(client, method)(url, data={"title": GOOD_TITLE, "body": GOOD_BODY})
        assert response.status_code == 403, url
        assert explanation in text(response)
    with app.app_context():
        assert row_counts()["posts"] == 2


def test_suspension_that_has_ended_no_longer_blocks(app, client, forum, login, frozen_clock):
    from datetime import timedelta

    from forum.models import User

    with app.app_context():
        member = db.session.get(User, forum.ids["suspended"])
        member.suspended_until = frozen_clock.now - timedelta(minutes=1)
        db.session.commit()
    login("suspended")

    assert _new_thread(client).status_code == 302


def test_new_thread_by_member_redirects_to_the_thread(app, client, forum, login):
    login("bob")

    assert client.get("/c/general/new").status_code == 200
    response = _new_thread(client)

    with app.app_context():
        thread = _newest(Thread)
        assert response.status_code == 302
        assert response.location == f"/t/{thread.id}"
        assert (thread.title, thread.author_id, thread.category_id) == \
            (GOOD_TITLE, forum.ids["bob"], forum.public_id)
        assert [(p.body_source, p.author_id, p.status) for p in thread.posts] == \
            [(GOOD_BODY, forum.ids["bob"], "visible")]
    page = text(client.get(response.location))
    assert GOOD_TITLE in page and GOOD_BODY in page


def test_new_thread_in_members_only_category_by_member(app, client, forum, login):
    login("bob")

    response = _new_thread(client, slug=forum.private_slug)

    assert response.status_code == 302
    with app.app_context():
        assert _newest(Thread).category_id == forum.private_id


def test_reply_by_member_redirects_to_its_permalink(app, client, forum, login):
    login("bob")

    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": "Same happens to me"})

    with app.app_context():
        post = _newest(Post)
        assert (post.thread_id, post.author_id, post.body_source) == \
            (forum.thread_id, forum.ids["bob"], "Same happens to me")
    assert response.status_code == 302
    assert response.location == f"/t/{forum.thread_id}?page=1#post-{post.id}"
    assert "Same happens to me" in text(client.get(f"/t/{forum.thread_id}"))


def test_reply_to_locked_thread_refused_for_members(app, client, forum, login):
    with app.app_context():
        db.session.get(Thread, forum.thread_id).is_locked = True
        db.session.commit()
    login("bob")

    page = client.get(f"/t/{forum.thread_id}")
    form = client.get(f"/t/{forum.thread_id}/reply")
    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": "Let me in"})

    assert "closed to new replies" in text(page)
    assert form.status_code == 403
    assert response.status_code == 403
    assert "closed to new replies" in text(response)
    with app.app_context():
        assert row_counts()["posts"] == 2


@pytest.mark.parametrize("who", ["mod", "admin"])
def test_reply_to_locked_thread_allowed_for_moderators(app, client, forum, login, who):
    with app.app_context():
        db.session.get(Thread, forum.thread_id).is_locked = True
        db.session.commit()
    login(who)

    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": "Closing note from staff"})

    assert response.status_code == 302
    with app.app_context():
        post = _newest(Post)
        assert (post.body_source, post.author_id) == ("Closing note from staff", forum.ids[who])
        assert counter_mismatches() == []


@pytest.mark.parametrize("who", ["untrained", "othermod"])
def test_reply_to_locked_thread_refused_for_moderators_without_powers_here(
        app, client, forum, login, powerless_moderators, who):
    """No current training, or leading another category: a moderator posts as a member."""
    with app.app_context():
        db.session.get(Thread, forum.thread_id).is_locked = True
        db.session.commit()
    login(who)

    assert client.get(f"/t/{forum.thread_id}/reply").status_code == 403
    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": "Let me in"})

    assert response.status_code == 403
    assert "closed to new replies" in text(response)
    with app.app_context():
        assert row_counts()["posts"] == 2


# --- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("title, message", [
    ("a" * 4, "The title needs at least 5 characters (it has 4)."),
    ("a" * 151, "The title is 151 characters long; the limit is 150."),
    ("", "Please write a title."),
    ("   \t  ", "Please write a title."),
    ("ab        c", "The title needs at least 5 characters (it has 4)."),
])
def test_new_thread_title_limits(app, client, forum, login, title, message):
    login("bob")
    with app.app_context():
        before = row_counts()

    response = _new_thread(client, title=title)

    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        assert row_counts() == before


@pytest.mark.parametrize("title", ["a" * 5, "b" * 150, "  padded title  "])
def test_new_thread_title_limits_are_inclusive(app, client, forum, login, title):
    login("bob")

    response = _new_thread(client, title=title)

    assert response.status_code == 302
    with app.app_context():
        assert _newest(Thread).title == title.strip()


@pytest.mark.parametrize("body, message", [
    ("", "Please write a message."),
    (" \n\t \r\n ", "Please write a message."),
    ("x" * 20_001, "The message is 20,001 characters long; the limit is 20,000."),
])
def test_new_thread_body_limits(app, client, forum, login, body, message):
    login("bob")
    with app.app_context():
        before = row_counts()

    response = _new_thread(client, body=body)

    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        assert row_counts() == before


@pytest.mark.parametrize("body, message", [
    ("", "Please write a reply."),
    ("   ", "Please write a reply."),
    ("y" * 20_001, "The reply is 20,001 characters long; the limit is 20,000."),
])
def test_reply_body_limits(app, client, forum, login, body, message):
    login("bob")
    with app.app_context():
        before = row_counts()

    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": body})

    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        assert row_counts() == before
        assert counter_mismatches() == []


@pytest.mark.parametrize("url", ["/c/general/new", "/t/{thread}/reply"])
def test_body_of_exactly_20000_characters_is_accepted(app, client, forum, login, url):
    login("bob")

    response = client.post(url.format(thread=forum.thread_id),
                           data={"title": GOOD_TITLE, "body": "z" * 20_000})

    assert response.status_code == 302
    with app.app_context():
        assert _newest(Post).body_source == "z" * 20_000


def test_body_with_windows_newlines_counts_each_newline_once(app, client, forum, login):
    login("bob")
    body = "line\r\n" * 3_000 + "x" * 2_000  # 20,000 characters once CRLF becomes LF

    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": body})

    assert response.status_code == 302
    with app.app_context():
        assert _newest(Post).body_source == body.replace("\r\n", "\n")


def test_new_thread_form_keeps_what_was_typed(client, forum, login):
    login("bob")
    body = "My draft <with> \"quotes\" & ampersands that I don't want to lose"

    response = _new_thread(client, title="abc", body=body)

    assert response.status_code == 400
    assert _input_value(text(response), "title") == "abc"
    assert _textarea(text(response)) == body


def test_reply_form_keeps_what_was_typed(client, forum, login):
    login("bob")
    body = "draft " + "w" * 20_001

    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": body})

    assert response.status_code == 400
    assert _textarea(text(response)) == body


# --- mass assignment -------------------------------------------------------------------------

def _extras(forum) -> dict[str, str]:
    return {"author_id": str(forum.ids["ann"]), "user_id": str(forum.ids["ann"]),
            "status": "hidden", "is_pinned": "1", "is_locked": "1", "post_count": "99",
            "category_id": str(forum.private_id), "thread_id": str(forum.secret_thread_id),
            "created_at": "2001-01-01T00:00:00", "edited_at": "2001-01-01T00:00:00",
            "role": "admin", "id": "777"}


def test_new_thread_ignores_extra_fields(app, client, forum, login):
    login("bob")

    response = _new_thread(client, **_extras(forum))

    assert response.status_code == 302
    with app.app_context():
        thread = _newest(Thread)
        post = thread.posts[0]
        assert (thread.author_id, thread.category_id, thread.is_pinned, thread.is_locked,
                thread.post_count) == (forum.ids["bob"], forum.public_id, False, False, 1)
        assert thread.id != 777 and post.id != 777
        assert (post.author_id, post.status, post.edited_at) == (forum.ids["bob"], "visible", None)
        assert thread.created_at.year > 2001
        assert counter_mismatches() == []


def test_reply_ignores_extra_fields(app, client, forum, login):
    login("bob")

    response = client.post(f"/t/{forum.thread_id}/reply", data={"body": GOOD_BODY} | _extras(forum))

    assert response.status_code == 302
    with app.app_context():
        post = _newest(Post)
        thread = db.session.get(Thread, forum.thread_id)
        assert (post.author_id, post.thread_id, post.status, post.edited_at) == \
            (forum.ids["bob"], forum.thread_id, "visible", None)
        assert (thread.is_pinned, thread.is_locked, thread.post_count) == (False, False, 2)
        assert post.created_at.year > 2001
        assert counter_mismatches() == []


def test_edit_ignores_extra_fields(app, client, forum, login):
    login("ann")

    response = client.post(f"/p/{forum.first_post_id}/edit",
                           data={"title": "A new title for it", "body": "Edited words"}
                           | _extras(forum))

    assert response.status_code == 302
    with app.app_context():
        post = db.session.get(Post, forum.first_post_id)
        thread = post.thread
        assert (post.body_source, post.author_id, post.thread_id, post.status) == \
            ("Edited words", forum.ids["ann"], forum.thread_id, "visible")
        assert (thread.title, thread.category_id, thread.is_pinned, thread.is_locked,
                thread.post_count) == ("A new title for it", forum.public_id, False, False, 1)
        assert post.edited_at.year > 2001
        assert counter_mismatches() == []


# --- quotes ----------------------------------------------------------------------------------

def test_quote_prefills_a_blockquote_with_the_author_name(client, forum, login):
    login("bob")

    response = client.get(f"/t/{forum.thread_id}/reply?quote={forum.first_post_id}")

    assert response.status_code == 200
    assert _textarea(text(response)) == \
        "> **Ann Author** wrote:\n>\n> Opening words about hypos\n\n"


def test_quote_link_is_on_the_thread_page(client, forum, login):
    login("bob")

    html = text(client.get(f"/t/{forum.thread_id}"))

    assert f'href="/t/{forum.thread_id}/reply?quote={forum.first_post_id}"' in html


def test_quote_of_post_from_another_thread_is_ignored(app, client, forum, login):
    with app.app_context():
        other = make_thread(title="Another public thread", body="other thread words")
        db.session.commit()
        other_post_id = other.posts[0].id
    login("bob")

    for quote_id in (other_post_id, forum.secret_post_id):
        response = client.get(f"/t/{forum.thread_id}/reply?quote={quote_id}")
        assert response.status_code == 200
        assert _textarea(text(response)) == ""


@pytest.mark.parametrize("status", ["deleted_by_author", "hidden", "pending", "removed"])
def test_quote_of_post_the_member_cannot_read_is_ignored(app, client, forum, login, status):
    with app.app_context():
        post = make_post(db.session.get(Thread, forum.thread_id), body="quoteme-unique-token")
        post.status = status
        db.session.commit()
        post_id = post.id
    login("bob")

    response = client.get(f"/t/{forum.thread_id}/reply?quote={post_id}")

    assert response.status_code == 200
    assert "quoteme-unique-token" not in text(response)


def test_quote_of_unknown_post_is_404(client, forum, login):
    login("bob")

    assert client.get(f"/t/{forum.thread_id}/reply?quote=999999").status_code == 404


@pytest.mark.parametrize("value", ["abc", "", "-1", "²", "1e3"])
def test_quote_with_a_malformed_id_is_ignored(client, forum, login, value):
    login("bob")

    response = client.get(f"/t/{forum.thread_id}/reply?quote={value}")

    assert response.status_code == 200
    assert _textarea(text(response)) == ""


def test_quote_in_members_only_thread_needs_membership(client, forum, login):
    url = f"/t/{forum.secret_thread_id}/reply?quote={forum.secret_post_id}"

    visitor = client.get(url)
    login("bob")
    member = client.get(url)

    assert visitor.status_code == 404
    assert "Lounge only words" not in text(visitor)
    assert member.status_code == 200
    assert "Lounge only words" in _textarea(text(member))


def test_quote_in_public_thread_sends_visitor_to_login(client, forum):
    response = client.get(f"/t/{forum.thread_id}/reply?quote={forum.first_post_id}")

    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")
    assert b"Opening words" not in response.data


# --- hostile characters ------------------------------------------------------------------------

def test_control_characters_are_dropped_not_a_server_error(app, client, forum, login):
    login("bob")

    thread = client.post("/c/general/new",
                         data={"title": "Hello\x00 there\x07", "body": "a\x00b\x1bc\nd"})
    reply = client.post(f"/t/{forum.thread_id}/reply", data={"body": "nul\x00byte"})

    assert thread.status_code == 302
    assert reply.status_code == 302
    with app.app_context():
        new = _newest(Thread)
        assert (new.title, new.posts[0].body_source) == ("Hello there", "abc\nd")
        assert _newest(Post).body_source == "nulbyte"


def test_title_of_only_control_characters_is_rejected(client, forum, login):
    login("bob")

    response = client.post("/c/general/new",
                           data={"title": "\x00\x01\x02\x03\x04\x05", "body": "body"})

    assert response.status_code == 400
    assert "Please write a title." in text(response)


@pytest.mark.parametrize("url", ["/c/a%00b", "/c/a%00b/new", "/c/" + "s" * 300])
def test_hostile_category_slugs_are_404(client, forum, login, url):
    assert client.get(url).status_code == 404
    login("bob")
    assert client.get(url).status_code == 404
