"""Reading the forum through HTTP: home, category pages, thread pages, permalinks, members-only."""

from __future__ import annotations

from datetime import timedelta

import html5lib
import pytest

from forum.extensions import db
from forum.models import Thread
from tests.factories import make_category, make_post, make_thread, make_user
from tests.helpers import T0, post_anchor_ids, text


def _category_cards(html: str) -> list[dict]:
    """What the home page says about each category, in page order."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    cards = []
    for card in tree.iter("li"):
        if card.get("class") != "category-card":
            continue
        stats = {dt.text: dd.text for dt, dd in
                 (div.findall("*") for div in card.find(".//dl").findall("div"))}
        latest = card.find(".//p[@class='category-latest']/a")
        cards.append({
            "name": card.find(".//h3/a").text,
            "description": card.find(".//div[@class='category-main']/p").text,
            "threads": int(stats["Threads"]),
            "posts": int(stats["Posts"]),
            "latest": latest.text if latest is not None else None,
        })
    return cards


# --- home ---------------------------------------------------------------------------------

def test_index_lists_categories_in_position_order_with_counts_and_latest_thread(app, client):
    with app.app_context():
        ann = make_user()
        third = make_category(name="Food and carbs", position=3)
        first = make_category(name="Newly diagnosed", position=1)
        make_category(name="Tech and pumps", position=2)
        make_thread(category=first, author=ann, title="Older thread here", at=T0)
        newer = make_thread(category=first, author=ann, title="Quiet but newer thread",
                            at=T0 + timedelta(hours=1))
        revived = make_thread(category=first, author=ann, title="Revived old thread",
                              at=T0 - timedelta(days=1))
        make_post(revived, author=ann, at=T0 + timedelta(hours=2))
        make_thread(category=third, author=ann, title="Pasta and insulin", at=T0)
        assert newer.id
        db.session.commit()

    cards = _category_cards(text(client.get("/")))

    assert [c["name"] for c in cards] == ["Newly diagnosed", "Tech and pumps", "Food and carbs"]
    assert cards[0] == {"name": "Newly diagnosed", "description": "A place to talk.",
                        "threads": 3, "posts": 4, "latest": "Revived old thread"}
    assert (cards[1]["threads"], cards[1]["posts"], cards[1]["latest"]) == (0, 0, None)
    assert (cards[2]["threads"], cards[2]["posts"], cards[2]["latest"]) == \
        (1, 1, "Pasta and insulin")


def test_index_hides_members_only_categories_from_visitors(client, forum, login):
    visitor = text(client.get("/"))
    assert "General chat" in visitor
    assert "Members lounge" not in visitor
    assert "Lounge talk" not in visitor

    login("bob")
    member = text(client.get("/"))
    assert [c["name"] for c in _category_cards(member)] == ["General chat", "Members lounge"]
    assert "Lounge talk" in member


# --- members-only ---------------------------------------------------------------------------

def _members_only_urls(forum, *, missing: bool) -> list[str]:
    slug = "no-such-category" if missing else forum.private_slug
    thread_id = 999_999 if missing else forum.secret_thread_id
    post_id = 999_999 if missing else forum.secret_post_id
    return [f"/c/{slug}", f"/c/{slug}/new", f"/t/{thread_id}", f"/t/{thread_id}/reply",
            f"/p/{post_id}", f"/p/{post_id}/history", f"/p/{post_id}/edit", f"/p/{post_id}/delete"]


@pytest.mark.parametrize("index", range(8))
def test_members_only_pages_answer_visitors_404_like_missing_ones(client, forum, index):
    hidden = client.get(_members_only_urls(forum, missing=False)[index])
    missing = client.get(_members_only_urls(forum, missing=True)[index])

    assert hidden.status_code == 404
    assert missing.status_code == 404
    assert hidden.data == missing.data
    assert b"Lounge" not in hidden.data


@pytest.mark.parametrize("path", ["/c/lounge/new", "/t/{thread}/reply", "/p/{post}/react",
                                  "/p/{post}/edit", "/p/{post}/delete"])
def test_members_only_posts_from_visitors_answer_404(app, client, forum, path):
    url = path.format(thread=forum.secret_thread_id, post=forum.secret_post_id)

    response = client.post(url, data={"title": "Sneaky visitor", "body": "let me in",
                                      "kind": "thanks"})

    assert response.status_code == 404
    with app.app_context():
        assert db.session.query(Thread).count() == 2


def test_members_only_pages_are_open_to_members(client, forum, login):
    login("ann")  # the history page is the author's (and moderators') only
    for url in (f"/c/{forum.private_slug}", f"/c/{forum.private_slug}/new",
                f"/t/{forum.secret_thread_id}", f"/t/{forum.secret_thread_id}/reply",
                f"/p/{forum.secret_post_id}/history"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "lounge" in text(response).lower(), url
    permalink = client.get(f"/p/{forum.secret_post_id}")
    assert permalink.status_code == 302
    assert permalink.location == f"/t/{forum.secret_thread_id}?page=1#post-{forum.secret_post_id}"


# --- category page ----------------------------------------------------------------------------

def test_category_lists_pinned_first_then_latest_activity(app, client):
    with app.app_context():
        cat = make_category(slug="tech")
        ann = make_user()
        old = make_thread(category=cat, author=ann, title="Oldest but pinned", at=T0)
        old.is_pinned = True
        make_thread(category=cat, author=ann, title="Started recently", at=T0 + timedelta(days=2))
        bumped = make_thread(category=cat, author=ann, title="Bumped by a reply",
                             at=T0 + timedelta(days=1))
        make_post(bumped, author=make_user(), at=T0 + timedelta(days=3))
        make_thread(category=cat, author=ann, title="Quiet for a while", at=T0 + timedelta(hours=1))
        db.session.commit()

    html = text(client.get("/c/tech"))

    titles = ["Oldest but pinned", "Bumped by a reply", "Started recently", "Quiet for a while"]
    positions = [html.index(t) for t in titles]
    assert positions == sorted(positions)
    assert html.count('<span class="badge">Pinned</span>') == 1


def test_category_marks_threads_without_replies(app, client):
    with app.app_context():
        cat = make_category(slug="tech")
        lonely = make_thread(category=cat, title="Nobody answered me")
        answered = make_thread(category=cat, title="Somebody answered me", at=T0)
        make_post(answered)
        db.session.commit()
        assert lonely.id

    html = text(client.get("/c/tech"))

    rows = html.split('<li class="thread-row')[1:]
    lonely_row = next(r for r in rows if "Nobody answered me" in r)
    answered_row = next(r for r in rows if "Somebody answered me" in r)
    assert "No replies yet" in lonely_row
    assert "No replies yet" not in answered_row
    assert "1 reply" in answered_row


@pytest.fixture
def crowded_category(app):
    """26 threads: one more than fits on a page."""
    with app.app_context():
        cat = make_category(slug="busy")
        ann = make_user()
        for n in range(26):
            make_thread(category=cat, author=ann, title=f"Thread number {n:02d}",
                        at=T0 + timedelta(minutes=n))
        db.session.commit()
    return "/c/busy"


def test_category_paginates_25_threads_a_page(client, crowded_category):
    first = text(client.get(crowded_category))
    second = client.get(f"{crowded_category}?page=2")

    assert first.count('class="thread-row') == 25
    assert "Thread number 25" in first and "Thread number 00" not in first
    assert second.status_code == 200
    assert text(second).count('class="thread-row') == 1
    assert "Thread number 00" in text(second)
    assert 'href="/c/busy?page=2"' in first


@pytest.mark.parametrize("extra", ["_method=POST", "_external=1&_anchor=x&_scheme=ftp",
                                   "slug=other", "keep=yes"])
def test_pager_links_keep_the_query_but_not_url_options_or_route_values(client,
                                                                       crowded_category,
                                                                       extra):
    response = client.get(f"{crowded_category}?{extra}")
    assert response.status_code == 200
    html = text(response)
    expected = "/c/busy?keep=yes&amp;page=2" if extra == "keep=yes" else "/c/busy?page=2"
    assert f'href="{expected}"' in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "3", "1.5", "²", "99999999999999999999", ""])
def test_category_rejects_bad_or_missing_pages(client, crowded_category, page):
    assert client.get(f"{crowded_category}?page={page}").status_code == 404


def test_category_empty_first_page_is_fine(app, client):
    with app.app_context():
        make_category(slug="empty")
        db.session.commit()

    response = client.get("/c/empty?page=1")

    assert response.status_code == 200
    assert "No threads here yet" in text(response)
    assert client.get("/c/empty?page=2").status_code == 404


def test_category_unknown_slug_is_404(client):
    assert client.get("/c/nothing-here").status_code == 404


# --- thread page and permalinks ------------------------------------------------------------

@pytest.fixture
def long_thread(app):
    """A thread of 21 posts, one a minute: the opening post and 20 replies."""
    with app.app_context():
        thread = make_thread(category=make_category(), title="A long conversation",
                             body="post body 00", at=T0)
        for n in range(1, 21):
            make_post(thread, author=make_user(), body=f"post body {n:02d}",
                      at=T0 + timedelta(minutes=n))
        db.session.commit()
        return thread.id, [p.id for p in thread.posts]


def test_show_lists_20_posts_a_page_in_order_with_anchors(client, long_thread):
    thread_id, post_ids = long_thread

    first = text(client.get(f"/t/{thread_id}"))
    second = client.get(f"/t/{thread_id}?page=2")

    assert post_anchor_ids(first) == post_ids[:20]
    assert [first.index(f"post body {n:02d}") for n in range(20)] == \
        sorted(first.index(f"post body {n:02d}") for n in range(20))
    assert second.status_code == 200
    assert post_anchor_ids(text(second)) == [post_ids[20]]
    assert "post body 20" in text(second) and "post body 20" not in first


@pytest.mark.parametrize("page", ["0", "3", "x", "-2"])
def test_show_rejects_pages_that_do_not_exist(client, long_thread, page):
    thread_id, _ = long_thread
    assert client.get(f"/t/{thread_id}?page={page}").status_code == 404


def test_show_orders_by_time_not_by_id(app, client):
    with app.app_context():
        thread = make_thread(title="Imported conversation", body="first said", at=T0)
        late = make_post(thread, body="said last", at=T0 + timedelta(hours=2))
        early = make_post(thread, body="said second", at=T0 + timedelta(hours=1))
        db.session.commit()
        expected = [thread.posts[0].id, early.id, late.id]
        thread_id = thread.id

    assert post_anchor_ids(text(client.get(f"/t/{thread_id}"))) == expected


def test_permalink_redirects_to_page_and_anchor(client, long_thread):
    thread_id, post_ids = long_thread

    first = client.get(f"/p/{post_ids[0]}")
    twentieth = client.get(f"/p/{post_ids[19]}")
    last = client.get(f"/p/{post_ids[20]}")

    assert first.status_code == 302
    assert first.location == f"/t/{thread_id}?page=1#post-{post_ids[0]}"
    assert twentieth.location == f"/t/{thread_id}?page=1#post-{post_ids[19]}"
    assert last.location == f"/t/{thread_id}?page=2#post-{post_ids[20]}"
    assert f'id="post-{post_ids[20]}"' in text(client.get(last.location.split("#")[0]))


def test_permalink_unknown_post_is_404(client):
    assert client.get("/p/12345").status_code == 404


def test_show_unknown_thread_is_404(client):
    assert client.get("/t/12345").status_code == 404


def test_category_counts_replies_when_the_opening_post_was_deleted(app, client):
    from forum.threads import services

    with app.app_context():
        thread = make_thread(category=make_category(slug="tech"), title="Opening later deleted")
        make_post(thread, body="a real reply")
        services.delete_post_by_author(thread.posts[0], author=thread.author)
        db.session.commit()
        thread_id = thread.id

    listing = text(client.get("/c/tech"))
    page = text(client.get(f"/t/{thread_id}"))

    assert "No replies yet" not in listing
    assert "1 reply" in listing
    assert "1 reply" in page


@pytest.mark.parametrize("url", ["/t/{big}", "/t/{big}/reply", "/p/{big}", "/p/{big}/history",
                                 "/p/{big}/edit", "/p/{big}/delete", "/t/2147483648",
                                 "/p/2147483648"])
@pytest.mark.parametrize("who", [None, "bob"])
def test_ids_beyond_the_integer_range_are_404(client, forum, login, url, who):
    if who:
        login(who)

    assert client.get(url.format(big="9" * 25)).status_code == 404


@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/p/{big}/flag"), ("POST", "/p/{big}/flag"), ("GET", "/support/{big}"),
    ("GET", "/mod/items/{big}"), ("POST", "/mod/items/{big}/claim"),
    ("POST", "/mod/items/{big}/dismiss"), ("POST", "/mod/threads/{big}/pin"),
    ("GET", "/mod/threads/{big}/move"), ("GET", "/admin/people/{big}"),
    ("POST", "/admin/people/{big}/role"), ("GET", "/admin/phrases/{big}"),
    ("POST", "/admin/phrases/{big}/delete"), ("GET", "/mod/items/2147483648"),
])
def test_moderation_ids_beyond_the_integer_range_are_404(client, forum, login, method, url):
    """Not a database error on PostgreSQL (a 500): the moderation and admin routes too."""
    login("admin")

    assert client.open(url.format(big="9" * 12), method=method).status_code == 404


def test_moderator_badges_cost_the_same_however_many_moderators_post(app, client):
    """Each post's author is badged "Peer moderator" only while their powers last; the
    page works that out for all its authors at once, not once per author."""
    from tests.factories import make_moderator
    from tests.helpers import count_queries

    def page_with(moderators: int) -> tuple[int, str]:
        with app.app_context():
            category = make_category()
            thread = make_thread(category=category, at=T0)
            for n in range(moderators):
                make_post(thread, author=make_moderator(categories=[category]),
                          at=T0 + timedelta(minutes=n + 1))
            db.session.commit()
            url = f"/t/{thread.id}"
        client.get(url)  # warm up (first-request work)
        with count_queries(app) as queries:
            page = text(client.get(url))
        return queries[0], page

    one, page_one = page_with(1)
    six, page_six = page_with(6)
    assert page_one.count("Peer moderator") == 1 and page_six.count("Peer moderator") == 6
    assert six == one
