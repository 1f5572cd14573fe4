"""Listing queries: home categories, thread and post lookups, pagination and post pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import NotFound

from forum.extensions import db
from forum.threads import queries
from tests.factories import make_category, make_post, make_thread, make_user
from tests.helpers import T0

VISITOR = AnonymousUserMixin()


def test_home_categories_pairs_each_visible_category_with_its_latest_thread(app_ctx):
    second = make_category(name="B", position=2)
    first = make_category(name="A", position=1)
    hidden = make_category(name="C", position=0, members_only=True)
    make_thread(category=first, at=T0)
    latest = make_thread(category=first, at=T0 + timedelta(hours=1))
    secret = make_thread(category=hidden, at=T0)
    db.session.commit()

    assert queries.home_categories(VISITOR) == [(first, latest), (second, None)]
    assert queries.home_categories(make_user()) == \
        [(hidden, secret), (first, latest), (second, None)]


def test_home_categories_breaks_activity_ties_by_newest_thread(app_ctx):
    category = make_category()
    make_thread(category=category, at=T0)
    newer = make_thread(category=category, at=T0)
    db.session.commit()

    assert queries.home_categories(VISITOR) == [(category, newer)]


def test_lookups_hide_members_only_rows_from_visitors(app_ctx):
    secret = make_thread(category=make_category(slug="secret", members_only=True))
    member = make_user()
    db.session.commit()

    for lookup, key in ((queries.category_or_404, "secret"), (queries.thread_or_404, secret.id),
                        (queries.post_or_404, secret.posts[0].id)):
        with pytest.raises(NotFound):
            lookup(key, VISITOR)
        assert lookup(key, member) is not None
    with pytest.raises(NotFound):
        queries.thread_or_404(987654, member)


def test_category_threads_pages_and_rejects_out_of_range(app):
    with app.app_context():
        category = make_category()
        for n in range(26):
            make_thread(category=category, at=T0 + timedelta(minutes=n))
        db.session.commit()
        with app.test_request_context():
            assert len(queries.category_threads(category, 1).items) == 25
            assert len(queries.category_threads(category, 2).items) == 1
            for page in (0, -1, 3):
                with pytest.raises(NotFound):
                    queries.category_threads(category, page)


def test_page_of_post_uses_time_then_id(app):
    with app.app_context():
        thread = make_thread(at=T0)
        replies = [make_post(thread, at=T0 + timedelta(minutes=1)) for _ in range(19)]
        twenty_first = make_post(thread, at=T0 + timedelta(minutes=1))
        backdated = make_post(thread, at=T0 - timedelta(days=1))
        db.session.commit()

        assert queries.page_of_post(thread.posts[0]) == 1
        assert queries.page_of_post(backdated) == 1
        assert queries.page_of_post(replies[-1]) == 2
        assert queries.page_of_post(twenty_first) == 2
