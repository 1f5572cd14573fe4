"""Transactional mail: one templated message to one person (confirmations, resets,
moderation alerts, digest opt-in).

``send_email`` delivers at once; call it after the database commit. ``queue_email``
builds the message now (the objects it renders are still loadable) but delivers it
only when the current transaction commits, and drops it on rollback, so a service
never mails about a change that did not happen. ``register_session_hooks`` (called
by ``forum.email.init_app``) connects that to the Flask-SQLAlchemy session. Whatever
one commit queued goes out over one SMTP connection.
"""

from __future__ import annotations

import logging

from forum.email.compose import EmailMessage, build_message
from forum.email.transport import connect, uses_smtp, write_to_outbox

log = logging.getLogger(__name__)

PENDING_KEY = "forum.email.pending"


def send_email(to: str, name: str, *, action_url: str | None = None, **context) -> EmailMessage:
    """Build and deliver one email. Call after the database commit."""
    msg = build_message(to, name, action_url=action_url, **context)
    _deliver(msg, name, action_url)
    return msg


def queue_email(to: str, name: str, *, action_url: str | None = None, **context) -> None:
    """Build a message now (objects are still loadable) and send it only if the
    current database transaction commits; a rollback drops it."""
    from forum.extensions import db

    msg = build_message(to, name, action_url=action_url, **context)
    db.session.info.setdefault(PENDING_KEY, []).append((msg, name, action_url))


def _deliver(msg: EmailMessage, name: str, action_url: str | None) -> None:
    if uses_smtp():
        with connect() as connection:
            connection.send(msg)
    else:
        write_to_outbox(msg, name, action_url)


def _send_queued(session) -> None:
    """Deliver what the committed transaction queued: over one SMTP connection however
    many there are (a crisis alert goes to every on-duty moderator)."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    if not uses_smtp():
        for msg, name, action_url in pending:
            write_to_outbox(msg, name, action_url)
        return
    try:
        with connect() as connection:
            for msg, name, _action_url in pending:
                try:
                    connection.send(msg)
                except Exception as exc:  # the commit stands; a lost alert is logged
                    log.error("queued email %s not sent: %s", name, type(exc).__name__)
    except Exception as exc:  # no connection at all (or it failed to close cleanly)
        log.error("queued emails: SMTP connection failed: %s (%d queued)",
                  type(exc).__name__, len(pending))


def _drop_queued(session, previous_transaction=None) -> None:
    session.info.pop(PENDING_KEY, None)


def register_session_hooks() -> None:
    """Register the after-commit sender (and the rollback drop) on the
    Flask-SQLAlchemy session, once."""
    from sqlalchemy import event

    from forum.extensions import db

    if not event.contains(db.session, "after_commit", _send_queued):
        event.listen(db.session, "after_commit", _send_queued)
        event.listen(db.session, "after_soft_rollback", _drop_queued)
