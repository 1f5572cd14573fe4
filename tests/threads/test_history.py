"""Edit history is private, and redacted text is gone (outside audit, finding 1).

A member posts a phone number and a street address; a moderator edits them out. The
earlier version stays readable only to the author and the category's moderators, and a
redaction (by the moderator with a reason, or by the author) removes its text from
every table and from search.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Post, PostRevision, Thread
from forum.moderation.services import open_review_item
from tests.factories import make_post
from tests.helpers import text

PHONE = "07700 900461"
STREET = "14 Quernmore Road"
DETAILS = f"Call me on {PHONE}, I live at {STREET}, happy to meet up for a walk."
CLEAN = "Happy to meet up for a walk: message the moderators and they will put us in touch."


@pytest.fixture
def details_post(app, forum):
    """Bob's reply with contact details, flagged so it has an open review item."""
    with app.app_context():
        thread = db.session.get(Thread, forum.thread_id)
        post = make_post(thread, author=db.session.get(type(thread.author), forum.ids["bob"]),
                         body=DETAILS)
        item = open_review_item(post, source="flags", reason="personal_info")
        db.session.commit()
        return post.id, item.id


def _moderator_edits(client, login, item_id, *, redact: bool):
    login("mod")
    data = {"edit-body": CLEAN, "edit-reason": "Removed contact details"}
    if redact:
        data["edit-redact"] = "y"
    response = client.post(f"/mod/items/{item_id}/edit", data=data)
    assert response.status_code == 302, text(response)


def _everywhere(app, needle: str) -> list[str]:
    """Every table and column whose text holds ``needle``."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                found += [f"{table.name}.{key}" for key, value in row.items()
                          if isinstance(value, str) and needle in value]
    return found


@pytest.mark.parametrize("viewer, status", [
    (None, 404), ("ann", 404), ("admin", 200), ("bob", 200), ("mod", 200)])
def test_after_a_moderator_edit_history_is_for_author_and_moderators_only(
        client, forum, login, details_post, viewer, status):
    post_id, item_id = details_post
    _moderator_edits(client, login, item_id, redact=False)
    client.post("/auth/logout")
    if viewer:
        login(viewer)

    history = client.get(f"/p/{post_id}/history")
    page = text(client.get(f"/t/{forum.thread_id}"))

    assert history.status_code == status
    assert PHONE not in page and CLEAN in page
    if status == 200:
        assert PHONE in text(history)
        assert f'href="/p/{post_id}/history"' in page
    else:
        assert PHONE not in text(history)
        assert f"/p/{post_id}/history" not in page and "edited" in page


def test_a_redacting_moderator_edit_leaves_the_text_nowhere(app, client, forum, login,
                                                            details_post):
    post_id, item_id = details_post
    assert _everywhere(app, PHONE)  # the post holds it to begin with
    assert f'href="/p/{post_id}"' in text(client.get("/search", query_string={"q": "Quernmore"}))

    _moderator_edits(client, login, item_id, redact=True)

    assert _everywhere(app, PHONE) == []
    assert _everywhere(app, STREET) == []
    with app.app_context():
        [revision] = db.session.scalars(select(PostRevision).filter_by(post_id=post_id))
        assert revision.is_redacted and revision.redaction_reason == "Removed contact details"
        actions = [e.action for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_id == post_id))]
        assert actions == ["edit", "redact_revision"]
    history = text(client.get(f"/p/{post_id}/history"))
    assert "This version's text was removed by Mo Derator" in history
    assert "Reason: Removed contact details" in history
    found = text(client.get("/search", query_string={"q": "Quernmore"}))
    assert f'href="/p/{post_id}"' not in found


def test_the_author_can_remove_an_earlier_version_of_their_own_post(app, client, forum, login,
                                                                    details_post):
    post_id, _item = details_post
    login("bob")
    client.post(f"/p/{post_id}/edit", data={"body": CLEAN})
    with app.app_context():
        [revision] = db.session.get(Post, post_id).revisions
        revision_id = revision.id

    response = client.post(f"/p/{post_id}/revisions/{revision_id}/redact", data={})

    assert response.status_code == 302
    assert _everywhere(app, PHONE) == []
    history = text(client.get(f"/p/{post_id}/history"))
    assert "Removed by the author" in history and PHONE not in history


def test_a_moderator_must_give_a_reason_and_others_cannot_redact(app, client, forum, login,
                                                                 details_post):
    post_id, item_id = details_post
    _moderator_edits(client, login, item_id, redact=False)
    with app.app_context():
        [revision] = db.session.get(Post, post_id).revisions
        url = f"/p/{post_id}/revisions/{revision.id}/redact"

    client.post("/auth/logout")
    login("ann")  # another member
    assert client.post(url, data={"reason": "mine now"}).status_code == 404
    client.post("/auth/logout")
    visitor = client.post(url, data={"reason": "visitor"})
    assert visitor.status_code == 302 and "/auth/login" in visitor.location
    login("mod")
    response = client.post(url, data={"reason": ""})
    assert response.status_code == 400
    assert "Please give a reason." in text(response)
    assert _everywhere(app, PHONE)  # nothing removed yet

    assert client.post(url, data={"reason": "Phone number"}).status_code == 302
    assert _everywhere(app, PHONE) == []
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="redact_revision")).one()
        assert (entry.reason, entry.target_id) == ("Phone number", post_id)
