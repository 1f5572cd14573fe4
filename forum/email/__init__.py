"""Email: the only place that builds and sends mail (Flask-Mail underneath).

This package is the public API; import from ``forum.email``, not from its modules:

- ``forum.email.compose``: rendering ``templates/email/<name>/`` into a message
  (``build_message``), the quoted-printable ``EmailMessage``, header helpers
  (``one_line``, ``msgid_domain``).
- ``forum.email.transport``: SMTP with a timeout, or ``.eml`` files in the outbox
  folder when ``MAIL_SERVER`` is unset (development), with the same message bytes.
- ``forum.email.transactional``: one message to one person, sent now
  (``send_email``) or once the database transaction commits (``queue_email``).
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
from forum.email.transactional import (
    PENDING_KEY,
    queue_email,
    register_session_hooks,
    send_email,
)
from forum.email.transport import TimeoutConnection, connect, outbox_dir, uses_smtp

__all__ = [
    "MAX_LINE_OCTETS",
    "PENDING_KEY",
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
    "queue_email",
    "send_email",
    "uses_smtp",
]


def init_app(app) -> None:
    """Register the after-commit sender on the Flask-SQLAlchemy session."""
    register_session_hooks()
