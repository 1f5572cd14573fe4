"""Who reads the text of a pending, hidden, removed or author-deleted post on the thread page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, PostRevision, Thread, User
from tests.factories import make_post
from tests.helpers import T0, text

TOKEN = "zq9-unique-status-token"
# What a reader is told about a post others cannot see: its author, then its moderators.
AUTHOR_NOTES = {
    "pending": "Only you and the moderators can see this post for now: it is waiting for a "
               "trained peer moderator to review it.",
    "hidden": "Only you and the moderators can see this post: it was hidden by a moderator.",
    "removed": "Only you and the moderators can see this post: it was removed by a moderator.",
}
MODERATOR_NOTES = {
    "pending": "Moderator view: this post is waiting for review.",
    "hidden": "Moderator view: this post is hidden.",
    "removed": "Moderator view: this post is removed.",
}
PLACEHOLDERS = {
    "pending": "This post is waiting for a moderator's review.",
    "hidden": "This post was hidden by a moderator.",
    "removed": "This post was hidden by a moderator.",
    "deleted_by_author": "This post was removed by its author.",
}
# bob wrote the post; ann started the thread; mod leads the category (and is trained);
# untrained is a moderator without a current training and othermod leads another category:
# both see what a member sees.
VIEWERS = [None, "ann", "bob", "mod", "admin", "untrained", "othermod"]
READERS = {"bob", "mod", "admin"}


@pytest.fixture(autouse=True)
def _powerless_moderators(powerless_moderators):
    return powerless_moderators


@pytest.fixture
def status_post(app, forum):
    """Bob's reply, edited once, in Ann's public thread; tests set its status."""

    def make(status: str) -> int:
        with app.app_context():
            bob = db.session.get(User, forum.ids["bob"])
            post = make_post(db.session.get(Thread, forum.thread_id), author=bob,
                             body=f"Reply with {TOKEN}", at=T0 + timedelta(hours=1))
            db.session.add(PostRevision(post=post, editor_id=bob.id, body_source=f"old {TOKEN}"))
            post.edited_at = utcnow()
            post.status = status
            db.session.commit()
            return post.id

    return make


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("status", ["pending", "hidden", "removed"])
def test_show_moderated_post_text_only_to_author_and_staff(client, forum, login, status_post,
                                                           status, viewer):
    post_id = status_post(status)
    if viewer:
        login(viewer)

    html = text(client.get(f"/t/{forum.thread_id}"))

    assert f'id="post-{post_id}"' in html
    if viewer in READERS:
        assert TOKEN in html
        notes = AUTHOR_NOTES if viewer == "bob" else MODERATOR_NOTES
        assert notes[status] in html
        assert f'href="/p/{post_id}/history">edited</a>' in html
    else:
        assert TOKEN not in html
        assert PLACEHOLDERS[status] in html
        assert f"/p/{post_id}/history" not in html
    assert "Opening words about hypos" in html


@pytest.mark.parametrize("viewer", VIEWERS)
def test_show_author_deleted_post_text_to_nobody(client, forum, login, status_post, viewer):
    post_id = status_post("deleted_by_author")
    if viewer:
        login(viewer)

    html = text(client.get(f"/t/{forum.thread_id}"))

    assert f'id="post-{post_id}"' in html
    assert TOKEN not in html
    assert PLACEHOLDERS["deleted_by_author"] in html
    assert f"/p/{post_id}/history" not in html


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "deleted_by_author"])
def test_history_follows_the_same_rule(client, forum, login, status_post, status, viewer):
    post_id = status_post(status)
    if viewer:
        login(viewer)

    response = client.get(f"/p/{post_id}/history")

    if viewer in READERS and status != "deleted_by_author":
        assert response.status_code == 200
        assert f"old {TOKEN}" in text(response)
    else:
        assert response.status_code == 404
        assert TOKEN not in text(response)


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "deleted_by_author"])
def test_reply_page_quote_of_moderated_post_never_leaks(client, forum, login, status_post, status):
    post_id = status_post(status)
    login("ann")

    response = client.get(f"/t/{forum.thread_id}/reply?quote={post_id}")

    assert response.status_code == 200
    assert TOKEN not in text(response)


@pytest.mark.parametrize("status", ["pending", "hidden"])
def test_author_may_delete_own_moderated_post_and_text_disappears(app, client, forum, login,
                                                                 status_post, status):
    post_id = status_post(status)
    login("bob")

    assert client.post(f"/p/{post_id}/delete").status_code == 302

    assert TOKEN not in text(client.get(f"/t/{forum.thread_id}"))
    with app.app_context():
        assert db.session.get(Post, post_id).status == "deleted_by_author"
