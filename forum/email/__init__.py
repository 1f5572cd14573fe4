"""Email: the only place that builds and sends mail (Flask-Mail underneath).

This package is the public API; import from ``forum.email``, not from its modules:

- ``forum.email.compose``: rendering ``templates/email/<name>/`` into a message
  (``build_message``), the quoted-printable ``EmailMessage``, header helpers
  (``one_line``, ``msgid_domain``).
- ``forum.email.transport``: SMTP with a timeout, or ``.eml`` files in the outbox
  folder when ``MAIL_SERVER`` is unset (development), with the same message bytes.
- ``forum.email.transactional``: one message to one person, queued in the durable
  outbox until the database transaction commits (``queue_email``).
- ``forum.email.outbox``: the ``email_outbox`` table's delivery after the commit, the
  background worker, retries with backoff, and ``flask mail flush`` (``forum.email.cli``).
- ``forum.email.listmail``: list mail such as the digest (``ListMessage``, and the
  fast ``ListWriter``, ``QPBody`` and ``RawMessage``).
- ``forum.email.bulk``: ``BulkSender``, many messages over one connection with
  classified failures (``Outcome``) and reconnection with backoff.

The modules use only each other's public names, and nothing outside the package
needs more than what is exported here.
"""

from __future__ import annotations

from forum.email.bulk import BulkSender, Outcome, parse_delays
from forum.email.compose import EmailMessage, build_message, msgid_domain, one_line
from forum.email.listmail import (
    MAX_LINE_OCTETS,
    ListMessage,
    ListWriter,
    QPBody,
    RawMessage,
    qp_encode,
)
from forum.email.outbox import backlog, deliver, worker
from forum.email.transactional import queue_email
from forum.email.transport import TimeoutConnection, connect, outbox_dir, uses_smtp

__all__ = [
    "MAX_LINE_OCTETS",
    "BulkSender",
    "EmailMessage",
    "ListMessage",
    "ListWriter",
    "Outcome",
    "QPBody",
    "RawMessage",
    "TimeoutConnection",
    "build_message",
    "connect",
    "init_app",
    "msgid_domain",
    "one_line",
    "outbox_dir",
    "parse_delays",
    "qp_encode",
    "backlog",
    "deliver",
    "queue_email",
    "wait_for_background",
    "uses_smtp",
]


def wait_for_background(timeout: float = 10.0) -> bool:
    """Wait until the background worker has delivered what it was given (tests)."""
    return worker.wait_idle(timeout)


def init_app(app) -> None:
    """Connect the outbox to the Flask-SQLAlchemy session; register ``flask mail``."""
    from forum.email import outbox
    from forum.email.cli import mail_cli

    outbox.register_session_hooks()
    app.cli.add_command(mail_cli)
