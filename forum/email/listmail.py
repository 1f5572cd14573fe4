"""List mail (the weekly digest): the same message for many recipients, built fast.

``ListMessage`` builds one list message through the ``email`` package:
``multipart/alternative`` (text, then HTML), a plain ``From`` display name, and
``List-*`` headers written as given (Python's SMTP policy would otherwise turn a long
``List-Unsubscribe`` URL into RFC 2047 encoded words that mail providers cannot use).
``ListWriter`` writes the very same bytes directly, for a whole run, as ``RawMessage``;
``QPBody`` encodes a body once and only its placeholder lines per recipient. Both
refuse a line over RFC 5322's 998 octets rather than send it.
"""

from __future__ import annotations

import binascii
import random
import re
import sys
from dataclasses import dataclass
from email import policy as email_policy
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

import flask_mail
from flask import current_app

from forum.clock import utcnow
from forum.email.compose import EmailMessage, msgid_domain, one_line

# Headers are written as built: no refolding into encoded words (see the module docstring).
_LIST_POLICY = email_policy.SMTP.clone(refold_source="none")
MAX_LINE_OCTETS = 998


def _format_address(address: str) -> str:
    """``Name <addr>`` with the name one line, RFC 2047-encoded only when not ASCII."""
    name, addr = parseaddr(address)
    name = one_line(name)
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
        msg["Subject"] = flask_mail.sanitize_subject(one_line(self.subject))
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
        self.domain = msgid_domain()
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
        subject = flask_mail.sanitize_subject(one_line(subject))
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
    return email_policy.SMTP.fold(name, one_line(value))
