"""Unread tracking: read markers, "N new" on listings, the first unread post, the "New"
page, "Mark all as read" and the thread page's "Jump to reply" link.

Reading a page changes nothing (SECURITY.md 26): the thread page carries a hidden form
with the last post it showed, which static/js/read-marker.js posts when the page loads.
``view`` below does what a browser with that script does.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import CategoryFollow, Post, Thread, ThreadFollow, ThreadRead, User
from forum.threads import services as thread_services
from tests.factories import make_category, make_moderator, make_thread, make_user
from tests.helpers import count_queries, text

PER_PAGE = 3


@pytest.fixture
def app_overrides():
    return {"POSTS_PER_PAGE": PER_PAGE}


def _reply(thread, author, clock, body="A reply.", status="visible"):
    clock.advance(minutes=1)
    return thread_services.add_reply(thread, author=author, body=body, status=status)


@pytest.fixture
def uf(app, frozen_clock):
    """``general`` (public) led by ``mod``. Ann started "Pump sites" and Cat replied six
    times: seven posts, three pages of three. Bob is the reader."""
    with app.app_context():
        general = make_category(slug="general", name="General chat")
        ann = make_user(email="ann@example.test", display_name="Ann Author")
        bob = make_user(email="bob@example.test", display_name="Bob Reader", auto_follow=True)
        cat = make_user(email="cat@example.test", display_name="Cat Writer")
        make_moderator(categories=[general], email="mod@example.test", display_name="Mo Derator")
        thread = make_thread(category=general, author=ann, title="Pump sites", body="Opening")
        posts = [thread.posts[0]] + [_reply(thread, cat, frozen_clock, f"Reply {n}")
                                     for n in range(1, 7)]
        db.session.commit()
        return SimpleNamespace(
            general_id=general.id, thread_id=thread.id, post_ids=[p.id for p in posts],
            ids={"ann": ann.id, "bob": bob.id, "cat": cat.id},
        )


@pytest.fixture
def people(uf):
    return {"ann": "ann@example.test", "bob": "bob@example.test", "cat": "cat@example.test",
            "mod": "mod@example.test"}


MARK_FORM = re.compile(r'<form id="mark-page-read" method="post" action="([^"]+)" hidden>'
                       r'\s*<input type="hidden" name="csrf_token" value="([^"]*)">'
                       r'\s*<input type="hidden" name="upto" value="(\d+)">')


def view(client, url):
    """GET a thread page, then post its read marker as read-marker.js does."""
    page = client.get(url)
    assert page.status_code == 200, url
    match = MARK_FORM.search(text(page))
    if match:
        action, token, upto = match.groups()
        answer = client.post(action, data={"csrf_token": token, "upto": upto})
        assert answer.status_code == 204
    return page


def marker(app, uf, who="bob"):
    with app.app_context():
        return db.session.scalar(select(ThreadRead.last_read_post_id).where(
            ThreadRead.user_id == uf.ids[who], ThreadRead.thread_id == uf.thread_id))


def add_replies(app, uf, clock, n, who="cat", status="visible"):
    with app.app_context():
        thread = db.session.get(Thread, uf.thread_id)
        author = db.session.get(User, uf.ids[who])
        ids = [_reply(thread, author, clock, status=status).id for _ in range(n)]
        db.session.commit()
        return ids


def category_page(client):
    return text(client.get("/c/general"))


def new_link(thread_id, n):
    return f'href="/t/{thread_id}/unread">{n} new<span'


# --- the marker -------------------------------------------------------------------------

def test_reading_by_get_changes_nothing_the_page_posts_the_marker(app, client, uf, login):
    login("bob")
    page = text(client.get(f"/t/{uf.thread_id}"))
    assert marker(app, uf) is None
    assert 'src="/static/js/read-marker.js"' in page
    action, _, upto = MARK_FORM.search(page).groups()
    assert action == f"/t/{uf.thread_id}/read" and int(upto) == uf.post_ids[PER_PAGE - 1]


def test_marker_moves_on_view_only_as_far_as_the_page_and_never_backwards(
        app, client, uf, login):
    login("bob")
    view(client, f"/t/{uf.thread_id}")
    assert marker(app, uf) == uf.post_ids[2]
    view(client, f"/t/{uf.thread_id}?page=3")
    assert marker(app, uf) == uf.post_ids[6]

    page = view(client, f"/t/{uf.thread_id}?page=1")  # going back records nothing
    assert not MARK_FORM.search(text(page))
    answer = client.post(f"/t/{uf.thread_id}/read", data={"upto": uf.post_ids[0]})
    assert answer.status_code == 204
    assert marker(app, uf) == uf.post_ids[6]


def test_paged_thread_counts_what_the_pages_not_seen_hold(app, client, uf, login,
                                                          frozen_clock):
    login("bob")
    assert new_link(uf.thread_id, 4) not in category_page(client)  # never opened: nothing
    view(client, f"/t/{uf.thread_id}")  # page 1 of 3: posts 0-2
    assert new_link(uf.thread_id, 4) in category_page(client)
    view(client, f"/t/{uf.thread_id}?page=2")
    assert new_link(uf.thread_id, 1) in category_page(client)
    add_replies(app, uf, frozen_clock, 2)
    assert new_link(uf.thread_id, 3) in category_page(client)


def test_own_posts_never_count_and_writing_moves_the_marker(app, client, uf, login,
                                                            frozen_clock):
    login("bob")
    view(client, f"/t/{uf.thread_id}?page=3")
    assert client.post(f"/t/{uf.thread_id}/reply", data={"body": "Thanks all!"}).status_code == 302
    mine = add_replies(app, uf, frozen_clock, 1, who="bob")[0]
    assert marker(app, uf) == mine
    with app.app_context():  # even behind the marker, one's own posts are not new
        opening = db.session.get(Post, uf.post_ids[0])
        db.session.execute(update(ThreadRead).where(ThreadRead.user_id == uf.ids["bob"])
                           .values(last_read_post_id=opening.id,
                                   last_read_post_at=opening.created_at))
        db.session.commit()
    assert new_link(uf.thread_id, 6) in category_page(client)  # Cat's six, not Bob's two
    login("ann")  # starting the thread put Ann's marker at her opening post
    assert new_link(uf.thread_id, 8) in category_page(client)


def test_pending_and_hidden_posts_of_others_do_not_count(app, client, uf, login, frozen_clock):
    login("bob")
    view(client, f"/t/{uf.thread_id}?page=3")
    add_replies(app, uf, frozen_clock, 1, status="pending")
    add_replies(app, uf, frozen_clock, 1, status="hidden")
    visible = add_replies(app, uf, frozen_clock, 1)[0]
    assert new_link(uf.thread_id, 1) in category_page(client)
    location = client.get(f"/t/{uf.thread_id}/unread").location
    assert location.endswith(f"#post-{visible}")
    assert location == f"/t/{uf.thread_id}?page=4#post-{visible}"  # past 2 placeholders
    # a page moves the marker only past posts Bob may read: page 3 adds none
    assert not MARK_FORM.search(text(client.get(f"/t/{uf.thread_id}?page=3")))
    page = text(client.get(f"/t/{uf.thread_id}?page=4"))
    assert int(MARK_FORM.search(page).group(3)) == visible


# --- links to the first unread post -----------------------------------------------------

def test_first_unread_link_goes_to_the_right_page_and_post(app, client, uf, login):
    login("bob")
    view(client, f"/t/{uf.thread_id}")
    location = client.get(f"/t/{uf.thread_id}/unread").location
    assert location == f"/t/{uf.thread_id}?page=2#post-{uf.post_ids[3]}"
    view(client, f"/t/{uf.thread_id}?page=2")
    location = client.get(f"/t/{uf.thread_id}/unread").location
    assert location == f"/t/{uf.thread_id}?page=3#post-{uf.post_ids[6]}"
    view(client, f"/t/{uf.thread_id}?page=3")
    assert client.get(f"/t/{uf.thread_id}/unread").location == f"/t/{uf.thread_id}"


def test_thread_page_offers_first_unread_and_mark_as_read(app, client, uf, login):
    login("bob")
    view(client, f"/t/{uf.thread_id}")
    page = text(client.get(f"/t/{uf.thread_id}?page=2"))
    assert "4 new posts since you last read this thread" in page
    assert f'href="/t/{uf.thread_id}/unread">Go to the first new post' in page
    assert page.count('<span class="badge">New</span>') == PER_PAGE  # posts 3-5
    response = client.post(f"/t/{uf.thread_id}/read")  # the button: the whole thread
    assert response.status_code == 302 and response.location == f"/t/{uf.thread_id}"
    assert marker(app, uf) == uf.post_ids[6]
    assert "since you last read" not in text(client.get(f"/t/{uf.thread_id}"))


@pytest.mark.parametrize("upto", ["abc", "0", "-1", "9" * 12])
def test_bad_marker_input_is_a_400(client, uf, login, upto):
    login("bob")
    assert client.post(f"/t/{uf.thread_id}/read", data={"upto": upto}).status_code == 400


def test_marker_must_be_a_post_of_this_thread_the_member_may_read(app, client, uf, login,
                                                                  frozen_clock):
    hidden = add_replies(app, uf, frozen_clock, 1, status="hidden")[0]
    with app.app_context():
        other = make_thread(category=db.session.get(Thread, uf.thread_id).category,
                            author=db.session.get(User, uf.ids["cat"]))
        db.session.commit()
        other_post = other.posts[0].id
    login("bob")
    for upto in (other_post, hidden, 999999):
        assert client.post(f"/t/{uf.thread_id}/read", data={"upto": upto}).status_code == 404
    assert marker(app, uf) is None


# --- listings: one query for the whole page ---------------------------------------------

def _read_threads_with_news(app, uf, clock, n):
    """``n`` more threads in general, each read by Bob and then replied to twice."""
    with app.app_context():
        general = db.session.get(Thread, uf.thread_id).category
        cat, bob = db.session.get(User, uf.ids["cat"]), db.session.get(User, uf.ids["bob"])
        for i in range(n):
            thread = make_thread(category=general, author=cat, title=f"Thread number {i}")
            clock.advance(minutes=1)
            thread_services.add_reply(thread, author=bob, body="Read it.")  # marker here
            _reply(thread, cat, clock)
            _reply(thread, cat, clock)
        db.session.commit()


def test_category_page_queries_stay_constant_as_threads_grow(app, client, uf, login,
                                                             frozen_clock):
    login("bob")
    view(client, f"/t/{uf.thread_id}")
    costs = {}
    for n in (2, 8):
        _read_threads_with_news(app, uf, frozen_clock, n - len(costs) * 2)
        with count_queries(app) as queries:
            page = category_page(client)
        costs[n] = queries[0]
        assert page.count(">2 new<span") == n
    assert costs[2] == costs[8], costs


def test_home_page_shows_new_posts_of_each_latest_thread(app, client, uf, login):
    login("bob")
    view(client, f"/t/{uf.thread_id}")
    assert new_link(uf.thread_id, 4) in text(client.get("/"))


# --- the "New" page ---------------------------------------------------------------------

def test_new_page_lists_only_followed_threads_with_unread_posts(app, client, uf, login,
                                                                frozen_clock):
    with app.app_context():
        general = db.session.get(Thread, uf.thread_id).category
        cat, bob = db.session.get(User, uf.ids["cat"]), db.session.get(User, uf.ids["bob"])
        caught_up = make_thread(category=general, author=cat, title="Caught up")
        _reply(caught_up, bob, frozen_clock)  # Bob follows it and has read it all
        unfollowed = make_thread(category=general, author=cat, title="Not followed")
        db.session.add(ThreadFollow(user_id=bob.id, thread_id=uf.thread_id))
        other = make_category(slug="other", name="Other")
        in_followed_category = make_thread(category=other, author=cat, title="Opened here")
        never_opened = make_thread(category=other, author=cat, title="Never opened")
        muted = make_thread(category=other, author=cat, title="Muted one")
        db.session.add(CategoryFollow(user_id=bob.id, category_id=other.id))
        db.session.add(ThreadFollow(user_id=bob.id, thread_id=muted.id, level="mute"))
        db.session.commit()
        ids = SimpleNamespace(unfollowed=unfollowed.id, opened=in_followed_category.id,
                              muted=muted.id, never=never_opened.id,
                              opened_first=in_followed_category.posts[0].id,
                              muted_first=muted.posts[0].id)
    login("bob")
    for thread_id, first in ((ids.opened, ids.opened_first), (ids.muted, ids.muted_first)):
        client.post(f"/t/{thread_id}/read", data={"upto": first})
    view(client, f"/t/{ids.unfollowed}")
    with app.app_context():
        for thread_id in (ids.unfollowed, ids.opened, ids.muted, ids.never):
            _reply(db.session.get(Thread, thread_id), db.session.get(User, uf.ids["cat"]),
                   frozen_clock)
        db.session.commit()

    page = text(client.get("/new"))
    titles = re.findall(r'<a href="/t/\d+">([^<]+)</a>', page)
    assert titles == ["Opened here", "Pump sites"]  # newest activity first
    assert new_link(ids.opened, 1) in page
    assert new_link(uf.thread_id, 7) in page  # followed, never opened: every post by others


def test_new_page_costs_one_query_per_page(app, client, uf, login, frozen_clock):
    login("bob")
    costs = {}
    for n in (2, 8):
        _read_threads_with_news(app, uf, frozen_clock, n - len(costs) * 2)
        with count_queries(app) as queries:
            page = text(client.get("/new"))
        costs[n] = queries[0]
        assert page.count(">2 new<span") == n
    assert costs[2] == costs[8], costs


def test_new_page_pages_and_past_the_end_is_404(app, client, uf, login, frozen_clock):
    app.config["NEW_THREADS_PER_PAGE"] = 2
    _read_threads_with_news(app, uf, frozen_clock, 3)
    login("bob")
    assert client.get("/new?page=2").status_code == 200
    assert client.get("/new?page=3").status_code == 404
    assert client.get("/new?page=x").status_code == 404


def test_mark_all_as_read(app, client, uf, login, frozen_clock):
    _read_threads_with_news(app, uf, frozen_clock, 3)
    login("bob")
    page = text(client.get("/new"))
    assert 'action="/new/read"' in page and "Mark all as read" in page
    assert client.get("/new/read").status_code == 405
    response = client.post("/new/read")
    assert response.status_code == 302 and response.location == "/new"
    page = text(client.get("/new"))
    assert "all caught up" in page and "Mark all as read" not in page
    assert " new<span" not in category_page(client)
    add_replies(app, uf, frozen_clock, 1)  # Pump sites is not followed: still not listed
    assert "all caught up" in text(client.get("/new"))


def test_visitors_are_sent_to_log_in(client, uf):
    assert client.get("/new").status_code == 302
    assert "/auth/login" in client.get("/new").location
    assert "/auth/login" in client.post("/new/read").location
    assert "/auth/login" in client.post(f"/t/{uf.thread_id}/read").location
    assert client.get(f"/t/{uf.thread_id}/unread").location == f"/t/{uf.thread_id}"
    page = text(client.get(f"/t/{uf.thread_id}"))
    assert "mark-page-read" not in page and "read-marker.js" not in page


def test_header_links_to_the_new_page(client, uf, login):
    login("bob")
    assert 'href="/new">New<span class="visually-hidden"> in threads you follow' in text(
        client.get("/"))


# --- jump to reply ----------------------------------------------------------------------

def _jump_target(page: str) -> str:
    match = re.search(r'<p class="jump-links"><a href="#([^"]+)">Jump to reply</a>', page)
    assert match, "no jump link"
    assert f'id="{match.group(1)}"' in page, "the jump link's target is missing"
    return match.group(1)


def test_jump_to_reply_targets_the_reply_box(client, uf, login):
    page = text(client.get(f"/t/{uf.thread_id}"))
    assert _jump_target(page) == "reply-login"
    login("bob")
    page = text(client.get(f"/t/{uf.thread_id}"))
    target = _jump_target(page)
    assert re.search(rf'<textarea[^>]* id="{target}"', page)
    # it comes before the posts
    assert page.index("Jump to reply") < page.index(f'id="post-{uf.post_ids[0]}"')
