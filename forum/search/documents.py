"""Search documents built from database rows with plain SQL (no ORM objects).

Used by the indexer (for the posts a transaction changed), the rebuild (every
post, in id order, a batch at a time) and the consistency check. Reading rows with
Core keeps this usable from any connection, including outside a request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from sqlalchemy import func, literal, select
from sqlalchemy.orm import aliased

from forum.models import Category, Post, Thread

# Author-deleted posts are never shown to anyone, so they are simply not indexed.
UNINDEXED_STATUSES = frozenset({"deleted_by_author"})
ID_CHUNK = 500


def _listed_column():
    """``threads.is_listed`` (False while a thread's opening post awaits review or is
    hidden), or a constant True where the model has no such column."""
    listed = getattr(Thread, "is_listed", None)
    return listed if listed is not None else literal(True)


def _document_columns():
    first = aliased(Post)
    opening_id = (
        select(first.id).where(first.thread_id == Post.thread_id)
        .order_by(first.created_at, first.id).limit(1).scalar_subquery()
    )
    return select(
        Post.id, Post.thread_id, Post.author_id, Post.status, Post.created_at, Post.body_text,
        Thread.title, Thread.category_id, Thread.author_id.label("thread_author_id"),
        _listed_column().label("listed"), Category.members_only,
        (opening_id == Post.id).label("is_opening"),
    ).join(Thread, Post.thread_id == Thread.id).join(Category, Thread.category_id == Category.id)


def to_document(row) -> dict | None:
    """The index document for one row of ``_document_columns``, or None to un-index."""
    if row.status in UNINDEXED_STATUSES:
        return None
    doc = {
        "id": str(row.id),
        "thread_id": str(row.thread_id),
        "category_id": str(row.category_id),
        "author_id": str(row.author_id),
        "thread_author_id": str(row.thread_author_id),
        "listed": "1" if row.listed else "0",
        "status": row.status,
        "members_only": "1" if row.members_only else "0",
        "created": int(row.created_at.timestamp()),
        "title": row.title if row.is_opening else "",
        "body": row.body_text,
    }
    doc["digest"] = digest(doc)
    return doc


def digest(doc: dict) -> str:
    """A short hash of everything indexed for a post (to spot stale documents)."""
    parts = [f"{key}={doc[key]}" for key in sorted(doc) if key != "digest"]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


def documents_for(conn, post_ids: Iterable[int]) -> dict[int, dict | None]:
    """``{post_id: document or None}`` for ``post_ids``; None for gone or unindexed posts."""
    ids = sorted(set(post_ids))
    found: dict[int, dict | None] = dict.fromkeys(ids)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start:start + ID_CHUNK]
        for row in conn.execute(_document_columns().where(Post.id.in_(chunk))):
            found[row.id] = to_document(row)
    return found


def iter_documents(engine, batch: int = 2_000) -> Iterator[dict]:
    """Every indexable post's document in id order, each batch read in its own short
    transaction (a long read would block SQLite writers)."""
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                _document_columns().where(Post.id > last).order_by(Post.id).limit(batch)
            ).all()
        if not rows:
            return
        for row in rows:
            doc = to_document(row)
            if doc is not None:
                yield doc
        last = rows[-1].id


def count_indexable(conn) -> int:
    """How many posts belong in the index."""
    return conn.scalar(
        select(func.count()).select_from(Post).where(Post.status.not_in(UNINDEXED_STATUSES))
    )


def post_ids_in_thread(conn, thread_id: int) -> list[int]:
    return list(conn.scalars(select(Post.id).where(Post.thread_id == thread_id)))


def post_ids_in_category(conn, category_id: int) -> list[int]:
    return list(conn.scalars(
        select(Post.id).join(Thread, Post.thread_id == Thread.id)
        .where(Thread.category_id == category_id)
    ))
