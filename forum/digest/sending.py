"""Sending one period's digests exactly once, through the ``digest_deliveries`` ledger.

1. **Queue.** One ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` adds a ``queued`` row
   for every confirmed subscriber of the period (subscribed before it ended). The unique
   (subscriber, period) pair means a row, and so a digest, exists at most once, however
   many runs do this at the same time.
2. **Claim.** One row at a time, in the same transaction that records the previous one:
   ``UPDATE ... SET status='sending', claimed_by=<run>, lease_until=<now+lease>
   WHERE id = (SELECT id ... LIMIT 1 FOR UPDATE SKIP LOCKED)``. On PostgreSQL, runs on
   other machines skip rows another run has locked; SQLite runs every write one at a time.
   A row another run holds is never taken while its lease lasts.
3. **Compose and check.** The subscriber and the candidate threads are read again
   (``Selection.recheck``): whatever was hidden, flagged, locked or unsubscribed since
   the run began drops out. The read transaction ends before talking to SMTP.
4. **Send, then record** (sent, skipped, failed with the SMTP reply) and claim the next
   row in one commit. A run killed at any point leaves at most one row whose message
   may have gone out unrecorded (the one in flight); every other claimed row was not
   sent, and the next run sends it. A run on the same host takes over a dead run's row at
   once (its process is gone); a run elsewhere waits for the lease to run out.

Transient failures (4xx, a dropped or refused connection) are retried in the run after
``DIGEST_RETRY_DELAYS``, then deferred to a later run; permanent ones (5xx) are
recorded, and ``DIGEST_SUPPRESS_AFTER`` in a row suppress the subscriber.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from forum.clock import utcnow
from forum.digest.content import Selections
from forum.digest.emails import Recipient, build_digest_email, load_recipient
from forum.digest.schedule import Period
from forum.email import BulkSender, Outcome, parse_delays
from forum.extensions import db
from forum.models import DigestDelivery, DigestSubscription, User
from forum.models.base import UTCDateTime

log = logging.getLogger(__name__)
D, S = DigestDelivery, DigestSubscription


@dataclass
class Summary:
    """What a run did; ``deferred`` rows wait for a later run."""

    period: str
    sent: int = 0
    skipped: int = 0  # nothing new for the subscriber
    failed: int = 0
    deferred: int = 0
    cancelled: int = 0  # left (or lost their confirmed address) after being queued
    suppressed: int = 0
    queued: int = 0
    connections: int = 0
    dry_run: bool = False
    stopped: str | None = None
    messages: list = field(default_factory=list, repr=False)  # dry runs only

    @property
    def total(self) -> int:
        return self.sent + self.skipped + self.failed + self.deferred + self.cancelled

    def line(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        text = (f"period={self.period} {verb}={self.sent} skipped_empty={self.skipped} "
                f"failed={self.failed} deferred={self.deferred}")
        if self.cancelled:
            text += f" cancelled={self.cancelled}"
        if self.suppressed:
            text += f" suppressed={self.suppressed}"
        if self.stopped:
            text += f" stopped={self.stopped!r}"
        return text


def run_owner() -> str:
    """Names this run in ``claimed_by``: host, process id and a random part."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:10]}"


def _dead_on_this_host(owner: str, me: str) -> bool:
    """Whether ``owner`` was a run on this machine whose process has gone."""
    try:
        host, pid_text, _nonce = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    my_host, my_pid, _ = me.rsplit(":", 2)
    if host != my_host or owner == me:
        return False
    if pid == int(my_pid):
        return True  # an earlier run in this very process (it has returned or crashed)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# --- 1. queue ---------------------------------------------------------------------------

def _insert(dialect: str):
    return pg_insert(D) if dialect == "postgresql" else sqlite_insert(D)


def queue_period(period: Period) -> int:
    """Add a queued ledger row for each subscriber due this period's digest (idempotent)."""
    now = utcnow()
    eligible = (
        select(S.id, literal(period.key), literal("queued"), literal(0),
               literal(now, UTCDateTime()))
        .outerjoin(User, User.id == S.user_id)
        .where(S.status == "confirmed", S.subscribed_at < period.end,
               or_(S.user_id.is_(None), User.email_confirmed_at.is_not(None)),
               ~exists().where(D.subscription_id == S.id, D.period == period.key))
    )
    stmt = _insert(db.engine.dialect.name).from_select(
        ["subscription_id", "period", "status", "attempts", "created_at"], eligible,
    ).on_conflict_do_nothing()
    count = db.session.execute(stmt).rowcount
    db.session.commit()
    return max(count or 0, 0)


# --- 2-4. one run -------------------------------------------------------------------------

@dataclass
class _Claim:
    id: int
    subscription_id: int
    attempts: int  # including this one, over all runs
    tries_in_run: int = 1


class DigestRun:
    """Sends one period's queued digests; see the module docstring for the protocol."""

    def __init__(self, period: Period, *, limit: int | None = None, progress=None,
                 sleep=time.sleep):
        config = current_app.config
        self.period, self.limit, self.progress, self.sleep = period, limit, progress, sleep
        self.owner = run_owner()
        self.lease = timedelta(seconds=int(config["DIGEST_CLAIM_LEASE"]))
        self.retry_delays = parse_delays(config["DIGEST_RETRY_DELAYS"])
        self.defer = timedelta(seconds=int(config["DIGEST_DEFER_SECONDS"]))
        self.max_attempts = int(config["DIGEST_MAX_ATTEMPTS"])
        self.suppress_after = int(config["DIGEST_SUPPRESS_AFTER"])
        self.max_unavailable = int(config["DIGEST_MAX_CONNECTION_FAILURES"])
        self.summary = Summary(period.key)
        self.selections = Selections(period)
        self.retries: list[tuple[float, _Claim]] = []
        self.claimed = 0
        self.unavailable_in_row = 0
        self._dead_owners: list[str] = []
        self._dead_checked = -1e9
        self._lease_renewed = time.monotonic()

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> Summary:
        self.summary.queued = queue_period(self.period)
        with BulkSender("digest", sleep=self.sleep) as sender:
            self.sender = sender
            claim = self._next()
            db.session.commit()
            while claim is not None:
                self._process(claim)
                claim = self._next()
                db.session.commit()
            self.summary.connections = sender.connections_opened
        return self.summary

    def _next(self) -> _Claim | None:
        """The next row to work on: a retry that is due, else a newly claimed row. Waits
        (after committing) for retries that are not due yet when nothing else is left."""
        while not self.summary.stopped:
            self._renew_lease()
            if self.retries and self.retries[0][0] <= time.monotonic():
                _due, claim = self.retries.pop(0)
                if self._still_mine(claim):
                    return claim
                continue
            if self.limit is None or self.claimed < self.limit:
                claim = self._claim()
                if claim is not None:
                    self.claimed += 1
                    return claim
            if not self.retries:
                return None
            db.session.commit()  # never hold a transaction (or SQLite's lock) while waiting
            self.sleep(max(0.0, self.retries[0][0] - time.monotonic()))
        return None

    def _claimable(self, now) -> list:
        """Who may be claimed, cheapest first: each is one indexed lookup on
        (period, status, id), so claiming stays fast when most rows are done."""
        mine = and_(D.period == self.period.key)
        kinds = [
            and_(mine, D.status == "queued"),
            and_(mine, D.status == "deferred", D.next_attempt_at <= now,
                 or_(D.claimed_by.is_(None), D.claimed_by != self.owner)),
            and_(mine, D.status == "sending", D.lease_until < now),
        ]
        if self._dead_owners:
            kinds.append(and_(mine, D.status == "sending", D.claimed_by.in_(self._dead_owners)))
        return kinds

    def _claim(self) -> _Claim | None:
        self._find_dead_owners()
        for _ in range(50):
            now = utcnow()
            candidates = self._claimable(now)
            for where in candidates:
                claim = self._claim_one(where, now)
                if claim is not None:
                    return claim
            # PostgreSQL: a row another run had just claimed can make the locked pick come
            # back empty while claimable rows remain. Look again without locks.
            if not db.session.scalar(select(exists().where(or_(*candidates)))):
                return None
            db.session.commit()
            self.sleep(0.01)
        return None

    def _claim_one(self, where, now) -> _Claim | None:
        pick = (select(D.id).where(where).order_by(D.id).limit(1)
                .with_for_update(skip_locked=True).scalar_subquery())
        row = db.session.execute(
            update(D).where(D.id == pick)
            .values(status="sending", claimed_by=self.owner, lease_until=now + self.lease,
                    attempts=D.attempts + 1, last_attempt_at=now, next_attempt_at=None)
            .returning(D.id, D.subscription_id, D.attempts)
            .execution_options(synchronize_session=False)).first()
        return None if row is None else _Claim(row.id, row.subscription_id, row.attempts)

    def _find_dead_owners(self) -> None:
        """Runs on this machine that hold rows but whose process is gone (checked every
        few seconds): their rows can be taken over without waiting for the lease."""
        if time.monotonic() - self._dead_checked < 5:
            return
        self._dead_checked = time.monotonic()
        owners = db.session.scalars(
            select(D.claimed_by).distinct()
            .where(D.period == self.period.key, D.status == "sending",
                   D.claimed_by.is_not(None), D.claimed_by != self.owner))
        self._dead_owners = [o for o in owners if _dead_on_this_host(o, self.owner)]

    def _still_mine(self, claim: _Claim) -> bool:
        now = utcnow()
        result = db.session.execute(
            update(D).where(D.id == claim.id, D.claimed_by == self.owner, D.status == "sending")
            .values(lease_until=now + self.lease, attempts=D.attempts + 1, last_attempt_at=now)
            .execution_options(synchronize_session=False))
        claim.attempts += 1
        claim.tries_in_run += 1
        return result.rowcount == 1

    def _renew_lease(self) -> None:
        if time.monotonic() - self._lease_renewed < self.lease.total_seconds() / 3:
            return
        self._lease_renewed = time.monotonic()
        db.session.execute(
            update(D).where(D.claimed_by == self.owner, D.status == "sending",
                            D.period == self.period.key)
            .values(lease_until=utcnow() + self.lease)
            .execution_options(synchronize_session=False))

    # -- one message ------------------------------------------------------------------------

    def _process(self, claim: _Claim) -> None:
        recipient = load_recipient(claim.subscription_id)
        if recipient is None or recipient.status != "confirmed" or not recipient.can_receive:
            self._finish(claim, "cancelled")
            self.summary.cancelled += 1
            return
        digest = self.selections.compose(recipient)
        if digest.is_empty:
            self._finish(claim, "skipped", item_count=0)
            self.summary.skipped += 1
            return
        msg = build_digest_email(recipient, digest)
        db.session.commit()  # end the read transaction before talking to SMTP
        outcome = self.sender.send(msg)
        self._record(claim, recipient, outcome, msg.msgId, len(digest.items))

    def _record(self, claim: _Claim, recipient: Recipient, outcome: Outcome, message_id: str,
                items: int) -> None:
        if outcome.kind == "unavailable":
            self.unavailable_in_row += 1
        else:
            self.unavailable_in_row = 0
        if outcome.ok:
            self._finish(claim, "sent", outcome, message_id=message_id, item_count=items)
            if recipient.consecutive_failures:
                db.session.execute(update(S).where(S.id == recipient.id)
                                   .values(consecutive_failures=0))
            self.summary.sent += 1
        elif outcome.kind == "permanent":
            self._finish(claim, "failed", outcome, message_id=message_id, item_count=items)
            self._count_permanent_failure(recipient)
            self.summary.failed += 1
        else:
            self._transient(claim, outcome)
        if self.unavailable_in_row >= self.max_unavailable:
            self._stop(f"SMTP unavailable: {outcome.reply or outcome.code}")

    def _transient(self, claim: _Claim, outcome: Outcome) -> None:
        """Retry in this run after a pause, or leave it for a later run."""
        if claim.attempts >= self.max_attempts:
            self._finish(claim, "failed", outcome)
            self.summary.failed += 1
            return
        if claim.tries_in_run <= len(self.retry_delays) and not self.summary.stopped:
            pause = self.retry_delays[claim.tries_in_run - 1] * random.uniform(0.8, 1.2)
            self.retries.append((time.monotonic() + pause, claim))
            self.retries.sort(key=lambda entry: entry[0])
            self._note(claim, outcome)
            return
        self._defer(claim, outcome)

    def _defer(self, claim: _Claim, outcome: Outcome | None) -> None:
        values = {"status": "deferred", "next_attempt_at": utcnow() + self.defer,
                  "lease_until": None}
        if outcome is not None:
            values.update(smtp_code=outcome.code, smtp_reply=outcome.reply)
        db.session.execute(update(D).where(D.id == claim.id, D.claimed_by == self.owner)
                           .values(**values).execution_options(synchronize_session=False))
        self.summary.deferred += 1
        self._tick()

    def _stop(self, reason: str) -> None:
        """Stop claiming: the server is not taking mail. Waiting retries are deferred."""
        self.summary.stopped = reason
        for _due, claim in self.retries:
            self._defer(claim, None)
        self.retries.clear()

    def _note(self, claim: _Claim, outcome: Outcome) -> None:
        db.session.execute(update(D).where(D.id == claim.id, D.claimed_by == self.owner)
                           .values(smtp_code=outcome.code, smtp_reply=outcome.reply)
                           .execution_options(synchronize_session=False))

    def _finish(self, claim: _Claim, status: str, outcome: Outcome | None = None,
                **values) -> None:
        if outcome is not None:
            values.update(smtp_code=outcome.code, smtp_reply=outcome.reply)
        result = db.session.execute(
            update(D).where(D.id == claim.id, D.claimed_by == self.owner, D.status == "sending")
            .values(status=status, finished_at=utcnow(), lease_until=None, **values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # only if this run stalled past its lease
            log.warning("digest delivery %s was taken over by another run", claim.id)
        self._tick()

    def _count_permanent_failure(self, recipient: Recipient) -> None:
        db.session.execute(update(S).where(S.id == recipient.id)
                           .values(consecutive_failures=S.consecutive_failures + 1))
        suppressed = db.session.execute(
            update(S).where(S.id == recipient.id, S.status == "confirmed",
                            S.consecutive_failures >= self.suppress_after)
            .values(status="suppressed", suppressed_at=utcnow())).rowcount
        self.summary.suppressed += suppressed or 0

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(1)


def send_period(period: Period, *, limit: int | None = None, progress=None,
                sleep=time.sleep) -> Summary:
    """Send ``period``'s digest to every subscriber who has not had it yet."""
    return DigestRun(period, limit=limit, progress=progress, sleep=sleep).run()


def dry_run(period: Period, *, limit: int | None = None, progress=None) -> Summary:
    """Compose every digest the period would send, without claiming or sending anything."""
    summary = Summary(period.key, dry_run=True)
    selections = Selections(period)
    done = select(D.subscription_id).where(D.period == period.key,
                                           D.status.in_(("sent", "skipped", "failed")))
    ids = db.session.scalars(
        select(S.id).where(S.status == "confirmed", S.subscribed_at < period.end,
                           S.id.not_in(done)).order_by(S.id).limit(limit))
    for subscription_id in list(ids):
        recipient = load_recipient(subscription_id)
        if not recipient.can_receive:
            summary.cancelled += 1
        elif selections.compose(recipient).is_empty:
            summary.skipped += 1
        else:
            summary.sent += 1
        if progress is not None:
            progress(1)
    db.session.rollback()
    return summary


def pending_count(period: Period) -> int:
    """How many subscribers this run may still have to handle (for the progress bar)."""
    from sqlalchemy import func

    queued = db.session.scalar(select(func.count()).select_from(D).where(
        D.period == period.key, D.status.in_(("queued", "sending", "deferred"))))
    unqueued = db.session.scalar(select(func.count()).select_from(S).where(
        S.status == "confirmed", S.subscribed_at < period.end,
        ~exists().where(D.subscription_id == S.id, D.period == period.key)))
    return (queued or 0) + (unqueued or 0)
