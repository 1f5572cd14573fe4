"""No query string makes a page fail: arbitrary values for every GET route's query
parameters, as a visitor, a member and an admin, never give a 5xx (outside audit,
finding 5: ``?before=9999-12-31`` on search and ``?page=²`` on staff pages did).

Hypothesis draws the route, the parameter names (the ones the views read, plus
random ones) and their values; path values are real ids, so the views get past their
404s and reach the parsing the test is about.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.extensions import db
from forum.moderation.services import open_review_item
from tests.factories import make_category, make_moderator, make_post, make_thread, make_user
from tests.helpers import login

# Every name a view reads from the query string, and a few it never should.
KNOWN_PARAMS = ["page", "q", "category", "author", "after", "before", "sort", "status",
                "reason", "action", "actor", "format", "quote", "next", "_method", "slug",
                "thread_id", "_external", "_anchor"]

# Text without surrogates (which no URL can carry), with the troublemakers weighted in.
VALUES = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(["²", "١٢", "9223372036854775807", "-1", "0", "9999-12-31", "0001-01-01",
                     "1e309", "NaN", "%00", "\x00", "csv", "' OR 1=1 --", "*", '"', "((((",
                     "2026-02-30", "99999-01-01", "newest", "open", "resolved", "all"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@pytest.fixture
def world(app):
    with app.app_context():
        category = make_category()
        admin = make_user(role="admin")
        member = make_user()
        moderator = make_moderator(categories=[category])
        thread = make_thread(category=category, author=member)
        post = make_post(thread, author=member)
        item = open_review_item(post, source="flags", reason="spam")
        db.session.commit()
        ids = {"thread_id": thread.id, "post_id": post.id, "user_id": member.id,
               "item_id": item.id, "category_id": category.id, "subscription_id": 1,
               "slug": category.slug, "token": "not-a-token"}
        emails = {"visitor": None, "member": member.email, "moderator": moderator.email,
                  "admin": admin.email}
    routes = sorted(
        rule.build(ids, append_unknown=False)[1]
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
        and set(rule.arguments) <= set(ids)
    )
    return routes, emails


@pytest.mark.parametrize("role", ["visitor", "member", "admin"])
def test_no_query_string_gives_a_server_error(app, world, role):
    routes, emails = world
    client = app.test_client()
    if emails[role]:
        assert login(client, emails[role]).status_code == 302

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(path=st.sampled_from(routes),
           params=st.dictionaries(st.one_of(st.sampled_from(KNOWN_PARAMS),
                                            st.text(min_size=1, max_size=8)),
                                  VALUES, max_size=4))
    def no_5xx(path, params):
        response = client.get(path, query_string=params)
        assert response.status_code < 500, (path, params, response.status_code)

    no_5xx()


@pytest.mark.parametrize("query", [
    {"q": "insulin", "before": "9999-12-31"}, {"q": "insulin", "after": "9999-12-31"},
    {"q": "insulin", "after": "0001-01-01"}, {"q": "insulin", "before": "1899-12-31"},
])
def test_search_dates_out_of_range_are_a_form_error(client, world, query):
    response = client.get("/search", query_string=query)
    assert response.status_code == 400
    assert "Please give a date between 1900 and 2999" in response.get_data(as_text=True)
