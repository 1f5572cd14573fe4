"""The only place that builds and sends email (Flask-Mail underneath).

Each email has a template folder ``templates/email/<name>/`` holding ``subject.txt``,
``body.txt`` and ``body.html``. Transport: SMTP when ``MAIL_SERVER`` is set, otherwise
a ``.eml`` file in the outbox folder (development), with the same message bytes.

Flask-Mail 0.10 sharp edges handled here: it opens SMTP connections with no timeout
(we pass ``MAIL_TIMEOUT``), and it sends UTF-8 bodies unencoded, so long lines could
break RFC 5322's 998-octet limit (we use quoted-printable bodies).

Bulk mail (the weekly digest) goes through ``BulkSender``, which handles the rest: one
connection reused for many messages and reopened when it drops; no ``with`` block whose
``quit()`` would turn a 421 into ``SMTPServerDisconnected`` and hide the real reply;
every failure classified as transient (4xx, refused, dropped, timed out) or permanent
(5xx); reconnecting with backoff, since Flask-Mail never retries. ``ListMessage`` builds
list mail: ``multipart/alternative``, a plain ``From`` display name, and ``List-*``
headers written as given (Python's SMTP policy would otherwise turn a long
``List-Unsubscribe`` URL into RFC 2047 encoded words that mail providers cannot use).
"""

from __future__ import annotations

import binascii
import logging
import random
import re
import smtplib
import sys
import time
import uuid
from dataclasses import dataclass
from email import policy as email_policy
from email.charset import QP, Charset
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

import flask_mail
from flask import current_app, render_template

from forum.clock import utcnow

log = logging.getLogger(__name__)

_QP_UTF8 = Charset("utf-8")
_QP_UTF8.body_encoding = QP


class EmailMessage(flask_mail.Message):
    """A Flask-Mail message whose text parts are quoted-printable (lines ≤ 76 octets)."""

    def _mimetext(self, text, subtype="plain"):
        return MIMEText(text or "", _subtype=subtype, _charset=_QP_UTF8)


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


def _one_line(text: str) -> str:
    """Headers never carry CR/LF from user-controlled strings."""
    return " ".join(text.split())


def _msgid_domain() -> str:
    server_name = current_app.config.get("SERVER_NAME") or "localhost"
    return server_name.split(":")[0]


def build_message(to: str, name: str, *, headers: dict[str, str] | None = None,
                  message_class: type[EmailMessage] | None = None, **context) -> EmailMessage:
    """Render ``templates/email/<name>/`` for ``to`` into a message (not yet sent).

    ``headers`` are extra headers (``ListMessage`` keeps them exactly as given).
    """
    context.setdefault("forum_name", current_app.config["FORUM_NAME"])
    subject = _one_line(render_template(f"email/{name}/subject.txt", **context))
    msg = (message_class or EmailMessage)(
        subject=subject,
        recipients=[to],
        body=render_template(f"email/{name}/body.txt", **context),
        html=render_template(f"email/{name}/body.html", **context),
        extra_headers=headers,
    )
    msg.msgId = make_msgid(domain=_msgid_domain())
    return msg


# --- list mail (the digest) ------------------------------------------------------------

# Headers are written as built: no refolding into encoded words (see the module docstring).
_LIST_POLICY = email_policy.SMTP.clone(refold_source="none")
MAX_LINE_OCTETS = 998


def _format_address(address: str) -> str:
    """``Name <addr>`` with the name one line, RFC 2047-encoded only when not ASCII."""
    name, addr = parseaddr(address)
    name = _one_line(name)
    if not addr.isascii():
        return flask_mail.sanitize_address((name, addr))
    return formataddr((name, addr), charset="utf-8")


class ListMessage(EmailMessage):
    """A message for list mail such as the digest.

    ``multipart/alternative`` (text, then HTML) at the top rather than Flask-Mail's
    ``multipart/mixed`` wrapper; quoted-printable parts; ``Date`` from ``forum.clock``;
    header values must already be safe (the caller strips CR/LF, or folds on purpose
    with CRLF plus a space).
    """

    def _mimetext(self, text, subtype="plain"):
        # binascii's quoted-printable encoder is C; email.quoprimime's is pure Python and
        # was a third of the time spent per digest. Same encoding, lines ≤ 76 octets.
        part = MIMENonMultipart("text", subtype, charset="utf-8")
        part.set_payload(binascii.b2a_qp((text or "").encode("utf-8"), istext=True)
                         .decode("ascii"))
        part["Content-Transfer-Encoding"] = "quoted-printable"
        return part

    def _message(self):
        msg = MIMEMultipart("alternative")
        msg.attach(self._mimetext(self.body, "plain"))
        if self.html is not None:
            msg.attach(self._mimetext(self.html, "html"))
        msg["Subject"] = flask_mail.sanitize_subject(_one_line(self.subject))
        msg["From"] = _format_address(self.sender)
        msg["To"] = ", ".join(_format_address(r) for r in self.recipients)
        msg["Date"] = format_datetime(utcnow())
        msg["Message-ID"] = self.msgId
        for header, value in (self.extra_headers or {}).items():
            msg[header] = value
        msg.policy = _LIST_POLICY
        return msg

    def as_bytes(self) -> bytes:
        raw = super().as_bytes()
        longest = max(map(len, raw.split(b"\r\n")))
        if longest > MAX_LINE_OCTETS:  # cannot happen with QP bodies; refuse rather than send
            raise ValueError(f"message has a {longest}-octet line (RFC 5322 allows 998)")
        return raw


@dataclass(frozen=True)
class RawMessage:
    """A message already written out as bytes (``ListWriter``); ``BulkSender`` sends it
    like any other message."""

    sender: str
    recipients: tuple[str, ...]
    msgId: str  # noqa: N815 (Flask-Mail's name)
    subject: str
    raw: bytes
    envelope_sender: str  # MAIL FROM, worked out once per run

    @property
    def send_to(self) -> set[str]:
        return set(self.recipients)

    def as_bytes(self) -> bytes:
        return self.raw


class ListWriter:
    """Writes list mail straight to bytes: the message ``ListMessage`` would build
    (``multipart/alternative``, quoted-printable text and HTML, the same headers), for
    many recipients.

    The ``email`` package's generator parses and refolds every header of every message
    and took half of each digest's time; here the headers that are the same for every
    recipient are written once, and each message only adds its own ``To``, ``Date``,
    ``Message-ID`` and list headers. Header values arrive one line each (or folded on
    purpose with CRLF and a space); any that is not plain ASCII is folded and encoded by
    the ``email`` package's SMTP policy. Lines over 998 octets are refused.
    """

    def __init__(self):
        self.sender = current_app.config["MAIL_DEFAULT_SENDER"]
        self.envelope_sender = flask_mail.sanitize_address(self.sender)
        self.domain = _msgid_domain()
        self._from = _header("From", _format_address(self.sender))

    @staticmethod
    def takes(address: str) -> bool:
        """Whether ``message`` can write to ``address`` (plain ASCII ``local@domain``)."""
        return len(address) <= 254 and _PLAIN_ADDRESS.fullmatch(address) is not None

    def message(self, to: str, subject: str, text: bytes, html: bytes,
                headers: dict[str, str]) -> RawMessage:
        """The message to ``to``; ``text`` and ``html`` are bodies already encoded by
        ``qp_encode`` or ``QPBody.fill``."""
        if not self.takes(to):
            raise ValueError("not a plain ASCII address")
        msg_id = make_msgid(domain=self.domain)
        boundary = f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="
        subject = flask_mail.sanitize_subject(_one_line(subject))
        head = "".join((
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
            "MIME-Version: 1.0\r\n",
            _header("Subject", subject), self._from, f"To: {to}\r\n",
            f"Date: {format_datetime(utcnow())}\r\nMessage-ID: {msg_id}\r\n",
            *(_header(key, value) for key, value in headers.items()),
        ))
        # Bodies are quoted-printable (lines of at most 76 octets): only headers can be long.
        longest = max(map(len, head.split("\r\n")))
        if longest > MAX_LINE_OCTETS:
            raise ValueError(f"message has a {longest}-octet line (RFC 5322 allows 998)")
        raw = b"".join((
            head.encode("ascii"), b"\r\n",
            _part_head(boundary, "plain"), text, b"\r\n",
            _part_head(boundary, "html"), html, b"\r\n",
            f"--{boundary}--\r\n".encode("ascii"),
        ))
        return RawMessage(self.sender, (to,), msg_id, subject, raw, self.envelope_sender)


def _part_head(boundary: str, subtype: str) -> bytes:
    return (f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
            "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            ).encode("ascii")


def qp_encode(text: str) -> bytes:
    """``text`` as a quoted-printable UTF-8 body with CRLF line ends (lines ≤ 76 octets)."""
    body = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(body.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


class QPBody:
    """A body encoded once, whose few lines holding a placeholder are encoded per
    message: the same bytes as ``qp_encode`` of the filled-in text, since
    quoted-printable encodes each line on its own."""

    def __init__(self, text: str, placeholders: tuple[str, ...]):
        lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._parts: list[bytes | str] = []
        fixed: list[str] = []
        for line in lines:
            if any(mark in line for mark in placeholders):
                if fixed:
                    self._parts.append(qp_encode("\n".join(fixed) + "\n"))
                    fixed = []
                self._parts.append(line)
            else:
                fixed.append(line)
        if fixed:
            self._parts.append(qp_encode("\n".join(fixed)))
        # Every line but the last ends with CRLF; a filled line is followed by one too.
        self._last = len(self._parts) - 1

    def fill(self, values: dict[str, str]) -> bytes:
        out = []
        for n, part in enumerate(self._parts):
            if isinstance(part, str):
                for mark, value in values.items():
                    part = part.replace(mark, value)
                out.append(qp_encode(part if n == self._last else part + "\n"))
            else:
                out.append(part)
        return b"".join(out)


# local@domain in plain ASCII, nothing that needs quoting: such an address is its own
# To header and its own SMTP envelope recipient.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _header(name: str, value: str) -> str:
    """``Name: value`` and CRLF; folded and encoded by the SMTP policy unless it is one
    short ASCII line (or already folded on purpose)."""
    lines = value.split("\r\n ")
    if value.isascii() and all(len(line) <= 900 and "\r" not in line and "\n" not in line
                               for line in lines):
        return f"{name}: {value}\r\n"
    return email_policy.SMTP.fold(name, _one_line(value))


def uses_smtp() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def outbox_dir() -> Path:
    configured = current_app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def connect() -> TimeoutConnection:
    """An SMTP connection (use as a context manager) for sending several messages."""
    return TimeoutConnection(current_app.extensions["mail"])


def _write_to_outbox(msg: EmailMessage, name: str, action_url: str | None, *,
                     quiet: bool = False, raw: bytes | None = None) -> Path:
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


def send_email(to: str, name: str, *, action_url: str | None = None, **context) -> EmailMessage:
    """Build and deliver one email. Call after the database commit."""
    msg = build_message(to, name, action_url=action_url, **context)
    _deliver(msg, name, action_url)
    return msg


# --- mail that a service decides to send: queued in the session, sent after commit ----

PENDING_KEY = "forum.email.pending"


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
        _write_to_outbox(msg, name, action_url)


def _send_queued(session) -> None:
    """Deliver what the committed transaction queued: over one SMTP connection however
    many there are (a crisis alert goes to every on-duty moderator)."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    if not uses_smtp():
        for msg, name, action_url in pending:
            _write_to_outbox(msg, name, action_url)
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


def init_app(app) -> None:
    """Register the after-commit sender on the Flask-SQLAlchemy session."""
    from sqlalchemy import event

    from forum.extensions import db

    if not event.contains(db.session, "after_commit", _send_queued):
        event.listen(db.session, "after_commit", _send_queued)
        event.listen(db.session, "after_soft_rollback", _drop_queued)


# --- bulk sending: one connection, classified failures, reconnect with backoff ----------

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

    def __init__(self, name: str = "bulk", *, sleep=time.sleep):
        self.name = name
        self.smtp = uses_smtp()
        self.delays = parse_delays(current_app.config.get("MAIL_RECONNECT_DELAYS", "1,4"))
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
            _write_to_outbox(msg, self.name, None, quiet=True, raw=raw)
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
