"""The Whoosh index on disk: generations, the writer, searchers and filtered searches.

Everything that touches Whoosh's files lives here (STYLE.md C9). Layout of
``SEARCH_INDEX_DIR``::

    current -> gen-20261127T101500-3f9a   a symlink, swapped atomically by a rebuild
    gen-.../                              one complete Whoosh index per generation
    rebuilding                            present (and touched every few seconds)
                                          while ``flask search reindex`` runs
    expunge-pending                       present while text removed for good (a
                                          redacted revision) may still sit in
                                          deleted documents: ``Indexer.expunge``

Readers resolve ``current`` on every search and reopen when it moved, so a rebuild
never interrupts searching. Writers always use a timeout (Whoosh's own default is to
fail at once when another process holds the lock).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from whoosh import collectors, index
from whoosh import query as wq
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from forum.search.schema import make_schema

CURRENT = "current"
MARKER = "rebuilding"
EXPUNGE_MARKER = "expunge-pending"
GENERATION_PREFIX = "gen-"
MERGE_FACTOR = 10
# Segments below this many documents are merged by ordinary commits; bigger ones
# only by `flask search sync --optimize` or a rebuild, so no request pays for them.
REQUEST_MERGE_LIMIT = 1_000
WRITER_POLL = 0.05
# Whoosh opens a segment packed into one compound file by copying each part into memory
# (BytesIO over the mmap): about 70 ms per reader on a 100,000-post segment, paid by
# every writer (update_document opens a reader) and every searcher reopen. Separate
# files are mmapped in place: 0.2 ms.
COMPOUND = False


class IndexUnavailable(Exception):
    """There is no usable index right now (missing, corrupt, or being built)."""


@dataclass
class SearchHits:
    """One page of results: post ids in rank order and how many documents matched."""

    ids: list[int]
    total: int
    capped: bool


class SearchIndex:
    """One index directory (``root``) and this process's searchers on it."""

    def __init__(self, root: Path | str, *, writer_timeout: float = 5.0,
                 max_counted: int = 1_000, stale_after: float = 60.0):
        self.root = Path(root)
        self.writer_timeout = writer_timeout
        self.max_counted = max_counted
        self.stale_after = stale_after
        self._local = threading.local()
        self._filters: dict[tuple, _DocFilter] = {}

    # --- generations ------------------------------------------------------------------

    def current_path(self) -> Path | None:
        """The generation ``current`` points to, or None if there is none."""
        try:
            target = os.readlink(self.root / CURRENT)
        except OSError:
            return None
        path = self.root / target
        return path if path.is_dir() else None

    def exists(self) -> bool:
        path = self.current_path()
        return path is not None and index.exists_in(str(path))

    def new_generation(self) -> Path:
        """Create an empty index in a fresh directory (not yet current)."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.root / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:6]}"
        path.mkdir()
        index.create_in(str(path), make_schema())
        return path

    def swap_in(self, path: Path) -> None:
        """Make ``path`` the current generation atomically, then prune old ones."""
        link = self.root / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
        os.symlink(path.name, link)
        os.replace(link, self.root / CURRENT)
        self.prune(keep=path)

    def prune(self, keep: Path) -> None:
        """Delete old generations, keeping ``keep`` and the newest other one.

        The newest other one may still be open in another process's searcher for a
        moment; it goes at the next swap.
        """
        others = sorted((p for p in self.root.glob(f"{GENERATION_PREFIX}*")
                         if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
        for old in others[:-1]:
            shutil.rmtree(old, ignore_errors=True)

    def open(self) -> index.Index:
        """The current Whoosh index; IndexUnavailable when there is none."""
        path = self.current_path()
        if path is None:
            raise IndexUnavailable("no current index")
        return index.open_dir(str(path))

    def size_bytes(self) -> int:
        path = self.current_path()
        return 0 if path is None else sum(f.stat().st_size for f in path.iterdir())

    # --- the rebuild marker -----------------------------------------------------------

    def rebuild_running(self) -> bool:
        """True while a rebuild is running (its marker was touched recently)."""
        try:
            age = time.time() - (self.root / MARKER).stat().st_mtime
        except OSError:
            return False
        return age < self.stale_after

    @contextlib.contextmanager
    def rebuild_marker(self, heartbeat: float = 5.0) -> Iterator[None]:
        """Announce a rebuild to writers (they queue instead of writing) while it runs."""
        self.root.mkdir(parents=True, exist_ok=True)
        marker = self.root / MARKER
        marker.touch()
        stop = threading.Event()

        def beat():
            while not stop.wait(heartbeat):
                with contextlib.suppress(OSError):
                    marker.touch()

        thread = threading.Thread(target=beat, name="search-rebuild-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            with contextlib.suppress(OSError):
                marker.unlink()

    # --- writing ----------------------------------------------------------------------

    def prune_all(self, keep: Path) -> None:
        """Delete every generation older than ``keep``: erasure (``forum.erasure``)
        must not leave an older copy of erased text on disk. A process still searching
        an old generation reopens the current one on its next search. A newer one (a
        rebuild that has just started) is left alone."""
        newest = keep.stat().st_mtime
        for old in self.root.glob(f"{GENERATION_PREFIX}*"):
            if old.is_dir() and old != keep and old.stat().st_mtime <= newest:
                shutil.rmtree(old, ignore_errors=True)

    @contextlib.contextmanager
    def writer(self, *, timeout: float | None = None, path: Path | None = None,
               merge_limit: int | None = REQUEST_MERGE_LIMIT, optimize: bool = False,
               expunge: bool = False):
        """A writer on the current (or given) generation, committed on success.

        Waits up to ``timeout`` seconds for another writer to finish, then raises
        ``whoosh.index.LockError``. Small segments are merged in tiers (see
        ``tiered_merge``) so commits stay cheap and searches don't slow down;
        ``merge_limit=None`` merges every full tier, ``optimize`` merges everything,
        ``expunge`` rewrites every segment that holds deleted documents.
        """
        ix = index.open_dir(str(path)) if path is not None else self.open()
        writer = ix.writer(timeout=self.writer_timeout if timeout is None else timeout,
                           delay=WRITER_POLL, compound=COMPOUND)
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        if optimize:
            writer.commit(optimize=True)
        elif expunge:
            writer.commit(mergetype=expunge_deleted)
        else:
            writer.commit(mergetype=lambda w, segments: tiered_merge(w, segments, merge_limit))

    # --- searching --------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """This thread's searcher on the current generation, refreshed if out of date."""
        path = self.current_path()
        if path is None:
            raise IndexUnavailable("no current index")
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is not None and local.path == path and searcher.up_to_date():
            return searcher
        # Reopened rather than ``Searcher.refresh()``: Whoosh's refresh reuses segment
        # readers by segment id, so they keep their old deletions (an updated post
        # would match twice, in its old and new version).
        self.close_searcher()
        local.searcher = index.open_dir(str(path)).searcher()
        local.path = path
        self._prune_filters(local.searcher)
        return local.searcher

    def close_searcher(self) -> None:
        """Close this thread's searcher (it is reopened on the next search)."""
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if searcher is not None:
            with contextlib.suppress(Exception):
                searcher.close()

    def search(self, q: wq.Query, *, allow: list[tuple[tuple | None, wq.Query]],
               newest: bool = False, offset: int = 0, limit: int = 20) -> SearchHits:
        """Post ids matching ``q`` among the documents ``allow`` admits.

        ``allow`` is a union of ``(cache_key, query)`` parts (see
        ``forum.search.visibility``). Counting stops at ``max_counted``: beyond that
        the page says "1,000+ results" and paging stops there too.
        """
        searcher = self.searcher()
        wanted = min(offset + limit, self.max_counted)
        child = searcher.collector(limit=max(wanted, 1),
                                   sortedby=("created" if newest else None), reverse=newest)
        collector = _AllowCollector(child, self._segment_filter(allow))
        searcher.search_with_collector(q, collector)
        top = collector.results().top_n[offset:wanted] if wanted > offset else []
        ids = [int(searcher.stored_fields(docnum)["id"]) for _, docnum in top]
        total, capped = collector.capped_count(self.max_counted)
        return SearchHits(ids=ids, total=total, capped=capped)

    def _segment_filter(self, allow):
        """A function giving, for one segment's searcher, its allowed local docnums."""
        def for_segment(subsearcher) -> _DocFilter:
            segment_id = _segment_id(subsearcher)
            parts = []
            for key, part in allow:
                if key is None:
                    parts.append(_DocFilter.of(subsearcher, part))
                    continue
                cache_key = (segment_id, key)
                cached = self._filters.get(cache_key)
                if cached is None:
                    cached = self._filters[cache_key] = _DocFilter.of(subsearcher, part)
                parts.append(cached)
            return _DocFilter.union(parts)
        return for_segment

    def _prune_filters(self, searcher: Searcher) -> None:
        """Forget cached filters of segments this searcher no longer has (merged away)."""
        live = {_segment_id(sub) for sub, _ in searcher.leaf_searchers()}
        for key in [k for k in self._filters if k[0] not in live]:
            self._filters.pop(key, None)


def _segment_id(subsearcher: Searcher):
    reader = subsearcher.reader()
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else id(reader)


class _DocFilter:
    """A segment's allowed docnums, kept as the smaller of the set or its complement.

    A segment's documents never change (an update deletes and re-adds elsewhere), so a
    segment's filter stays valid until the segment is merged away.
    """

    __slots__ = ("docs", "negated")

    def __init__(self, docs: frozenset[int], negated: bool):
        self.docs = docs
        self.negated = negated

    def __contains__(self, docnum: int) -> bool:
        return (docnum in self.docs) != self.negated

    @classmethod
    def of(cls, subsearcher: Searcher, q: wq.Query) -> _DocFilter:
        docs = frozenset(subsearcher.docs_for_query(q))
        size = subsearcher.doc_count_all()
        if len(docs) * 2 > size:
            return cls(frozenset(range(size)) - docs, negated=True)
        return cls(docs, negated=False)

    @classmethod
    def union(cls, parts: list[_DocFilter]) -> _DocFilter:
        if len(parts) == 1:
            return parts[0]
        if all(not p.negated for p in parts):
            return cls(frozenset().union(*(p.docs for p in parts)), negated=False)
        # allowed = NOT(excluded_1 AND excluded_2 ...), for negated parts; plain sets
        # remove their docs from the exclusions.
        excluded = None
        for part in parts:
            if part.negated:
                excluded = part.docs if excluded is None else excluded & part.docs
        for part in parts:
            if not part.negated:
                excluded = excluded - part.docs
        return cls(excluded, negated=True)


class _AllowCollector(collectors.WrappingCollector):
    """Keeps only allowed documents, checking segment-local docnums against a cached
    per-segment filter; the wrapped top-N collector keeps its block-skipping."""

    def __init__(self, child, filter_for_segment):
        super().__init__(child)
        self._filter_for_segment = filter_for_segment
        self._segments: list[tuple[Searcher, _DocFilter]] = []

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        self._allowed = self._filter_for_segment(subsearcher)
        self._segments.append((subsearcher, self._allowed))

    def collect_matches(self):
        allowed, child = self._allowed, self.child
        for sub_docnum in child.matches():
            if sub_docnum in allowed:
                child.collect(sub_docnum)

    def capped_count(self, cap: int) -> tuple[int, bool]:
        """How many allowed documents match, counting no further than ``cap``."""
        total = 0
        q = self.child.q
        for subsearcher, allowed in self._segments:
            matcher = q.matcher(subsearcher, subsearcher.boolean_context())
            if not matcher.is_active():
                continue
            for docnum in matcher.all_ids():
                if docnum in allowed:
                    total += 1
                    if total >= cap:
                        return total, True
        return total, False


def tiered_merge(writer, segments, limit: int | None = REQUEST_MERGE_LIMIT):
    """Merge policy: when MERGE_FACTOR segments share a size tier, merge that tier.

    Tiers are powers of MERGE_FACTOR (1-9 docs, 10-99, 100-999, ...). A commit
    therefore merges roughly 10 tiny segments every 10 commits, 10 small ones every
    100, and so on: cheap on average, never a large merge when ``limit`` is set.
    """
    tiers: dict[int, list] = defaultdict(list)
    for segment in segments:
        count = max(segment.doc_count_all(), 1)
        tiers[int(math.log(count, MERGE_FACTOR))].append(segment)
    kept = []
    for members in tiers.values():
        small = limit is None or all(s.doc_count_all() < limit for s in members)
        if len(members) >= MERGE_FACTOR and small:
            for segment in members:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                writer.add_reader(reader)
                reader.close()
        else:
            kept.extend(members)
    return kept


def expunge_deleted(writer, segments):
    """Merge policy: rewrite every segment that has deleted documents, and only those.

    Whoosh marks a deleted (or replaced) document as deleted but keeps its terms in the
    segment's files until the segment is merged; erasure needs them physically gone.
    The rewritten segment holds the live documents only, and Whoosh removes the old
    segment's files at the commit.
    """
    kept = []
    for segment in segments:
        if segment.has_deletions():
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        else:
            kept.append(segment)
    return kept
