"""The search page: header form, filters, sort, pagination, counts, privacy of terms."""

from __future__ import annotations

import logging
from datetime import timedelta

from forum.extensions import db
from forum.models import Thread, User
from tests.factories import make_post
from tests.helpers import T0, result_ids


def test_every_page_has_an_accessible_search_form(client, forum):
    for path in ("/", "/c/daily", f"/t/{forum.threads['hypos']}", "/guidelines", "/search"):
        html = client.get(path).get_data(as_text=True)
        assert '<form class="site-search" role="search" method="get" action="/search">' in html
        assert '<label class="visually-hidden" for="site-search-q">Search the forum</label>' in html
        assert 'id="site-search-q" type="search" name="q"' in html


def test_result_shows_title_link_snippet_author_category_and_date(client, forum):
    response = client.get("/search", query_string={"q": "injecting"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 result" in html
    assert f'<a href="/p/{forum.posts["reply"]}">Night-time hypos after exercise</a>' in html
    assert "<mark>Injecting</mark> less basal" in html
    assert f'href="/members/{forum.ids["bob"]}">Bob Other</a>' in html
    assert 'href="/c/daily">Daily life</a>' in html
    assert '<time datetime="2026-10-02' in html


def test_result_link_leads_to_the_post(client, forum):
    response = client.get(f"/p/{forum.posts['reply']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#post-{forum.posts['reply']}")


def test_category_filter(search, forum):
    assert set(search("low")) == {forum.posts["hypos"], forum.posts["breakfast"]}
    assert search("low", category="food") == [forum.posts["breakfast"]]


def test_author_filter_by_display_name(search, client, forum):
    assert search("low", author="bob other") == [forum.posts["breakfast"]]
    response = client.get("/search", query_string={"q": "low", "author": "Nobody Here"})
    assert response.status_code == 200
    assert "No member has that display name." in response.get_data(as_text=True)
    assert result_ids(response) == []


def test_date_range_filter(search, forum):
    assert search("low", after="2026-10-04") == [forum.posts["breakfast"]]
    assert search("low", before="2026-10-04") == [forum.posts["hypos"]]
    assert search("low", after="2026-10-01", before="2026-10-01") == [forum.posts["hypos"]]


def test_sort_by_newest(search, forum, app):
    assert search("low", sort="newest") == [forum.posts["breakfast"], forum.posts["hypos"]]


def test_relevance_is_the_default_sort(search, forum):
    assert search("hypos")[0] == forum.posts["hypos"]  # title match


def test_pagination(app, client, forum):
    with app.app_context():
        thread = db.session.get(Thread, forum.threads["hypos"])
        author = db.session.get(User, forum.ids["bob"])
        for n in range(45):
            make_post(thread, author=author, body=f"Pagetoken number {n}",
                      at=T0 + timedelta(days=3, minutes=n))
        db.session.commit()
    pages = [client.get("/search", query_string={"q": "pagetoken", "sort": "newest", "page": p})
             for p in (1, 2, 3)]
    ids = [result_ids(r) for r in pages]
    assert [len(i) for i in ids] == [20, 20, 5]
    assert len(set(ids[0]) | set(ids[1]) | set(ids[2])) == 45
    html = pages[1].get_data(as_text=True)
    assert "45 results" in html
    assert 'aria-current="page" href="/search?q=pagetoken&amp;sort=newest&amp;page=2"' in html
    assert 'rel="next"' in html and 'rel="prev"' in html
    beyond = client.get("/search", query_string={"q": "pagetoken", "page": 9})
    assert beyond.status_code == 200 and result_ids(beyond) == []


def test_search_pages_are_never_cached(client, forum):
    response = client.get("/search", query_string={"q": "hypos"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_search_terms_are_not_logged(app, client, forum, caplog):
    from forum.search import RedactSearchQueries

    caplog.set_level(logging.DEBUG)
    client.get("/search", query_string={"q": "secretmedicalterm"})
    client.get("/search", query_string={"q": "secretmedicalterm", "after": "bad"})
    assert "secretmedicalterm" not in caplog.text
    # The development server's access log line has its query string cut.
    line = '"GET /search?q=secretmedicalterm HTTP/1.1" 200 -'
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s - - [%s] %s",
                               ("127.0.0.1", "now", line), None)
    RedactSearchQueries().filter(record)
    assert "secretmedicalterm" not in record.getMessage()
    assert "/search?[redacted]" in record.getMessage()
