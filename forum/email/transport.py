"""Where messages go: SMTP when ``MAIL_SERVER`` is set, otherwise ``.eml`` files.

Shared by transactional mail and the bulk sender, so both deliver the same bytes the
same way. Without ``MAIL_SERVER`` (development) each message is written to the outbox
folder (``MAIL_OUTBOX_DIR``, or ``<instance>/outbox``). Flask-Mail 0.10 opens SMTP
connections with no timeout; ``TimeoutConnection`` passes ``MAIL_TIMEOUT`` so a
silent server cannot hang a request or a digest run.
"""

from __future__ import annotations

import smtplib
import sys
import uuid
from pathlib import Path

import flask_mail
from flask import current_app

from forum.clock import utcnow
from forum.email.compose import EmailMessage


class TimeoutConnection(flask_mail.Connection):
    """A Flask-Mail connection that cannot hang forever on a silent server."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def uses_smtp() -> bool:
    return bool(current_app.config["MAIL_SERVER"])


def outbox_dir() -> Path:
    configured = current_app.config["MAIL_OUTBOX_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def connect() -> TimeoutConnection:
    """An SMTP connection (use as a context manager) for sending several messages."""
    return TimeoutConnection(current_app.extensions["mail"])


def write_to_outbox(msg: EmailMessage, name: str, action_url: str | None, *,
                    quiet: bool = False, raw: bytes | None = None) -> Path:
    """Write ``msg`` (or ``raw``, its bytes) to a new ``.eml`` file in the outbox folder.

    Unless ``quiet``, say where on stderr, with ``action_url`` (development only).
    """
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{name}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(raw if raw is not None else msg.as_bytes())
    if quiet:
        return path
    # Development convenience only (no SMTP configured): print, never log, the path and link.
    print(f" * Email '{msg.subject}' written to {path}", file=sys.stderr)
    if action_url:
        print(f" * Link in that email: {action_url}", file=sys.stderr)
    return path
