"""Has anyone else changed the database since an earlier look? Asked before each digest
goes out, so that a message composed a moment earlier is composed again if a moderator
(or anyone) changed something meanwhile, and read again only then.

- SQLite file: ``PRAGMA data_version`` changes whenever another connection commits.
- PostgreSQL: two snapshots (``pg_current_snapshot()``) tell which transactions
  committed in between; if all of them are this run's own (the ledger rows it writes,
  whose ids it notes), nothing else changed. Anything uncertain counts as a change.
- Anything else (an in-memory database): every look is a change.

Wrongly saying "changed" only costs a second read; the rules below never say
"unchanged" when another transaction has committed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from forum.extensions import db

_fresh = itertools.count()
OWN_LIMIT = 50_000  # own transaction ids remembered; older ones are forgotten


@dataclass(frozen=True)
class Snapshot:
    """``xmin:xmax:xip`` of ``pg_current_snapshot()``: transactions below ``xmax`` and
    not in ``xip`` had finished when it was taken."""

    xmin: int
    xmax: int
    xip: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        xmin, xmax, xip = text.split(":")
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in xip.split(",") if x))

    def finished_since(self, earlier: Snapshot, ignore: set[int]) -> bool:
        """Whether a transaction not in ``ignore`` finished between ``earlier`` and this."""
        for xid in earlier.xip:
            if xid not in self.xip and xid not in ignore:
                return True
        if self.xmax - earlier.xmax > len(ignore) + len(self.xip):
            return True  # more new transactions than could all be ours or still running
        # (Callers keep versions recent, so this range is a handful of transactions.)
        return any(xid not in self.xip and xid not in ignore
                   for xid in range(earlier.xmax, self.xmax))


class DataVersion:
    """Versions of the database as one connection (the session's) sees it."""

    def __init__(self):
        url = db.engine.url
        backend = url.get_backend_name()
        if backend == "sqlite" and url.database not in (None, "", ":memory:"):
            self.kind = "sqlite"
        elif backend == "postgresql":
            self.kind = "postgresql"
        else:
            self.kind = None
        self._own: set[int] = set()

    @property
    def exact(self) -> bool:
        """Whether a change can be told from no change at all."""
        return self.kind is not None

    def now(self, snapshot: str | None = None):
        """The database's version as of now (a value to compare later). ``snapshot``:
        a ``pg_current_snapshot()`` a statement just returned, to save a round trip."""
        if self.kind == "postgresql" and snapshot:
            return Snapshot.parse(snapshot)
        if self.kind == "sqlite":
            fairy = db.session.connection().connection
            # The same SQLite connection keeps the same token (its pool record's info).
            token = fairy.info.setdefault("forum_version_token", next(_fresh))
            return token, fairy.dbapi_connection.execute("PRAGMA data_version").fetchone()[0]
        if self.kind == "postgresql":
            return Snapshot.parse(db.session.connection()
                                  .exec_driver_sql("SELECT pg_current_snapshot()::text")
                                  .scalar())
        return next(_fresh)

    def own(self, xid) -> None:
        """Note a transaction of this run (its writes change nothing it reads)."""
        if len(self._own) >= OWN_LIMIT:
            self._own.clear()  # forgetting only makes more things look changed
        self._own.add(int(xid))

    def unchanged(self, earlier, later) -> bool:
        """Whether nobody else changed anything between versions ``earlier`` and
        ``later`` (both from ``now``, ``earlier`` first)."""
        if self.kind == "sqlite":
            return earlier == later
        if self.kind == "postgresql":
            return (isinstance(earlier, Snapshot) and isinstance(later, Snapshot)
                    and not later.finished_since(earlier, self._own))
        return False

    def unchanged_since(self, earlier) -> bool:
        return self.exact and self.unchanged(earlier, self.now())
