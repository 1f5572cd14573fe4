"""What the daily retention job deletes, one batch at a time (the caller commits each
batch, so no transaction holds many locks or a long WAL on SQLite):

- ``login_events`` whose ``at`` is older than ``RETAIN_LOGIN_HISTORY_DAYS``;
- ``notifications`` last changed (``updated_at``) before ``RETAIN_NOTIFICATIONS_DAYS``,
  read or unread alike: a notice that old is no longer news, and the post it points to
  stays where it is;
- ``email_outbox`` rows created before ``RETAIN_EMAIL_OUTBOX_DAYS`` that were sent or
  given up (``failed``); a ``pending`` row is never deleted, however old: it is mail
  still owed to someone.

A limit of 0 (or less) keeps that kind of row for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from forum.extensions import db
from forum.models import LoginEvent, Notification, OutboxEmail, OutboxStatus

BATCH = 1000


@dataclass(frozen=True)
class Rule:
    """One kind of row: its name in the job's output, its setting, and which rows are
    older than ``cutoff``."""

    name: str
    setting: str
    model: type
    criterion: Callable[[datetime], object]  # cutoff -> SQL criterion: the rows due


RULES = (
    Rule("login_events", "RETAIN_LOGIN_HISTORY_DAYS", LoginEvent,
         lambda cutoff: LoginEvent.at < cutoff),
    Rule("notifications", "RETAIN_NOTIFICATIONS_DAYS", Notification,
         lambda cutoff: Notification.updated_at < cutoff),
    Rule("outbox_emails", "RETAIN_EMAIL_OUTBOX_DAYS", OutboxEmail,
         lambda cutoff: (OutboxEmail.created_at < cutoff)
         & OutboxEmail.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED))),
)


def cutoff(now: datetime, days: int) -> datetime | None:
    """Rows from before this are deleted; None: ``days`` keeps them for ever."""
    return now - timedelta(days=days) if days > 0 else None


def delete_batch(rule: Rule, cutoff: datetime, *, batch: int = BATCH) -> int:
    """Delete at most ``batch`` of ``rule``'s rows older than ``cutoff`` (oldest ids
    first); how many went. The caller commits."""
    model = rule.model
    ids = list(db.session.scalars(
        select(model.id).where(rule.criterion(cutoff)).order_by(model.id).limit(batch)))
    if not ids:
        return 0
    result = db.session.execute(delete(model).where(model.id.in_(ids))
                                .execution_options(synchronize_session=False))
    return result.rowcount  # fewer than len(ids) if another run deleted some meanwhile
