"""The durable email outbox: transactional mail survives a crash.

``queue_email`` (``forum.email.transactional``) writes each message to the
``email_outbox`` table in the same transaction as the change it reports. After the
commit the messages that transaction queued are delivered at once, in the committing
thread, over one SMTP connection; or, for ``background=True`` messages, by a worker
thread of this process, so the response never waits for SMTP (account mail: the time
a reset request takes must not tell whether the address has an account).

Whatever could not be delivered then (no SMTP server, a 4xx, the process killed right
after the commit) stays ``pending`` and ``flask mail flush`` (cron, every minute)
delivers it, retrying with backoff (``MAIL_OUTBOX_RETRY_DELAYS``) until
``MAIL_OUTBOX_MAX_ATTEMPTS``. Rows are claimed with a lease before sending (``FOR
UPDATE SKIP LOCKED`` on PostgreSQL), so several flushes and workers never send the same
row twice while its lease holds; a sender killed mid-send leaves its rows to be taken
over when the lease ends (at least once, never lost). Sent rows keep their metadata but
not their bytes, which may hold a one-time link.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import os
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import flask_mail
from flask import current_app
from sqlalchemy import and_, event, func, or_, select, update

from forum.clock import utcnow
from forum.email.bulk import BulkSender, parse_delays
from forum.email.compose import EmailMessage
from forum.email.listmail import RawMessage
from forum.email.transport import uses_smtp, write_to_outbox
from forum.extensions import db
from forum.models import OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)

QUEUED_KEY = "forum.email.outbox.queued"  # session.info: rows added, not yet flushed
FLUSHED_KEY = "forum.email.outbox.flushed"  # session.info: ids waiting for the commit
BATCH = 50

# Inside ``held()``: queued rows wait for an explicit ``deliver()`` instead of going out
# after each commit (a batch job that commits per member sends over one connection).
_HELD: contextvars.ContextVar[bool] = contextvars.ContextVar("outbox_held", default=False)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Queue without delivering after each commit; the caller then calls ``deliver()``
    once (one SMTP connection for the whole run rather than one per commit). Rows are
    durable either way: if the caller dies first, ``flask mail flush`` sends them."""
    token = _HELD.set(True)
    try:
        yield
    finally:
        _HELD.reset(token)


@dataclass(frozen=True)
class Summary:
    """What one delivery pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __add__(self, other: Summary) -> Summary:
        return Summary(self.sent + other.sent, self.retrying + other.retrying,
                       self.failed + other.failed)


def enqueue(msg: EmailMessage, kind: str, *, action_url: str | None = None,
            background: bool = False) -> OutboxEmail:
    """Add ``msg`` to the outbox in the current transaction; it is delivered after the
    commit (by the worker thread if ``background``), and never if it rolls back."""
    row = OutboxEmail(kind=kind, sender=msg.sender, recipient=msg.recipients[0],
                      message=msg.as_bytes(), status=OutboxStatus.PENDING, attempts=0,
                      due_at=utcnow(), last_error="")
    db.session.add(row)
    if not _HELD.get():
        db.session.info.setdefault(QUEUED_KEY, []).append((row, background, action_url))
    return row


# --- after the commit ------------------------------------------------------------------

def _after_flush(session, _context) -> None:
    """Note the ids of queued rows now that the flush gave them one (an after-commit
    hook can no longer read them from the expired objects)."""
    queued = session.info.get(QUEUED_KEY)
    if not queued:
        return
    flushed = session.info.setdefault(FLUSHED_KEY, [])
    waiting = []
    for row, background, action_url in queued:
        if row.id is None:
            waiting.append((row, background, action_url))
        else:
            flushed.append((row.id, background, action_url))
    session.info[QUEUED_KEY] = waiting


def _after_commit(session) -> None:
    committed = session.info.pop(FLUSHED_KEY, None)
    session.info.pop(QUEUED_KEY, None)
    if not committed:
        return
    now = [(row_id, url) for row_id, background, url in committed if not background]
    later = [row_id for row_id, background, _url in committed if background]
    if later:
        worker.submit(current_app._get_current_object(), later)
    if now:
        try:
            deliver(ids=[row_id for row_id, _url in now], links=dict(now), retry_now=False)
        except Exception as exc:  # the commit stands; `flask mail flush` sends it later
            log.error("outbox delivery after commit failed: %s (%d kept)",
                      type(exc).__name__, len(now))


def _after_rollback(session, _previous_transaction=None) -> None:
    session.info.pop(QUEUED_KEY, None)
    session.info.pop(FLUSHED_KEY, None)


def register_session_hooks() -> None:
    """Connect the outbox to the Flask-SQLAlchemy session, once."""
    for name, hook in (("after_flush", _after_flush), ("after_commit", _after_commit),
                       ("after_soft_rollback", _after_rollback)):
        if not event.contains(db.session, name, hook):
            event.listen(db.session, name, hook)


# --- delivery ----------------------------------------------------------------------------

def _claim(ids: list[int] | None, limit: int):
    """Lease up to ``limit`` pending rows (those in ``ids``, or every row that is due)
    to this sender and return them; one short transaction of its own."""
    table = OutboxEmail.__table__
    now = utcnow()
    free = or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
    wanted = and_(table.c.status == OutboxStatus.PENDING, free,
                  table.c.id.in_(ids) if ids is not None else table.c.due_at <= now)
    pick = select(table.c.id).where(wanted).order_by(table.c.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    # A materialised CTE: PostgreSQL may run an IN (...) subquery more than once, and
    # each run would lock and return further rows past the LIMIT.
    picked = pick.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    lease = now + timedelta(seconds=current_app.config["MAIL_OUTBOX_LEASE"])
    stmt = (update(table).where(table.c.id.in_(select(picked.c.id)), wanted)
            .values(claimed_until=lease, attempts=table.c.attempts + 1)
            .returning(table.c.id, table.c.kind, table.c.sender, table.c.recipient,
                       table.c.message, table.c.attempts))
    with db.engine.begin() as connection:
        return connection.execute(stmt).all()


def _record(results: dict[int, tuple[str, int, str]]) -> Summary:
    """Write each row's outcome: sent (bytes dropped), retry later, or failed. The sent
    rows, nearly all of them, take one statement for the whole batch."""
    table = OutboxEmail.__table__
    now = utcnow()
    delays = parse_delays(current_app.config["MAIL_OUTBOX_RETRY_DELAYS"]) or (60.0,)
    most = current_app.config["MAIL_OUTBOX_MAX_ATTEMPTS"]
    sent = [row_id for row_id, (kind, _a, _e) in results.items() if kind == "sent"]
    counts = {"sent": len(sent), "retrying": 0, "failed": 0}
    with db.engine.begin() as connection:
        if sent:
            connection.execute(update(table).where(table.c.id.in_(sent)).values(
                status=OutboxStatus.SENT, sent_at=now, message=b"", claimed_until=None,
                last_error=""))
        for row_id, (kind, attempts, error) in results.items():
            if kind == "sent":
                continue
            if kind == "permanent" or attempts >= most:
                kind = "failed"
                values = {"status": OutboxStatus.FAILED, "message": b"",
                          "claimed_until": None, "last_error": error}
            else:
                kind = "retrying"
                delay = delays[min(attempts, len(delays)) - 1]
                values = {"due_at": now + timedelta(seconds=delay), "claimed_until": None,
                          "last_error": error}
            connection.execute(update(table).where(table.c.id == row_id).values(**values))
            counts[kind] += 1
    return Summary(**counts)


def _raw_message(row) -> RawMessage:
    """The stored bytes as a message to send; only the header block is parsed (for the
    Message-ID and Subject that ``email_dispatched`` listeners see)."""
    head = row.message.split(b"\r\n\r\n", 1)[0]
    return RawMessage(sender=row.sender, recipients=(_envelope_address(row.recipient),),
                      msgId=_header(head, _MESSAGE_ID), subject=_header(head, _SUBJECT),
                      raw=row.message, envelope_sender=_envelope_address(row.sender))


def _header_pattern(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"(?im)^" + name + rb":[ \t]*(.*(?:\r?\n[ \t].*)*)")


_MESSAGE_ID, _SUBJECT = _header_pattern(b"Message-ID"), _header_pattern(b"Subject")


def _header(head: bytes, pattern: re.Pattern[bytes]) -> str:
    """One header's unfolded value, as written (encoded words stay encoded), from a
    message's header block; the ``email`` parser took a fifth of a flush for this."""
    found = pattern.search(head)
    if not found:
        return ""
    return re.sub(rb"\r?\n(?=[ \t])", b"", found.group(1)).strip().decode("ascii", "replace")


@functools.lru_cache(maxsize=64)
def _sanitized(address: str) -> str:
    return flask_mail.sanitize_address(address)


def _envelope_address(address: str) -> str:
    """The SMTP envelope form of ``address``. A plain ASCII address is already that
    (Flask-Mail's full parse of each one cost a fifth of a flush); a named or
    internationalised one goes through Flask-Mail (the sender's result is cached)."""
    if address.isascii() and "<" not in address and " " not in address:
        return address
    return _sanitized(address)


def _send(rows, *, links: dict[int, str], sender: BulkSender) -> Summary:
    """Deliver claimed ``rows`` over ``sender`` and record each outcome."""
    results: dict[int, tuple[str, int, str]] = {}
    if not uses_smtp():  # development: .eml files, with the link printed for convenience
        for row in rows:
            msg = _raw_message(row)
            write_to_outbox(msg, row.kind, links.get(row.id), raw=row.message)
            results[row.id] = ("sent", row.attempts, "")
        return _record(results)
    for row in rows:
        outcome = sender.send(_raw_message(row))
        results[row.id] = (outcome.kind, row.attempts,
                           "" if outcome.ok else f"{outcome.code or ''} {outcome.reply}"[:80])
    summary = _record(results)
    if summary.retrying or summary.failed:
        log.warning("outbox: %d sent, %d to retry, %d failed", summary.sent, summary.retrying,
                    summary.failed)
    return summary


def deliver(*, ids: list[int] | None = None, links: dict[int, str] | None = None,
            retry_now: bool = True, limit: int | None = None) -> Summary:
    """Deliver the pending rows ``ids`` (or, without ``ids``, every row that is due, in
    batches, up to ``limit`` rows). ``retry_now`` reconnects with backoff within the pass
    (the CLI); after a request's commit a failure is left to the next flush instead."""
    total = Summary()
    remaining = limit
    # One connection for the whole pass (a flush of thousands reconnects only when the
    # server drops it or ``MAIL_MAX_EMAILS`` says so). After a request's commit, one try:
    # a request never waits for reconnection backoff.
    with BulkSender("outbox", delays=None if retry_now else ()) as sender:
        while True:
            size = BATCH if remaining is None else min(BATCH, remaining)
            if size <= 0:
                return total
            rows = _claim(ids, size)
            if not rows:
                return total
            total = total + _send(rows, links=links or {}, sender=sender)
            if remaining is not None:
                remaining -= len(rows)
            if ids is not None:
                return total


def backlog() -> dict[str, int]:
    """Pending rows (due now, or waiting for a retry) and failed ones, for monitoring:
    counted in one query, however long the backlog."""
    table = OutboxEmail.__table__
    pending = table.c.status == OutboxStatus.PENDING
    due = table.c.due_at <= utcnow()
    counts = select(
        func.count().filter(pending, due),
        func.count().filter(pending, ~due),
        func.count().filter(table.c.status == OutboxStatus.FAILED),
    )
    with db.engine.connect() as connection:
        now_due, later, failed = connection.execute(counts).one()
    return {"due": now_due, "later": later, "failed": failed}


# --- the background worker ---------------------------------------------------------------

class Worker:
    """One daemon thread per process that delivers ``background`` messages after the
    response. Started on first use (so a forked gunicorn worker starts its own); a row
    it never reaches (the process dies) stays pending for ``flask mail flush``."""

    def __init__(self) -> None:
        self.jobs: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None
        self.pid: int | None = None
        self.lock = threading.Lock()

    def submit(self, app, ids: list[int]) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
                self.jobs = queue.Queue()
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._run, args=(self.jobs,),
                                               name="email-outbox", daemon=True)
                self.thread.start()
            self.jobs.put((app, ids))

    @staticmethod
    def _run(jobs: queue.Queue) -> None:
        while True:
            app, ids = jobs.get()
            try:
                with app.app_context():
                    deliver(ids=ids, retry_now=False)
            except Exception as exc:  # the rows stay pending for `flask mail flush`
                log.error("outbox worker: %s (%d kept)", type(exc).__name__, len(ids))
            finally:
                jobs.task_done()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every submitted job is done (tests, and a clean shutdown)."""
        jobs = self.jobs
        with jobs.all_tasks_done:
            return jobs.all_tasks_done.wait_for(lambda: jobs.unfinished_tasks == 0, timeout)


worker = Worker()
