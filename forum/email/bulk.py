"""The bulk sender: many messages (the weekly digest) over one SMTP connection.

Flask-Mail sends one message per ``with`` block and never retries; a run of thousands
needs more. ``BulkSender`` reuses one connection and reopens it when it drops; uses
no ``with`` block, whose ``quit()`` would turn a 421 into ``SMTPServerDisconnected``
and hide the real reply; classifies every failure as transient (4xx, refused,
dropped, timed out) or permanent (5xx) in an ``Outcome`` instead of raising; and
reconnects with backoff (``MAIL_RECONNECT_DELAYS``, read by ``parse_delays``).
Without ``MAIL_SERVER`` it writes each message to the outbox folder.
"""

from __future__ import annotations

import random
import smtplib
import time
from dataclasses import dataclass

import flask_mail
from flask import current_app

from forum.email.compose import EmailMessage
from forum.email.listmail import RawMessage
from forum.email.transport import TimeoutConnection, connect, uses_smtp, write_to_outbox


@dataclass(frozen=True)
class Outcome:
    """What became of one message.

    ``kind`` is "sent"; "transient" (a 4xx for this message: worth another try later);
    "permanent" (a 5xx for this message); or "unavailable" (no usable connection even
    after reconnecting with backoff, or the server refuses us rather than the
    recipient: a 421, our sender or login refused, a timeout). ``reply`` is the
    server's reply, or the error's name when there was none.
    """

    kind: str
    code: int | None = None
    reply: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "sent"


def parse_delays(value) -> tuple[float, ...]:
    """"1,4" → (1.0, 4.0): the pauses before each further try."""
    if isinstance(value, (list, tuple)):
        return tuple(float(v) for v in value)
    return tuple(float(part) for part in str(value or "").split(",") if part.strip())


def _reply_text(reply) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:500]


class BulkSender:
    """Send many messages over one SMTP connection, or write them to the outbox folder.

    Use as a context manager. ``send`` never raises for SMTP trouble: it returns an
    ``Outcome``. A dropped or refused connection is reopened before the next try,
    after the pauses in ``MAIL_RECONNECT_DELAYS`` (with jitter); ``MAIL_MAX_EMAILS``
    (Flask-Mail's setting) reopens it after that many messages. The SMTP socket has
    ``MAIL_TIMEOUT``, so a silent server cannot hang a run.
    """

    def __init__(self, name: str = "bulk", *, sleep=time.sleep, delays=None):
        """``delays``: the pauses before reconnecting (default ``MAIL_RECONNECT_DELAYS``;
        ``()`` for a single try)."""
        self.name = name
        self.smtp = uses_smtp()
        self.delays = parse_delays(current_app.config["MAIL_RECONNECT_DELAYS"]
                                   if delays is None else delays)
        self.max_emails = current_app.extensions["mail"].max_emails
        self.sleep = sleep
        self.connection: TimeoutConnection | None = None
        self.connections_opened = 0
        self._sent_on_connection = 0

    def __enter__(self) -> BulkSender:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT if the server is still there; never raise."""
        connection, self.connection = self.connection, None
        if connection is None or connection.host is None:
            return
        try:
            connection.host.quit()
        except (smtplib.SMTPException, OSError):
            connection.host.close()

    def _drop(self) -> None:
        """Forget a broken connection without talking to it."""
        connection, self.connection = self.connection, None
        if connection is not None and connection.host is not None:
            connection.host.close()

    def _open(self) -> TimeoutConnection:
        connection = connect()
        connection.host = connection.configure_host()
        self.connection, self._sent_on_connection = connection, 0
        self.connections_opened += 1
        return connection

    def send(self, msg: EmailMessage) -> Outcome:
        """Deliver ``msg`` once (trying again only when the connection failed)."""
        raw = msg.as_bytes()
        if not self.smtp:
            write_to_outbox(msg, self.name, None, quiet=True, raw=raw)
            return Outcome("sent", 250, "written to the outbox")
        outcome = Outcome("unavailable", None, "not tried")
        for pause in (0.0, *self.delays):
            if pause:
                self.sleep(pause * random.uniform(0.75, 1.25))
            outcome = self._try(msg, raw)
            if outcome.kind != "unavailable":
                return outcome
        return outcome

    def _try(self, msg: EmailMessage, raw: bytes) -> Outcome:
        try:
            if self.connection is not None and self.max_emails \
                    and self._sent_on_connection >= self.max_emails:
                self.close()
            connection = self.connection or self._open()
            if isinstance(msg, RawMessage):
                envelope = msg.envelope_sender, list(msg.recipients)
            else:
                envelope = (flask_mail.sanitize_address(msg.sender),
                            flask_mail.sanitize_addresses(msg.send_to))
            connection.host.sendmail(*envelope, raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (None, b""))
            return self._classify(code, reply, recipient=True)
        except smtplib.SMTPSenderRefused as exc:
            return self._classify(exc.smtp_code, exc.smtp_error, recipient=False)
        except smtplib.SMTPDataError as exc:
            return self._classify(exc.smtp_code, exc.smtp_error, recipient=True)
        except smtplib.SMTPResponseException as exc:  # greeting, HELO, login: not the recipient
            self._drop()
            return Outcome("unavailable", exc.smtp_code, _reply_text(exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:  # dropped, refused, timed out
            self._drop()
            return Outcome("unavailable", None, type(exc).__name__)
        self._sent_on_connection += 1
        flask_mail.email_dispatched.send(current_app._get_current_object(), message=msg)
        return Outcome("sent", 250, "OK")

    def _classify(self, code: int | None, reply, *, recipient: bool) -> Outcome:
        text = _reply_text(reply)
        if code == 421 or code is None or code < 400:
            self._drop()  # "service not available, closing channel"
            return Outcome("unavailable", code, text)
        if not recipient:  # our MAIL FROM refused: the server's quarrel is with us
            return Outcome("unavailable" if code >= 500 else "transient", code, text)
        return Outcome("transient" if code < 500 else "permanent", code, text)
