"""Keeping the index true to the database: apply queued changes, rebuild, check.

The database is the source of truth. A change to a post, thread or category puts the
affected post ids in the ``search_outbox`` table *in the same transaction*
(``forum.search.indexing``). After the commit, ``Indexer.apply`` takes the Whoosh
write lock (waiting up to ``SEARCH_WRITER_TIMEOUT``), reads those posts' current rows,
writes them and only then deletes their outbox rows. Because rows are read *under the
lock*, whichever transaction committed last is what the index ends up holding, even
when two requests race. If the lock can't be had in time, or anything fails, the
rows simply stay queued and the next writer (any request, ``flask search sync`` or a
rebuild) applies them: a request never fails because of the index, and no change is
lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, func, select
from whoosh.index import LockError

from forum.extensions import db
from forum.models import SearchOutbox
from forum.search import documents
from forum.search.index import COMPOUND, EXPUNGE_MARKER, IndexUnavailable, SearchIndex

log = logging.getLogger(__name__)

BACKLOG_BATCH = 200       # queued changes a request's commit also applies
DRAIN_BATCH = 2_000       # per writer session when draining from the CLI or a rebuild
REBUILD_BATCH = 2_000     # rows read per short transaction during a rebuild
REBUILD_LOCK = "rebuild.lock"
FORCED_REBUILD_INTERVAL = 15 * 60  # seconds between rebuilds forced by failing searches
# A redaction expunges at once (after its commit) while the index is this small: merging
# it all takes well under a second. A bigger index is expunged by the next
# `flask search sync` (cron, every minute), so no moderator waits for a full merge.
INLINE_EXPUNGE_MAX_BYTES = 32 * 1024 * 1024


class RebuildRunning(Exception):
    """Another process is already rebuilding this index."""


@dataclass
class RebuildReport:
    documents: int
    seconds: float
    size_bytes: int
    caught_up: int
    generation: str


@dataclass
class CheckReport:
    indexed: int
    expected: int
    missing: set[int] = field(default_factory=set)
    stale: set[int] = field(default_factory=set)
    extra: set[int] = field(default_factory=set)
    queued: int = 0

    @property
    def problems(self) -> set[int]:
        return self.missing | self.stale | self.extra

    @property
    def ok(self) -> bool:
        return not self.problems


class Indexer:
    """The app's search index plus the database it mirrors (``app.extensions``)."""

    def __init__(self, app: Flask, root: Path):
        self.app = app
        self.index = SearchIndex(
            root,
            writer_timeout=app.config["SEARCH_WRITER_TIMEOUT"],
            max_counted=app.config["SEARCH_MAX_RESULTS"],
            stale_after=app.config["SEARCH_REBUILD_STALE_AFTER"],
        )
        self._background: threading.Thread | None = None
        self._last_forced: float | None = None

    @property
    def engine(self):
        return db.engine

    # --- applying changes -------------------------------------------------------------

    def after_commit(self, post_ids: set[int]) -> None:
        """Index a committed transaction's changes. Never raises (the commit stands)."""
        if self.index.rebuild_running():
            return  # the rebuild applies the queued rows when it has finished
        try:
            if not self.index.exists():
                self.ensure()
                return
            self.apply(post_ids)
        except LockError:
            log.warning("search index busy: %d change(s) left queued", len(post_ids))
        except Exception as exc:  # noqa: BLE001 - the index must never break a request
            log.error("search indexing failed type=%s: %d change(s) left queued",
                      type(exc).__name__, len(post_ids))
            self._recover()

    def _recover(self) -> None:
        """After a failed write: rebuild if the index itself is unreadable."""
        try:
            if not self._usable():
                self.ensure()
        except Exception as exc:  # noqa: BLE001
            log.error("search index recovery failed type=%s", type(exc).__name__)

    def apply(self, post_ids: Iterable[int] = (), *, backlog: int = BACKLOG_BATCH,
              timeout: float | None = None, path: Path | None = None) -> int:
        """Write the current rows of ``post_ids`` and up to ``backlog`` other queued
        posts; then delete the outbox rows that were applied. Returns posts written.

        Raises ``LockError`` if the index stays locked for ``timeout`` seconds.
        """
        wanted = set(post_ids)
        target = path if path is not None else self.index.current_path()
        if target is None:
            raise IndexUnavailable("no current index")
        with self.index.writer(timeout=timeout, path=target) as writer:
            with self.engine.connect() as conn:
                queued = _queued_rows(conn, wanted, backlog)
                ids = wanted | {post_id for _, post_id in queued}
                docs = documents.documents_for(conn, ids)
            for post_id, doc in docs.items():
                if doc is None:
                    writer.delete_by_term("id", str(post_id))
                else:
                    writer.update_document(**doc)
        if path is None and self._rebuild_overlapped(target):
            return len(docs)
        self._forget([row_id for row_id, _ in queued])
        return len(docs)

    def _rebuild_overlapped(self, written: Path) -> bool:
        """Whether a rebuild may have started before this writer read the queue.

        Its new generation may then lack changes this writer just put into the old
        one, so the queue rows must stay for the rebuild (or the next writer) to apply.
        A rebuild that started later read everything this writer did; re-applying is
        harmless either way.
        """
        return self.index.rebuild_running() or self.index.current_path() != written

    def drain(self, *, timeout: float | None = None, path: Path | None = None,
              max_rounds: int = 1_000) -> int:
        """Apply every queued change (in batches). Returns posts written."""
        written = 0
        for _ in range(max_rounds):
            with self.engine.connect() as conn:
                if conn.scalar(select(SearchOutbox.id).limit(1)) is None:
                    break
            written += self.apply(backlog=DRAIN_BATCH, timeout=timeout, path=path)
        return written

    def _forget(self, row_ids: list[int]) -> None:
        for start in range(0, len(row_ids), documents.ID_CHUNK):
            with self.engine.begin() as conn:
                conn.execute(delete(SearchOutbox).where(
                    SearchOutbox.id.in_(row_ids[start:start + documents.ID_CHUNK])))

    def queued(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(SearchOutbox))

    def merge(self, *, everything: bool = False, timeout: float = 60) -> None:
        """Merge segments: every full size tier, or all of them (``everything``)."""
        with self.index.writer(timeout=timeout, merge_limit=None, optimize=everything):
            pass

    # --- removing text for good -------------------------------------------------------

    @property
    def _expunge_marker(self) -> Path:
        return self.index.root / EXPUNGE_MARKER

    def request_expunge(self) -> None:
        """Remember (on disk, before the commit) that text was removed for good and may
        still sit in the index's deleted documents, until ``expunge`` has run."""
        self.index.root.mkdir(parents=True, exist_ok=True)
        self._expunge_marker.touch()

    def expunge_pending(self) -> bool:
        return self._expunge_marker.exists()

    def expunge_after_commit(self) -> None:
        """After a commit that removed text for good: expunge now if the index is
        small; otherwise (or if busy) the marker leaves it to ``flask search sync``.
        Never raises."""
        try:
            if self.index.size_bytes() <= INLINE_EXPUNGE_MAX_BYTES:
                self.expunge()
        except Exception as exc:  # noqa: BLE001 - the commit stands; cron retries
            log.error("search expunge failed type=%s", type(exc).__name__)

    def expunge(self, *, timeout: float | None = None) -> bool:
        """Make removed text really leave the index's files (a redacted revision, an
        erased member).

        Whoosh deletes (and updates) documents by marking them deleted: their words stay
        in the segment files until those are merged. So: apply every queued change,
        rewrite the segments that hold deleted documents, and delete older generations.
        The marker is taken first and put back on any failure, so a removal committed
        meanwhile is never forgotten. True when done (or when there is no index: the
        next rebuild reads the database as it is); False (marker kept, for ``flask
        search sync``) if the index is busy or being rebuilt.
        """
        if self.index.rebuild_running():
            return False
        self._expunge_marker.unlink(missing_ok=True)
        if self.index.current_path() is None:
            return True
        wait = self.index.writer_timeout if timeout is None else timeout
        try:
            self.drain(timeout=wait)
            target = self.index.current_path()
            if target is None:
                return True
            with self.index.writer(timeout=wait, path=target, expunge=True):
                pass
            if self.index.rebuild_running() or self.index.current_path() != target:
                raise IndexUnavailable("the generation changed during the expunge")
            self.index.prune_all(keep=target)
            self.index.close_searcher()
        except Exception as exc:  # noqa: BLE001 - LockError or a broken index: retried by cron
            self.request_expunge()
            log.warning("search expunge postponed type=%s", type(exc).__name__)
            return False
        return True

    # --- rebuilding -------------------------------------------------------------------

    def rebuild(self, *, procs: int = 1, progress: Callable[[int], None] | None = None,
                total_hint: Callable[[int], None] | None = None) -> RebuildReport:
        """Build a new generation from the database and swap it in atomically.

        Searches keep using the old generation meanwhile; writers queue their changes
        (they see the marker), and those are applied to the new generation before and
        just after the swap.
        """
        started = time.monotonic()
        with self._rebuild_lock(), self.index.rebuild_marker():
            with self.engine.connect() as conn:
                covered = list(conn.scalars(select(SearchOutbox.id)))
                if total_hint is not None:
                    total_hint(documents.count_indexable(conn))
            path = self.index.new_generation()
            count = self._build(path, procs, progress)
            self._forget(covered)  # committed before the build read anything: included
            caught_up = self.drain(path=path, timeout=60)
            self.index.swap_in(path)
        caught_up += self.drain(timeout=60)
        return RebuildReport(documents=count, seconds=time.monotonic() - started,
                             size_bytes=self.index.size_bytes(), caught_up=caught_up,
                             generation=path.name)

    def _build(self, path: Path, procs: int, progress) -> int:
        from whoosh import index as whoosh_index

        ix = whoosh_index.open_dir(str(path))
        # A fresh generation nobody else writes to: the lock is free, the timeout a formality.
        if procs > 1:
            writer = ix.writer(procs=procs, multisegment=True, limitmb=128, batchsize=500,
                               compound=COMPOUND, timeout=5)
        else:
            writer = ix.writer(limitmb=256, compound=COMPOUND, timeout=5)
        count = 0
        try:
            for doc in documents.iter_documents(self.engine, REBUILD_BATCH):
                writer.add_document(**doc)
                count += 1
                if progress is not None:
                    progress(1)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    @contextlib.contextmanager
    def _rebuild_lock(self):
        self.index.root.mkdir(parents=True, exist_ok=True)
        with open(self.index.root / REBUILD_LOCK, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildRunning(str(self.index.root)) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- missing or corrupt index ----------------------------------------------------

    def ensure(self) -> bool:
        """Make sure there is an index; True if it can be searched right now.

        A missing or unreadable index is rebuilt: at once for a small forum, or in a
        background thread for a large one (searches say "being rebuilt" meanwhile).
        """
        if self._usable():
            return True
        return self.rebuild_soon()

    def recover_from_search_error(self) -> bool:
        """A search raised inside Whoosh: rebuild the index; True if usable again now.

        An index that no longer opens is rebuilt at once. One that opens may still be
        damaged below that (a postings file), so it is rebuilt too, but at most once per
        FORCED_REBUILD_INTERVAL in this process: a query that trips a Whoosh bug must not
        cause a rebuild storm.
        """
        if not self._usable():
            return self.rebuild_soon()
        now = time.monotonic()
        if self._last_forced is not None and now - self._last_forced < FORCED_REBUILD_INTERVAL:
            return False
        self._last_forced = now
        return self.rebuild_soon()

    def rebuild_soon(self) -> bool:
        """Rebuild inline (small forum) or in the background; True if usable now."""
        if self.index.rebuild_running():
            return False
        with self.engine.connect() as conn:
            small = documents.count_indexable(conn) <= self.app.config["SEARCH_INLINE_REBUILD_MAX"]
        if small:
            try:
                self.rebuild()
            except RebuildRunning:
                return False
            return self._usable()
        self._rebuild_in_background()
        return False

    def _usable(self) -> bool:
        try:
            self.index.open().doc_count_all()
        except Exception:  # noqa: BLE001 - any failure to open means "rebuild"
            return False
        return True

    def _rebuild_in_background(self) -> None:
        if self._background is not None and self._background.is_alive():
            return
        app = self.app

        def run():
            with app.app_context():
                try:
                    report = self.rebuild(procs=1)
                    log.info("search index rebuilt in background: %d documents", report.documents)
                except RebuildRunning:
                    pass
                except Exception as exc:  # noqa: BLE001
                    log.error("background search rebuild failed type=%s", type(exc).__name__)

        self._background = threading.Thread(target=run, name="search-rebuild", daemon=True)
        self._background.start()

    # --- checking ---------------------------------------------------------------------

    def check(self) -> CheckReport:
        """Compare every indexable post with the index: missing, stale and extra ids."""
        expected = {int(doc["id"]): doc["digest"]
                    for doc in documents.iter_documents(self.engine, REBUILD_BATCH)}
        actual: dict[int, str | None] = {}
        duplicated: set[int] = set()
        with self.index.open().searcher() as searcher:
            for fields in searcher.all_stored_fields():
                post_id = int(fields["id"])
                if post_id in actual:
                    duplicated.add(post_id)
                actual[post_id] = fields.get("digest")
        both = expected.keys() & actual.keys()
        return CheckReport(
            indexed=len(actual), expected=len(expected),
            missing=set(expected.keys() - actual.keys()),
            stale={i for i in both if expected[i] != actual[i]} | (duplicated & both),
            extra=set(actual.keys() - expected.keys()),
            queued=self.queued(),
        )

    def fix(self, report: CheckReport) -> int:
        """Re-write every post the check found wrong, then drain the queue."""
        ids = sorted(report.problems)
        written = 0
        for start in range(0, len(ids), DRAIN_BATCH):
            written += self.apply(ids[start:start + DRAIN_BATCH], backlog=0, timeout=60)
        return written + self.drain(timeout=60)


def _queued_rows(conn, post_ids: set[int], backlog: int) -> list[tuple[int, int]]:
    """Outbox ``(row id, post id)`` pairs for ``post_ids`` plus the ``backlog`` oldest."""
    rows: dict[int, int] = {}
    ids = sorted(post_ids)
    for start in range(0, len(ids), documents.ID_CHUNK):
        chunk = ids[start:start + documents.ID_CHUNK]
        rows.update(conn.execute(select(SearchOutbox.id, SearchOutbox.post_id)
                                 .where(SearchOutbox.post_id.in_(chunk))).all())
    if backlog:
        rows.update(conn.execute(select(SearchOutbox.id, SearchOutbox.post_id)
                                 .order_by(SearchOutbox.id).limit(backlog)).all())
    return list(rows.items())
