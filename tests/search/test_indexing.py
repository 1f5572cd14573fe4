"""The index follows committed changes, never uncommitted or rolled-back ones."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, Post, SearchOutbox, Thread, User
from forum.threads import services
from tests.factories import make_post
from tests.helpers import doc_has, indexed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_overrides():
    return {"SEARCH_WRITER_TIMEOUT": 0.3}


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SearchOutbox))


def test_new_reply_is_indexed_after_commit(app, forum, client, login, search):
    login("bob")
    response = client.post(f"/t/{forum.threads['hypos']}/reply",
                           data={"body": "Glucose tablets by the bed, always."})
    assert response.status_code == 302
    assert search("tablets") and outbox_count(app) == 0


def test_nothing_is_indexed_before_commit_or_after_rollback(app, forum):
    with app.app_context():
        thread = db.session.get(Thread, forum.threads["hypos"])
        post = make_post(thread, body="A rolledbackword in a reply")  # flushed, not committed
        assert post.id not in indexed(app)
        db.session.rollback()
    assert outbox_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Post.body_text.contains(
            "rolledbackword"))) == 0
    assert len(indexed(app)) == 4


def test_commit_after_an_earlier_rollback_indexes_only_the_committed(app, forum, search):
    with app.app_context():
        thread = db.session.get(Thread, forum.threads["hypos"])
        make_post(thread, body="first ghostword")
        db.session.rollback()
        thread = db.session.get(Thread, forum.threads["hypos"])
        make_post(thread, body="second keptword")
        db.session.commit()
    assert search("ghostword") == []
    assert len(search("keptword")) == 1


def test_edit_replaces_the_document(app, forum, search):
    with app.app_context():
        post = db.session.get(Post, forum.posts["reply"])
        services.edit_post(post, editor=post.author, body="Now about dexcom alarms instead.")
        db.session.commit()
    assert search("basal") == []
    assert search("alarms") == [forum.posts["reply"]]


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "visible"])
def test_status_changes_reach_the_index(app, forum, status):
    with app.app_context():
        post = db.session.get(Post, forum.posts["reply"])
        post.status = "hidden"
        db.session.commit()
        post.status = status  # hide then restore, remove, send back to review...
        db.session.commit()
    assert doc_has(app, forum.posts["reply"], status=status)


def test_author_delete_removes_the_document(app, forum, search):
    with app.app_context():
        post = db.session.get(Post, forum.posts["reply"])
        services.delete_post_by_author(post, author=post.author)
        db.session.commit()
    assert forum.posts["reply"] not in indexed(app)


def test_thread_rename_updates_the_title(app, forum, search, login):
    login("ann")
    assert search("exercise") == [forum.posts["hypos"]]
    with app.app_context():
        post = db.session.get(Post, forum.posts["hypos"])
        services.edit_post(post, editor=post.author, body=post.body_source,
                           title="Overnight lows after football")
        db.session.commit()
    assert search("exercise") == []
    assert search("football") == [forum.posts["hypos"]]


def test_thread_move_updates_every_post(app, forum):
    with app.app_context():
        db.session.get(Thread, forum.threads["hypos"]).category_id = forum.categories["food"]
        db.session.commit()
    food = str(forum.categories["food"])
    assert doc_has(app, forum.posts["hypos"], category_id=food)
    assert doc_has(app, forum.posts["reply"], category_id=food)


def test_category_visibility_change_updates_every_post(app, forum, search):
    with app.app_context():
        db.session.get(Category, forum.categories["daily"]).members_only = True
        db.session.commit()
    assert doc_has(app, forum.posts["reply"], members_only="1")
    assert search("injecting") == []  # visitor
    with app.app_context():
        db.session.get(Category, forum.categories["daily"]).members_only = False
        db.session.commit()
    assert doc_has(app, forum.posts["reply"], members_only="0")
    assert search("injecting") == [forum.posts["reply"]]


def test_unrelated_changes_do_not_queue_work(app, forum):
    with app.app_context():
        db.session.get(User, forum.ids["ann"]).bio = "New bio"
        db.session.get(Thread, forum.threads["hypos"]).is_pinned = True
        db.session.commit()
    assert outbox_count(app) == 0


@contextmanager
def lock_held(app):
    """Another process holds the index's write lock for the duration."""
    with app.app_context():
        path = app.extensions["forum.search"].index.current_path()
    child = subprocess.Popen([sys.executable, "-m", "tests.search.hold_lock", str(path)],
                             cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        yield
    finally:
        child.stdin.close()
        child.wait(timeout=10)


@pytest.mark.slow  # another process holds the lock
def test_a_held_lock_never_fails_a_request_or_loses_the_change(app, forum, client, login,
                                                                 search, caplog):
    login("bob")
    with lock_held(app):
        response = client.post(f"/t/{forum.threads['hypos']}/reply",
                               data={"body": "Queued while locked: lockedword."})
        assert response.status_code == 302
        assert outbox_count(app) == 1
        assert "search index busy" in caplog.text
    assert search("lockedword") == []  # not yet: it waits in the queue
    response = client.post(f"/t/{forum.threads['hypos']}/reply", data={"body": "Next one."})
    assert response.status_code == 302  # the next writer applies the backlog too
    assert len(search("lockedword")) == 1
    assert outbox_count(app) == 0


@pytest.mark.slow  # another process holds the lock
def test_sync_command_applies_the_queue(app, forum, runner, search):
    with lock_held(app):
        with app.app_context():
            make_post(db.session.get(Thread, forum.threads["hypos"]), body="cronword here")
            db.session.commit()
    assert search("cronword") == []
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "Applied 1 queued change" in result.output
    assert len(search("cronword")) == 1


def test_index_failure_never_fails_the_commit(app, forum, client, login, monkeypatch):
    from forum.search.sync import Indexer

    def broken(self, *args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(Indexer, "apply", broken)
    login("bob")
    response = client.post(f"/t/{forum.threads['hypos']}/reply", data={"body": "Still saved."})
    assert response.status_code == 302
    assert outbox_count(app) == 1
