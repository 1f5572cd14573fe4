"""Sending one period's digests exactly once, through the ``digest_deliveries`` ledger.

1. **Queue.** One ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` adds a ``queued`` row
   for every confirmed subscriber whose digests have not yet covered the period's end
   (``covered_until``), newcomers who joined after it included. The unique (subscriber,
   period) pair means a row, and so a digest, exists at most once, however many runs do
   this at the same time. Each digest covers the subscriber's own window
   (``forum.digest.schedule.window_for``): since their last digest, or the week before
   they joined; recording it sent or skipped moves their ``covered_until`` on in the same
   transaction, so digests never overlap and never leave a gap.
2. **Claim.** ``CLAIM_BATCH`` rows at a time (``forum.digest.ledger``):
   ``UPDATE ... SET status='sending', claimed_by=<run>, lease_until=<now+lease>
   WHERE id IN (SELECT id ... LIMIT n FOR UPDATE SKIP LOCKED)``. On PostgreSQL, runs on
   other machines skip rows another run has locked; SQLite runs every write one at a
   time. A row another run holds is never taken while its lease lasts.
3. **Compose** the next message while the SMTP thread sends the current one: the
   subscriber and the candidate threads are read again (``Selection.recheck``), so
   whatever was hidden, flagged, locked or unsubscribed since the run began drops out.
4. **Check, send, record.** When the current message's outcome (sent, skipped, failed
   with the SMTP reply) is committed, the next message is handed over, unless the
   database changed since it was composed (``forum.digest.versions``): then it is
   composed again. Only one message is ever in flight, so a run killed at any point
   leaves at most one row whose message may have gone out unrecorded; every other
   claimed row was not sent, and the next run sends it. A run on the same host takes
   over a dead run's rows at once (its process is gone); a run elsewhere waits for the
   lease to run out.

Transient failures (4xx, a dropped or refused connection) are retried in the run after
``DIGEST_RETRY_DELAYS``, then deferred to a later run; permanent ones (5xx) are
recorded, and ``DIGEST_SUPPRESS_AFTER`` in a row suppress the subscriber.
"""

from __future__ import annotations

import contextvars
import logging
import os
import random
import socket
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, func, literal, or_, select, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from forum.clock import utcnow
from forum.digest.content import Selections
from forum.digest.emails import DigestWriter, Recipient, Recipients, load_recipients
from forum.digest.ledger import CLAIM_BATCH, Claim, Ledger
from forum.digest.schedule import Period, Window
from forum.digest.versions import DataVersion
from forum.email import BulkSender, Outcome, parse_delays
from forum.extensions import db
from forum.models import DigestDelivery, DigestSubscription, User
from forum.models.base import UTCDateTime

log = logging.getLogger(__name__)
_yield_cpu = getattr(os, "sched_yield", lambda: None)
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


OPEN_STATUSES = ("queued", "sending", "deferred")  # ledger rows a run still handles


def _unqueued(period: Period, *columns):
    """``columns`` of the subscribers due ``period``'s digest who have no ledger row for
    it yet: confirmed, (members) with a confirmed address, and not yet covered up to the
    period's end. The one rule for queueing, the dry run and the progress bar."""
    return (
        select(*columns).outerjoin(User, User.id == S.user_id)
        .where(S.status == "confirmed",
               or_(S.covered_until.is_(None), S.covered_until < period.end),
               or_(S.user_id.is_(None), User.email_confirmed_at.is_not(None)),
               ~exists().where(D.subscription_id == S.id, D.period == period.key))
    )


def queue_period(period: Period) -> int:
    """Add a queued ledger row for each subscriber due this period's digest (idempotent)."""
    eligible = _unqueued(period, S.id, literal(period.key), literal("queued"), literal(0),
                         literal(utcnow(), UTCDateTime()))
    stmt = _insert(db.engine.dialect.name).from_select(
        ["subscription_id", "period", "status", "attempts", "created_at"], eligible,
    ).on_conflict_do_nothing()
    count = db.session.execute(stmt).rowcount
    db.session.commit()
    return max(count or 0, 0)


# --- 2-4. one run -------------------------------------------------------------------------

@dataclass
class _Ready:
    """A composed message waiting for the SMTP thread."""

    claim: Claim
    recipient: Recipient
    msg: object
    items: int
    version: object  # DataVersion.now() before it was composed
    window: Window  # what it covers


class DigestRun:
    """Sends one period's queued digests; see the module docstring for the protocol.

    Rows are claimed ``CLAIM_BATCH`` at a time: a claimed row that was never tried is
    simply sent by the next run, so only the one message in flight can ever go out
    twice, however many rows are held. While the SMTP thread sends one message, this
    thread records the previous one and composes the next; the next is handed over
    only once the outcome of the one before is committed.
    """

    def __init__(self, period: Period, *, limit: int | None = None, progress=None,
                 sleep=time.sleep):
        config = current_app.config
        self.period, self.limit, self.progress, self.sleep = period, limit, progress, sleep
        self.owner = run_owner()
        self.versions = DataVersion()
        self.ledger = Ledger(period.key, self.owner, on_write=self.versions.own)
        self.lease = timedelta(seconds=int(config["DIGEST_CLAIM_LEASE"]))
        self.retry_delays = parse_delays(config["DIGEST_RETRY_DELAYS"])
        self.defer = timedelta(seconds=int(config["DIGEST_DEFER_SECONDS"]))
        self.max_attempts = int(config["DIGEST_MAX_ATTEMPTS"])
        self.suppress_after = int(config["DIGEST_SUPPRESS_AFTER"])
        self.max_unavailable = int(config["DIGEST_MAX_CONNECTION_FAILURES"])
        self.summary = Summary(period.key)
        self.selections = Selections(period, self.versions)
        self.writer = DigestWriter()
        self.batch: deque[Claim] = deque()
        self.recipients = Recipients(self.versions)
        self.retries: list[tuple[float, Claim]] = []
        self.claimed = 0
        self.unavailable_in_row = 0
        self._dead_owners: list[str] = []
        self._dead_checked = -1e9
        self._lease_renewed = time.monotonic()
        self._last_snapshot: str | None = None

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> Summary:
        self.summary.queued = queue_period(self.period)
        with self.ledger, BulkSender("digest", sleep=self.sleep) as sender, \
                ThreadPoolExecutor(1, thread_name_prefix="digest-smtp") as smtp:
            self.sender, self.smtp = sender, smtp
            in_flight = None
            while True:
                claim = self._next()  # commits whatever it wrote (a claim, a retry)
                if claim is not None:
                    in_flight = self._step(claim, in_flight)
                elif in_flight is not None:  # its outcome may yet call for a retry
                    self._collect(in_flight)
                    in_flight = None
                else:
                    db.session.commit()
                    break
            self.summary.connections = sender.connections_opened
        return self.summary

    def _step(self, claim: Claim, in_flight):
        """Compose ``claim``'s message while the one in flight is sent, then hand it over.

        What goes out must pass the rule as the database is when it goes out: where
        changes can be seen for free (``DataVersion.exact``), the message composed early
        is composed again if anything changed meanwhile; elsewhere it is composed only
        once the previous message is done.
        """
        if in_flight is None:
            # No check follows this message's composing, so nothing older than now may
            # stand for "before composing" (the run may have slept, or skipped rows).
            self._last_snapshot = None
        early = in_flight is None or self.versions.exact
        ready = self._prepare(claim) if early else None
        if early and ready is None:
            db.session.commit()  # it recorded a skip or a cancellation
        if in_flight is not None:
            self.ledger.snapshot = None
            self._collect(in_flight, commit=False)
            self._last_snapshot = self.ledger.snapshot
            stale = not early or (ready is not None and not self.versions.unchanged(
                ready.version, self.versions.now(self._last_snapshot)))
            db.session.commit()  # before the next message goes out
            if stale:
                ready = self._prepare(claim)
                if ready is None:
                    db.session.commit()
        if ready is None:
            return None
        if self.summary.stopped:  # composed but never tried: back to the queue
            self.ledger.release([ready.claim], utcnow())
            db.session.commit()
            return None
        return self._submit(ready)

    def _next(self) -> Claim | None:
        """The next row to work on: a retry that is due, else a claimed row. Waits
        (after committing) for retries that are not due yet when nothing else is left."""
        while not self.summary.stopped:
            self._renew_lease()
            if self.retries and self.retries[0][0] <= time.monotonic():
                _due, claim = self.retries.pop(0)
                mine = self._still_mine(claim)
                db.session.commit()
                if mine:
                    return claim
                continue
            if self.batch or self._claim():
                return self.batch.popleft()
            if not self.retries:
                return None
            db.session.commit()  # never hold a transaction (or SQLite's lock) while waiting
            self.sleep(max(0.0, self.retries[0][0] - time.monotonic()))
        return None

    def _claim(self) -> bool:
        """Claim the next rows into ``self.batch``; False when none is left to claim."""
        wanted = CLAIM_BATCH if self.limit is None else min(CLAIM_BATCH,
                                                            self.limit - self.claimed)
        if wanted <= 0:
            return False
        self._find_dead_owners()
        for _ in range(50):
            now = utcnow()
            claims = self.ledger.claim(now, now + self.lease, wanted, self._dead_owners)
            if claims is None:
                return False
            if claims:
                db.session.commit()  # others see the claim at once
                self.claimed += len(claims)
                self.batch.extend(claims)
                self.recipients.load([claim.subscription_id for claim in claims])
                return True
            # PostgreSQL: rows another run had just claimed can make the locked pick come
            # back empty while claimable rows remain. Look again shortly.
            db.session.commit()
            self.sleep(0.01)
        return False

    def _find_dead_owners(self) -> None:
        """Runs on this machine that hold rows but whose process is gone (checked every
        few seconds): their rows can be taken over without waiting for the lease."""
        if time.monotonic() - self._dead_checked < 5:
            return
        self._dead_checked = time.monotonic()
        self._dead_owners = [owner for owner in self.ledger.holders()
                             if _dead_on_this_host(owner, self.owner)]

    def _still_mine(self, claim: Claim) -> bool:
        now = utcnow()
        claim.attempts += 1
        claim.tries_in_run += 1
        return self.ledger.retry(claim, now, now + self.lease)

    def _renew_lease(self) -> None:
        if time.monotonic() - self._lease_renewed < self.lease.total_seconds() / 3:
            return
        self._lease_renewed = time.monotonic()
        self.ledger.renew(utcnow() + self.lease)
        db.session.commit()

    # -- one message ------------------------------------------------------------------------

    def _prepare(self, claim: Claim) -> _Ready | None:
        """Compose ``claim``'s digest from the database as it is now; None when there is
        nothing to send (recorded as cancelled or skipped)."""
        # Taken before reading, so a change after it is noticed: the snapshot the last
        # recorded outcome came back with will do (PostgreSQL: one round trip fewer).
        version = self.versions.now(self._last_snapshot)
        self._last_snapshot = None
        recipient = self.recipients.get(claim.subscription_id, version)
        if recipient is None or recipient.status != "confirmed" or not recipient.can_receive:
            self._finish(claim, "cancelled")
            self.summary.cancelled += 1
            return None
        window = self.selections.window_for(recipient)
        digest = self.selections.compose(recipient, window=window, version=version)
        if digest.is_empty:  # nothing new in their window (or no window left to cover)
            self._finish(claim, "skipped", covers=window, item_count=0)
            self.summary.skipped += 1
            return None
        return _Ready(claim, recipient, self.writer.message(recipient, digest),
                      len(digest.items), version, window)

    def _submit(self, ready: _Ready) -> tuple[_Ready, Future]:
        """Hand the message to the SMTP thread (which sees this app context)."""
        future = self.smtp.submit(contextvars.copy_context().run, self.sender.send, ready.msg)
        _yield_cpu()  # let the SMTP thread take the GIL and start at once
        return ready, future

    def _collect(self, in_flight: tuple[_Ready, Future], *, commit: bool = True) -> None:
        """Wait for the message in flight, then record its outcome (and commit it,
        unless the caller does)."""
        ready, future = in_flight
        outcome = future.result()
        self._record(ready.claim, ready.recipient, outcome, ready.msg.msgId, ready.items,
                     ready.window)
        if commit:
            db.session.commit()

    def _record(self, claim: Claim, recipient: Recipient, outcome: Outcome, message_id: str,
                items: int, window: Window | None = None) -> None:
        """Record ``outcome``; a sent digest moves the subscriber's window on to its end,
        a failed one leaves it (their next digest covers this one's weeks too)."""
        if outcome.kind == "unavailable":
            self.unavailable_in_row += 1
        else:
            self.unavailable_in_row = 0
        if outcome.ok:
            self._finish(claim, "sent", outcome, covers=window, message_id=message_id,
                         item_count=items)
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

    def _transient(self, claim: Claim, outcome: Outcome) -> None:
        """Retry in this run after a pause, or leave it for a later run."""
        if claim.attempts >= self.max_attempts:
            self._finish(claim, "failed", outcome)
            self.summary.failed += 1
            return
        if claim.tries_in_run <= len(self.retry_delays) and not self.summary.stopped:
            pause = self.retry_delays[claim.tries_in_run - 1] * random.uniform(0.8, 1.2)
            self.retries.append((time.monotonic() + pause, claim))
            self.retries.sort(key=lambda entry: entry[0])
            self.ledger.note(claim, smtp_code=outcome.code, smtp_reply=outcome.reply)
            return
        self._defer(claim, outcome)

    def _defer(self, claim: Claim, outcome: Outcome | None) -> None:
        values = {"status": "deferred", "next_attempt_at": utcnow() + self.defer,
                  "lease_until": None}
        if outcome is not None:
            values.update(smtp_code=outcome.code, smtp_reply=outcome.reply)
        self.ledger.note(claim, **values)
        self.summary.deferred += 1
        self._tick()

    def _stop(self, reason: str) -> None:
        """Stop claiming: the server is not taking mail. Waiting retries are deferred;
        claimed rows not yet tried go back to the queue."""
        self.summary.stopped = reason
        for _due, claim in self.retries:
            self._defer(claim, None)
        self.retries.clear()
        self.ledger.release(list(self.batch), utcnow())
        self.batch.clear()

    def _finish(self, claim: Claim, status: str, outcome: Outcome | None = None, *,
                covers: Window | None = None, **values) -> None:
        if outcome is not None:
            values.update(smtp_code=outcome.code, smtp_reply=outcome.reply)
        span = (covers.start, covers.end) if covers is not None else None
        if not self.ledger.finish(claim, utcnow(), status, covers=span, **values):
            # only if this run stalled past its lease
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


def _to_handle(period: Period, limit: int | None):
    """Ids of the subscribers a run would handle now: due and not yet queued, or queued
    and not yet finished."""
    open_rows = select(D.subscription_id.label("id")).where(
        D.period == period.key, D.status.in_(OPEN_STATUSES))
    both = union(_unqueued(period, S.id.label("id")), open_rows).subquery()
    return list(db.session.scalars(select(both.c.id).order_by(both.c.id).limit(limit)))


def dry_run(period: Period, *, limit: int | None = None, progress=None) -> Summary:
    """Compose every digest the period would send, without claiming or sending anything."""
    summary = Summary(period.key, dry_run=True)
    selections = Selections(period)
    ids = _to_handle(period, limit)
    for start in range(0, len(ids), CLAIM_BATCH):
        chunk = ids[start:start + CLAIM_BATCH]
        recipients = load_recipients(chunk)
        for subscription_id in chunk:
            recipient = recipients.get(subscription_id)
            if recipient is None or recipient.status != "confirmed" \
                    or not recipient.can_receive:
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
    queued = db.session.scalar(select(func.count()).select_from(D).where(
        D.period == period.key, D.status.in_(OPEN_STATUSES)))
    unqueued = db.session.scalar(
        select(func.count()).select_from(_unqueued(period, S.id).subquery()))
    return (queued or 0) + (unqueued or 0)


# --- one subscriber, now (``flask digest send --to``) ---------------------------------------

class AlreadyHad(Exception):
    """The subscriber already has a digest recorded for both the last and this week."""


def subscription_for_address(address: str) -> int | None:
    """The id of the confirmed subscription that mails ``address`` (a member's account
    address, confirmed, or an email-only subscriber's), else None."""
    address = address.strip().lower()
    member = select(S.id).join(User, User.id == S.user_id).where(
        User.email == address, User.email_confirmed_at.is_not(None))
    email_only = select(S.id).where(S.email == address)
    for query in (member, email_only):
        found = db.session.scalar(query.where(S.status == "confirmed"))
        if found is not None:
            return found
    return None


def send_now(subscription_id: int, periods: list[Period], *, now,
             sleep=time.sleep) -> Summary:
    """Send one subscriber their digest now: everything since their last digest up to
    ``now``, recorded in the ledger as the digest of the first of ``periods`` (the last
    week that ended, then the week in progress) they have none for, and moving their
    window on to ``now`` like any digest. AlreadyHad when they have both.

    The row is claimed (committed) before the message goes out and recorded after, as
    in a run; a transient failure leaves it deferred for that week's next run.
    """
    owner = run_owner()
    lease = timedelta(seconds=int(current_app.config["DIGEST_CLAIM_LEASE"]))
    for period in periods:
        row_id = db.session.scalar(
            _insert(db.engine.dialect.name).values(
                subscription_id=subscription_id, period=period.key, status="sending",
                attempts=1, claimed_by=owner, lease_until=now + lease, last_attempt_at=now,
                created_at=now).on_conflict_do_nothing().returning(D.id))
        db.session.commit()
        if row_id is not None:
            break
    else:
        raise AlreadyHad(subscription_id)
    summary, claim = Summary(period.key), Claim(row_id, subscription_id, 1)
    with Ledger(period.key, owner) as ledger:
        recipient = load_recipients([subscription_id]).get(subscription_id)
        selections = Selections(period)
        window = selections.window_for(recipient, until=now) if recipient else None
        if recipient is None or recipient.status != "confirmed" or not recipient.can_receive:
            ledger.finish(claim, utcnow(), "cancelled")
            summary.cancelled += 1
        elif (digest := selections.compose(recipient, window=window)).is_empty:
            span = (window.start, window.end) if window else None
            ledger.finish(claim, utcnow(), "skipped", covers=span, item_count=0)
            summary.skipped += 1
        else:
            msg = DigestWriter().message(recipient, digest)
            db.session.commit()  # hold nothing open while the server answers
            with BulkSender("digest", sleep=sleep) as sender:
                outcome = sender.send(msg)
            _record_now(ledger, claim, outcome, msg.msgId, len(digest.items), window, summary)
        db.session.commit()
    return summary


def _record_now(ledger: Ledger, claim: Claim, outcome: Outcome, message_id: str, items: int,
                window, summary: Summary) -> None:
    reply = {"smtp_code": outcome.code, "smtp_reply": outcome.reply}
    if outcome.ok:
        ledger.finish(claim, utcnow(), "sent", covers=(window.start, window.end),
                      message_id=message_id, item_count=items, **reply)
        summary.sent += 1
    elif outcome.kind == "permanent":
        ledger.finish(claim, utcnow(), "failed", message_id=message_id, **reply)
        summary.failed += 1
    else:
        defer = timedelta(seconds=int(current_app.config["DIGEST_DEFER_SECONDS"]))
        ledger.note(claim, status="deferred", next_attempt_at=utcnow() + defer,
                    lease_until=None, **reply)
        summary.deferred += 1
