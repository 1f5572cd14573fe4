"""``flask exports run``: build the requested exports, expire old ones, delete files.

One pass (cron, every minute; several may overlap safely):

1. **expire**: ready exports past ``expires_at`` become ``expired``; pending ones whose
   last attempt died with its process become ``failed`` once out of attempts;
2. **claim and build**, one export at a time until none is due or the pass has run for
   ``TIME_BUDGET``: a row is leased (``claimed_until``, ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, the pattern of ``forum.email.outbox``) and given a fresh random file
   name in the same statement, so the file always belongs to a row before it exists;
   the ZIP is written to a temporary name and renamed; then, in one transaction, the
   row becomes ``ready`` (only if it is still ours) and the "ready" email is queued in
   the durable outbox. A failure leaves the row pending for a later pass (after
   ``RETRY_DELAY`` times the attempts so far), with ``last_error``; after
   ``MAX_ATTEMPTS`` it is ``failed``;
3. **sweep**: any file in the folder that no pending or ready export names is deleted:
   downloaded, expired, withdrawn and failed exports, half-written files of a crashed
   build, and the files of erased members (their rows went with them).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from forum.clock import utcnow
from forum.email import queue_email
from forum.exports import builder
from forum.exports.services import export_dir, token_for, token_hash
from forum.extensions import db
from forum.models import DataExport, ExportStatus, User
from forum.urls import external_url

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # longer than any build; a dead builder's row is retaken
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=5)  # times the attempts so far
TIME_BUDGET = 50.0  # seconds of building per pass (cron starts the next one each minute)


@dataclass
class Summary:
    built: int = 0
    retrying: int = 0
    failed: int = 0
    expired: int = 0
    deleted: int = 0

    def line(self) -> str:
        return (f"built={self.built} retrying={self.retrying} failed={self.failed} "
                f"expired={self.expired} files_deleted={self.deleted}")


def claim():
    """Lease the oldest due pending export to this process and name its file; the row
    ``(id, user_id, attempts, file_name)``, or None. One short transaction."""
    table = DataExport.__table__
    now = utcnow()
    free = or_(table.c.claimed_until.is_(None), table.c.claimed_until < now)
    # Never for a member whose account is being deleted or erased (erasure deletes their
    # rows; building a ZIP of them meanwhile would only leave a copy behind).
    leaving = select(User.id).where(or_(User.deletion_requested_at.is_not(None),
                                        User.erased_at.is_not(None)))
    wanted = and_(table.c.status == ExportStatus.PENDING, free,
                  table.c.attempts < MAX_ATTEMPTS, table.c.user_id.not_in(leaving))
    pick = select(table.c.id).where(wanted).order_by(table.c.requested_at, table.c.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    picked = pick.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    stmt = (update(table).where(table.c.id.in_(select(picked.c.id)), wanted)
            .values(claimed_until=now + LEASE, attempts=table.c.attempts + 1,
                    file_name=f"{secrets.token_urlsafe(24)}.zip")
            .returning(table.c.id, table.c.user_id, table.c.attempts, table.c.file_name))
    with db.engine.begin() as connection:
        return connection.execute(stmt).first()


def _finish(claimed, size: int) -> bool:
    """Mark the built export ready and queue its email, in one transaction; False if
    the row is no longer ours (taken over after our lease ran out, or erased)."""
    now = utcnow()
    expires = now + timedelta(days=current_app.config["EXPORT_LINK_DAYS"])
    token = token_for(claimed.id, claimed.file_name)
    done = db.session.execute(
        update(DataExport).where(DataExport.id == claimed.id,
                                 DataExport.status == ExportStatus.PENDING,
                                 DataExport.file_name == claimed.file_name)
        .values(status=ExportStatus.READY, ready_at=now, expires_at=expires,
                token_hash=token_hash(token), size_bytes=size, claimed_until=None,
                last_error="")
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        return False
    user = db.session.get(User, claimed.user_id)
    if user.is_confirmed and user.erased_at is None:
        queue_email(user.email, "export_ready", action_url=external_url("exports.page"),
                    user=user, expires_at=expires)
    db.session.commit()
    return True


def _fail(claimed, error: BaseException) -> str:
    """Record a failed attempt: retry later, or give up after ``MAX_ATTEMPTS``."""
    db.session.rollback()
    out_of_attempts = claimed.attempts >= MAX_ATTEMPTS
    values = {"last_error": type(error).__name__[:200]}
    if out_of_attempts:
        values.update(status=ExportStatus.FAILED, claimed_until=None, file_name="")
    else:
        values["claimed_until"] = utcnow() + RETRY_DELAY * claimed.attempts
    db.session.execute(update(DataExport).where(
        DataExport.id == claimed.id, DataExport.status == ExportStatus.PENDING,
        DataExport.file_name == claimed.file_name).values(**values)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return "failed" if out_of_attempts else "retrying"


def build_one(claimed) -> str:
    """Build one claimed export: "built", "retrying", "failed" or "lost"."""
    path = export_dir() / claimed.file_name
    try:
        size = builder.build(claimed.user_id, path)
        db.session.rollback()  # end the read transaction the build used
        if _finish(claimed, size):
            return "built"
    except Exception as error:
        # Only the kind of error: the message could quote a member's data.
        log.warning("export %s attempt %s failed: %s", claimed.id, claimed.attempts,
                    type(error).__name__)
        path.unlink(missing_ok=True)
        builder.partial_path(path).unlink(missing_ok=True)
        return _fail(claimed, error)
    path.unlink(missing_ok=True)  # someone else owns the row now
    return "lost"


def expire() -> int:
    """Ready exports past their expiry become expired (files go in the sweep); pending
    ones out of attempts whose last lease ran out become failed."""
    now = utcnow()
    expired = db.session.execute(
        update(DataExport).where(DataExport.status == ExportStatus.READY,
                                 DataExport.expires_at <= now)
        .values(status=ExportStatus.EXPIRED, file_name="")
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(DataExport).where(DataExport.status == ExportStatus.PENDING,
                                 DataExport.attempts >= MAX_ATTEMPTS,
                                 DataExport.claimed_until < now)
        .values(status=ExportStatus.FAILED, file_name="",
                last_error="the build stopped (process ended)")
        .execution_options(synchronize_session=False))
    db.session.commit()
    return expired


def sweep() -> int:
    """Delete every file in the export folder that no pending or ready export names;
    how many were deleted."""
    folder = export_dir()
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return 0
    if not entries:
        return 0
    live = set(db.session.scalars(select(DataExport.file_name).where(
        DataExport.status.in_((ExportStatus.PENDING, ExportStatus.READY)),
        DataExport.file_name != "")))
    db.session.rollback()
    deleted = 0
    for entry in entries:
        if entry.is_file(follow_symlinks=False) and builder.final_name(entry.name) not in live:
            try:
                os.unlink(entry.path)
                deleted += 1
            except FileNotFoundError:
                pass
    return deleted


def run(*, budget: float = TIME_BUDGET) -> Summary:
    """One pass of the job (see the module docstring)."""
    summary = Summary(expired=expire())
    summary.deleted += sweep()
    started = time.monotonic()
    while time.monotonic() - started < budget:
        claimed = claim()
        if claimed is None:
            break
        outcome = build_one(claimed)
        if outcome in ("built", "retrying", "failed"):
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    if summary.built or summary.failed:
        summary.deleted += sweep()
    return summary
