"""Session listeners that keep the index in step with committed changes.

- ``after_flush`` collects the ids of posts whose search document changed (new, edited,
  status changed, deleted; every post of a renamed or moved thread; every post of a
  category whose visibility changed), inserts them into ``search_outbox`` in the same
  transaction, and remembers them in ``session.info["forum.search.pending"]``.
- ``after_commit`` hands the ids to ``Indexer.after_commit``, which writes them to the
  index (or leaves them queued; it never raises).
- ``after_rollback`` drops them: the outbox rows were rolled back too.

Only ids are collected at flush time: the documents are read back under the index's
write lock after the commit (see ``forum.search.sync``), so the last committed version
always wins, and nothing lazy-loads after the commit (STYLE.md A3.2). Listeners are
registered once, at import (A3.3), and find the app through ``current_app``.
Bulk ``update()``/``delete()`` statements bypass these events: run
``flask search check --fix`` after one.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import event, insert, inspect

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Category, Post, SearchOutbox, Thread
from forum.search import documents

PENDING = "forum.search.pending"
EXPUNGE = "forum.search.expunge"
EXTENSION = "forum.search"

POST_FIELDS = ("body_text", "status", "thread_id", "author_id", "created_at")
# ``is_listed`` arrives with moderation (a thread whose opening post is held is unlisted).
THREAD_FIELDS = tuple(name for name in ("title", "category_id", "is_listed")
                      if hasattr(Thread, name))
CATEGORY_FIELDS = ("members_only",)


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _indexer():
    if not has_app_context():
        return None
    return current_app.extensions.get(EXTENSION)


def changed_post_ids(session) -> set[int]:
    """Ids of posts whose document this flush changed (SQL allowed: still flushing)."""
    conn = session.connection()
    ids: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Post):
            ids.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Post):
            ids.add(obj.id)
        elif isinstance(obj, Thread):
            ids.update(documents.post_ids_in_thread(conn, obj.id))
    for obj in session.dirty:
        if isinstance(obj, Post) and _changed(obj, POST_FIELDS):
            ids.add(obj.id)
        elif isinstance(obj, Thread) and _changed(obj, THREAD_FIELDS):
            ids.update(documents.post_ids_in_thread(conn, obj.id))
        elif isinstance(obj, Category) and _changed(obj, CATEGORY_FIELDS):
            ids.update(documents.post_ids_in_category(conn, obj.id))
    ids.discard(None)
    return ids


@event.listens_for(db.session, "after_flush")
def _collect(session, flush_context) -> None:
    if _indexer() is None:
        return
    ids = changed_post_ids(session) - session.info.get(PENDING, set())
    if not ids:
        return
    now = utcnow()
    session.connection().execute(
        insert(SearchOutbox), [{"post_id": post_id, "created_at": now} for post_id in ids]
    )
    session.info.setdefault(PENDING, set()).update(ids)


def expunge_after_commit(session=None) -> None:
    """Text was removed for good in this transaction (a redacted revision, an erased
    member): once it commits, make sure no copy stays in the index's files, not even
    in deleted documents (``Indexer.expunge``). Callable from services: it only marks
    the session."""
    (session or db.session).info[EXPUNGE] = True


@event.listens_for(db.session, "before_commit")
def _mark_expunge(session) -> None:
    indexer = _indexer()
    if session.info.get(EXPUNGE) and indexer is not None:
        indexer.request_expunge()  # on disk before the commit: a crash cannot forget it


@event.listens_for(db.session, "after_commit")
def _apply(session) -> None:
    ids = session.info.pop(PENDING, None)
    expunge = session.info.pop(EXPUNGE, False)
    indexer = _indexer()
    if ids and indexer is not None:
        indexer.after_commit(ids)
    if expunge and indexer is not None:
        indexer.expunge_after_commit()


@event.listens_for(db.session, "after_soft_rollback")
def _drop(session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING, None)
        session.info.pop(EXPUNGE, None)
