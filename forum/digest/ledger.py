"""The ``digest_deliveries`` ledger as one run of ``flask digest send`` writes it.

Use as a context manager (see ``Ledger.__enter__`` for the connection it writes on).

Every statement is built once per run with bound parameters and executed through
SQLAlchemy Core on the session's connection: building and caching ORM statements
again for every message cost more than running them. See ``forum.digest.sending``
for the protocol (queue, claim, send, record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)

from forum.extensions import db
from forum.models import DigestDelivery, DigestSubscription
from forum.models.base import UTCDateTime

T = DigestDelivery.__table__
C = T.c
S = DigestSubscription.__table__
CLAIM_BATCH = 20  # rows claimed per statement; see DigestRun for why this is safe


@dataclass
class Claim:
    """One ledger row this run holds (status ``sending``, ``claimed_by`` this run)."""

    id: int
    subscription_id: int
    attempts: int  # including this one, over all runs
    tries_in_run: int = 1


def _now():
    return bindparam("run_now", type_=UTCDateTime())


def _mine():
    """Rows of this period held by this run."""
    return and_(C.period == bindparam("run_period", type_=String()),
                C.claimed_by == bindparam("run_owner", type_=String()))


class Ledger:
    """The ledger rows of one period, as seen by the run named ``owner``."""

    def __init__(self, period_key: str, owner: str, on_write=None):
        """``on_write(xid)`` hears the id of each transaction that claims or finishes
        rows (PostgreSQL only; see ``forum.digest.versions``)."""
        self.params = {"run_period": period_key, "run_owner": owner}
        self.on_write = on_write
        self.connection = None  # see __enter__
        # The transaction's id comes back with the rows, in the same round trip.
        postgresql = self.postgresql = db.engine.dialect.name == "postgresql"
        self._xid = cast(func.pg_current_xact_id(), Text) if postgresql else literal(None, Text)
        self._snapshot = (cast(func.pg_current_snapshot(), Text) if postgresql
                          else literal(None, Text))
        self.snapshot: str | None = None  # as the last finish saw it (PostgreSQL)
        period = C.period == bindparam("run_period", type_=String())
        owner_param = bindparam("run_owner", type_=String())
        # Who may be claimed, cheapest first: each is one indexed range of
        # (period, status, id), so claiming stays fast when most rows are done.
        self._kinds = [
            and_(period, C.status == "queued"),
            and_(period, C.status == "deferred", C.next_attempt_at <= _now(),
                 or_(C.claimed_by.is_(None), C.claimed_by != owner_param)),
            and_(period, C.status == "sending", C.lease_until < _now()),
        ]
        self._dead_kind = and_(period, C.status == "sending",
                               C.claimed_by.in_(bindparam("dead", expanding=True)))
        self._claims = [self._claim_statement(kind) for kind in self._kinds]
        self._dead_claim = self._claim_statement(self._dead_kind)
        self._any_claimable = select(exists().where(or_(*self._kinds)))
        self._any_dead = select(exists().where(self._dead_kind))
        self._finish: dict[tuple[frozenset[str], bool], object] = {}

    def _claim_statement(self, kind):
        pick = (select(C.id).where(kind).order_by(C.id)
                .limit(bindparam("batch", type_=Integer())).with_for_update(skip_locked=True))
        return (update(T).where(C.id.in_(pick))
                .values(status="sending", claimed_by=bindparam("run_owner"),
                        lease_until=bindparam("run_lease", type_=UTCDateTime()),
                        attempts=C.attempts + 1, last_attempt_at=_now(), next_attempt_at=None)
                .returning(C.id, C.subscription_id, C.attempts, self._xid.label("xid")))

    def __enter__(self) -> Ledger:
        """On PostgreSQL, the ledger gets a connection of its own in autocommit mode:
        each of its statements is one round trip (no BEGIN, no COMMIT), and every
        ledger write is a single statement, so nothing is lost by that.

        Its commits do not wait for the disk (``synchronous_commit = off``): once the
        server has answered, the write survives this run being killed, which is what
        exactly-once needs. Only a crash of the PostgreSQL server itself may lose the
        last fraction of a second of records (three times ``wal_writer_delay`` at most),
        whose messages the next run would then send again; the README says so. SQLite
        makes the same trade with ``synchronous=NORMAL``. On SQLite the ledger shares
        the session's connection, whose own writes ``PRAGMA data_version`` does not
        count as changes.
        """
        if db.engine.dialect.name == "postgresql":
            self.connection = db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
            self.connection.exec_driver_sql("SET synchronous_commit = off")
        return self

    def __exit__(self, *exc_info) -> None:
        if self.connection is not None:
            self.connection.invalidate()  # its settings never reach the pool
            self.connection.close()
            self.connection = None

    def _execute(self, statement, **params):
        connection = self.connection or db.session.connection()
        return connection.execute(statement, {**self.params, **params})

    def claim(self, now: datetime, lease_until: datetime, batch: int,
              dead_owners: list[str]) -> list[Claim] | None:
        """Claim up to ``batch`` rows, or [] when others hold every claimable row for
        now (PostgreSQL's SKIP LOCKED), or None when nothing is left to claim."""
        params = {"run_now": now, "run_lease": lease_until, "batch": batch}
        statements = [(claim, {}) for claim in self._claims]
        if dead_owners:
            statements.append((self._dead_claim, {"dead": dead_owners}))
        for statement, extra in statements:
            rows = self._execute(statement, **params, **extra).all()
            if rows:
                self._heard(rows[0].xid)
                return sorted((Claim(row.id, row.subscription_id, row.attempts)
                               for row in rows), key=lambda claim: claim.id)
        left = self._execute(self._any_claimable, run_now=now).scalar()
        if not left and dead_owners:
            left = self._execute(self._any_dead, dead=dead_owners).scalar()
        return [] if left else None

    def holders(self) -> list[str]:
        """The runs (other than this one) that hold rows of this period."""
        return list(self._execute(
            select(C.claimed_by).distinct()
            .where(C.period == bindparam("run_period"), C.status == "sending",
                   C.claimed_by.is_not(None), C.claimed_by != bindparam("run_owner"))
        ).scalars())

    def finish(self, claim: Claim, now: datetime, status: str,
               covers: tuple[datetime, datetime] | None = None, **values) -> bool:
        """Record how ``claim`` ended; False if another run had taken it over.

        ``covers`` (start, end): what the digest covered, for a digest sent or skipped
        (nothing new). It is written on the row, and the subscriber's ``covered_until``
        moves on to its end in the same transaction, so the next digest starts exactly
        there: one statement on PostgreSQL (the ledger's own connection commits each
        statement), two in the session's transaction on SQLite.
        """
        if covers is not None:
            values.update(covers_from=covers[0], covers_until=covers[1])
        names = frozenset(values)
        key = (names, covers is not None)
        if key not in self._finish:
            self._finish[key] = self._finish_statement(names, advance=covers is not None)
        params = {"row_id": claim.id, "new_status": status, "run_now": now,
                  **{f"v_{k}": v for k, v in values.items()}}
        rows = self._execute(self._finish[key], **params).all()
        if rows and covers is not None and not self.postgresql:
            self._execute(self._advance(S.c.id == rows[0].subscription_id), **params)
        self.snapshot = rows[0].snapshot if rows else None
        if rows:
            self._heard(rows[0].xid)
        return len(rows) == 1

    @staticmethod
    def _advance(where):
        """The subscriber's ``covered_until`` moves forward to the digest's end (never
        back: a late run of an older week covers nothing new)."""
        until = bindparam("v_covers_until", type_=UTCDateTime())
        return update(S).where(where).values(covered_until=case(
            (or_(S.c.covered_until.is_(None), S.c.covered_until < until), until),
            else_=S.c.covered_until))

    def _finish_statement(self, names: frozenset[str], *, advance: bool):
        done = (update(T).where(C.id == bindparam("row_id"), _mine(), C.status == "sending")
                .values(status=bindparam("new_status"), finished_at=_now(), lease_until=None,
                        **{name: bindparam(f"v_{name}") for name in names})
                .returning(C.subscription_id, self._xid.label("xid"),
                           self._snapshot.label("snapshot")))
        if not advance or not self.postgresql:
            return done
        done = done.cte("done")
        return (self._advance(S.c.id == done.c.subscription_id)
                .returning(done.c.subscription_id, done.c.xid, done.c.snapshot))

    def _heard(self, xid) -> None:
        if xid is not None and self.on_write is not None:
            self.on_write(xid)

    def note(self, claim: Claim, **values) -> None:
        """Change columns of a row this run holds (an SMTP reply, a deferral)."""
        self._execute(update(T).where(C.id == claim.id, _mine()).values(**values))

    def retry(self, claim: Claim, now: datetime, lease_until: datetime) -> bool:
        """Count one more try of a row this run still holds; False if it lost it."""
        result = self._execute(
            update(T).where(C.id == claim.id, _mine(), C.status == "sending")
            .values(lease_until=lease_until, attempts=C.attempts + 1, last_attempt_at=now))
        return result.rowcount == 1

    def release(self, claims: list[Claim], now: datetime) -> None:
        """Give back rows claimed but not tried: queued again if they never were tried,
        else deferred and due at once; the claim's try is not counted."""
        if claims:
            self._execute(
                update(T).where(C.id.in_([claim.id for claim in claims]), _mine(),
                                C.status == "sending")
                .values(status=case((C.attempts <= 1, "queued"), else_="deferred"),
                        next_attempt_at=case((C.attempts <= 1, None), else_=_now()),
                        claimed_by=None, lease_until=None, attempts=C.attempts - 1),
                run_now=now)

    def renew(self, lease_until: datetime) -> None:
        """Extend the lease on every row this run holds."""
        self._execute(update(T).where(_mine(), C.status == "sending")
                      .values(lease_until=lease_until))
