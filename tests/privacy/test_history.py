"""Private edit history by role, and redaction that leaves the text nowhere: no table
(text or bytes columns), no search hit, not even a deleted document in the index's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from whoosh.index import LockError

from forum.extensions import db
from forum.models import AuditEntry, Post, PostRevision, Thread, User
from tests.factories import make_post
from tests.helpers import result_ids, text

WORD = "blatchford"  # distinctive, and Whoosh's stemmer leaves it as it is
DETAILS = f"I live at 14 {WORD.title()} Road, call me on 07700 900461 for a walk."
CLEAN = "Happy to meet up for a walk: ask the moderators to put us in touch."


def everywhere(app, needle: str) -> list[str]:
    """Every table.column whose text (or bytes) holds ``needle``, case-insensitively."""
    needle = needle.lower()
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                for key, value in row.items():
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str) and needle in value.lower():
                        found.append(f"{table.name}.{key}")
    return found


def index_files_holding(app, needle: str) -> list[str]:
    """Every file under the search index folder whose raw bytes hold ``needle``."""
    root = Path(app.config["SEARCH_INDEX_DIR"])
    return [str(path.relative_to(root)) for path in root.rglob("*")
            if path.is_file() and needle.encode() in path.read_bytes()]


@pytest.fixture
def edited(app, client, forum, login):
    """Bob's reply with contact details, then edited clean by Bob: (post id, revision id)."""
    with app.app_context():
        post = make_post(db.session.get(Thread, forum.thread_id),
                         author=db.session.get(User, forum.ids["bob"]), body=DETAILS)
        db.session.commit()
        post_id = post.id
    assert index_files_holding(app, WORD)  # indexed while it was the current text
    login("bob")
    assert client.post(f"/p/{post_id}/edit", data={"body": CLEAN}).status_code == 302
    client.post("/auth/logout")
    with app.app_context():
        [revision] = db.session.get(Post, post_id).revisions
        return post_id, revision.id


@pytest.mark.parametrize("viewer, status", [
    (None, 404), ("ann", 404), ("bob", 200), ("mod", 200), ("othermod", 404), ("admin", 200)])
def test_history_by_role(client, forum, login, edited, viewer, status):
    post_id, _ = edited
    if viewer:
        login(viewer)

    history = client.get(f"/p/{post_id}/history")
    thread = text(client.get(f"/t/{forum.thread_id}"))

    assert history.status_code == status
    assert (WORD.title() in text(history)) is (status == 200)
    assert WORD.title() not in thread and CLEAN in thread
    # The "edited" link leads to the history only for those who may open it.
    assert (f'href="/p/{post_id}/history"' in thread) is (status == 200)
    assert "edited" in thread


def test_the_index_only_ever_holds_the_current_version(client, forum, edited):
    post_id, _ = edited
    assert result_ids(client.get("/search", query_string={"q": WORD})) == []
    assert post_id in result_ids(client.get("/search", query_string={"q": "moderators walk"}))


def test_a_moderator_redaction_needs_a_reason_is_audited_and_leaves_the_text_nowhere(
        app, client, forum, login, edited):
    post_id, revision_id = edited
    url = f"/p/{post_id}/revisions/{revision_id}/redact"
    login("othermod")
    assert client.post(url, data={"reason": "Phone number"}).status_code == 404
    login("mod")
    refused = client.post(url, data={"reason": "  "})
    assert refused.status_code == 400 and "Please give a reason." in text(refused)
    assert everywhere(app, WORD) == ["post_revisions.body_source"]
    assert index_files_holding(app, WORD)  # a deleted document still holds it

    assert client.post(url, data={"reason": "Phone number and street"}).status_code == 302

    assert everywhere(app, WORD) == [] and everywhere(app, "07700") == []
    assert index_files_holding(app, WORD) == []
    assert result_ids(client.get("/search", query_string={"q": WORD})) == []
    with app.app_context():
        revision = db.session.get(PostRevision, revision_id)
        assert revision.body_source == "" and revision.is_redacted
        assert revision.redacted_by_id == forum.ids["mod"]
        entry = db.session.scalars(select(AuditEntry).filter_by(action="redact_revision")).one()
        assert (entry.actor_id, entry.target_id, entry.reason) == (
            forum.ids["mod"], post_id, "Phone number and street")
    assert app.extensions["forum.search"].expunge_pending() is False
    history = text(client.get(f"/p/{post_id}/history"))
    assert "Reason: Phone number and street" in history and WORD.title() not in history


def test_a_busy_index_is_expunged_by_the_next_sync(app, client, forum, login, runner, edited):
    post_id, revision_id = edited
    indexer = app.extensions["forum.search"]
    login("bob")
    with app.app_context(), indexer.index.writer(timeout=1):  # another writer holds the lock
        indexer.index.writer_timeout = 0.1
        response = client.post(f"/p/{post_id}/revisions/{revision_id}/redact", data={})
        assert response.status_code == 302
        assert everywhere(app, WORD) == []
        assert index_files_holding(app, WORD)  # not yet: the index was busy
        assert indexer.expunge_pending()

    result = runner.invoke(args=["search", "sync"])

    assert result.exit_code == 0, result.output
    assert "removed text is gone" in result.output
    assert index_files_holding(app, WORD) == [] and not indexer.expunge_pending()


def test_expunge_keeps_its_marker_when_the_lock_is_busy(app):
    indexer = app.extensions["forum.search"]
    indexer.request_expunge()
    with app.app_context(), indexer.index.writer(timeout=1):
        with pytest.raises(LockError):
            indexer.merge(everything=True, timeout=0.1)
        assert indexer.expunge(timeout=0.1) is False
    assert indexer.expunge_pending()
    with app.app_context():
        assert indexer.expunge() is True
    assert not indexer.expunge_pending()
