"""Search shows each viewer exactly the posts they may read: every role × every status.

Enforced twice: the Whoosh query is filtered by indexed visibility fields, and the
loaded rows are re-checked with ``permissions.can_view_post``. Both layers are tested
on their own below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from forum import permissions
from forum.extensions import db
from forum.models import Category, Post, Thread, User
from forum.search import visibility
from forum.search.query import parse
from tests.factories import make_post

TOKEN = "zq9uniquetoken"
# ann writes the post; mod moderates its category; othermod moderates another one.
PER_CATEGORY = hasattr(permissions, "can_moderate")
VIEWERS = [None, "ann", "bob", "mod", "othermod", "admin"]
CAN_SEE = {
    "visible": {None, "ann", "bob", "mod", "othermod", "admin"},
    "pending": {"ann", "mod", "admin"},
    "hidden": {"ann", "mod", "admin"},
    "removed": {"ann", "mod", "admin"},
    "deleted_by_author": set(),
}
if not PER_CATEGORY:  # before moderation is scoped, every moderator sees every status
    for status in ("pending", "hidden", "removed"):
        CAN_SEE[status].add("othermod")


@pytest.fixture
def status_post(app, forum):
    def make(status: str, category: str = "daily") -> int:
        with app.app_context():
            thread = db.session.get(Thread, forum.threads["hypos" if category == "daily"
                                                         else "secret"])
            post = make_post(thread, author=db.session.get(User, forum.ids["ann"]),
                             body=f"Reply with {TOKEN} inside")
            db.session.commit()
            post.status = status  # as moderation will: through the session, then commit
            db.session.commit()
            return post.id
    return make


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("status", list(CAN_SEE))
def test_search_shows_each_status_to_the_right_viewers(search, login, status_post, status,
                                                       viewer):
    post_id = status_post(status)
    if viewer:
        login(viewer)
    assert (search(TOKEN) == [post_id]) == (viewer in CAN_SEE[status])


@pytest.mark.skipif(not hasattr(Thread, "is_listed"), reason="threads have no listing flag")
@pytest.mark.parametrize("viewer", VIEWERS)
def test_an_unlisted_thread_is_found_only_by_its_author_and_moderators(app, search, login,
                                                                      forum, viewer):
    with app.app_context():  # the opening post is held for review: the thread is unlisted
        thread = db.session.get(Thread, forum.threads["hypos"])
        db.session.get(Post, forum.posts["hypos"]).status = "pending"
        thread.is_listed = False
        db.session.commit()
    if viewer:
        login(viewer)
    found = set(search("evening OR injecting"))
    expected = ({forum.posts["hypos"], forum.posts["reply"]}
                if viewer in {"ann", "mod", "admin"} else set())
    if viewer == "othermod" and not PER_CATEGORY:
        expected = {forum.posts["hypos"], forum.posts["reply"]}
    assert found == expected


@pytest.mark.parametrize("viewer", VIEWERS)
def test_members_only_categories_are_hidden_from_visitors(search, login, forum, viewer):
    if viewer:
        login(viewer)
    expected = [] if viewer is None else [forum.posts["secret"]]
    assert search("quinoaflakes") == expected


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("status", list(CAN_SEE))
def test_the_whoosh_filter_alone_enforces_visibility(app, forum, status_post, status, viewer):
    """Without the database re-check, the index's own filter gives the same answer."""
    post_id = status_post(status)
    with app.app_context():
        user = db.session.get(User, forum.ids[viewer]) if viewer else None
        hits = app.extensions["forum.search"].index.search(
            parse(TOKEN).to_whoosh(), allow=visibility.search_filter(user))
    assert (hits.ids == [post_id]) == (viewer in CAN_SEE[status])


def test_visitor_filter_excludes_members_only_even_before_reindex(app, forum):
    """A category made members-only is filtered at once by its id (read from the DB)."""
    with app.app_context():
        db.session.execute(update(Category).where(Category.id == forum.categories["daily"])
                           .values(members_only=True))  # bulk: no listener, index is stale
        db.session.commit()
        hits = app.extensions["forum.search"].index.search(
            parse("evening").to_whoosh(), allow=visibility.search_filter(None))
    assert hits.ids == []


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "deleted_by_author"])
def test_rows_are_rechecked_when_the_index_is_stale(app, search, forum, status):
    with app.app_context():  # a bulk update skips the listeners: the index still says visible
        db.session.execute(update(Post).where(Post.id == forum.posts["reply"])
                           .values(status=status))
        db.session.commit()
    assert search("injecting") == []


def test_stale_members_only_category_is_rechecked(app, search, forum):
    with app.app_context():
        db.session.execute(update(Thread).where(Thread.id == forum.threads["hypos"])
                           .values(category_id=forum.categories["lounge"]))
        db.session.commit()
    assert search("injecting") == []


def test_index_never_holds_email_addresses(app, forum, search):
    search("anything")  # make sure the index exists
    root = Path(app.config["SEARCH_INDEX_DIR"])
    blob = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert blob  # the index is really there
    for address in forum.emails.values():
        assert address.encode() not in blob
    assert b"@example.test" not in blob
