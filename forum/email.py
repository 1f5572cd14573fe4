"""The only place that builds and sends email (Flask-Mail underneath).

Each email has a template folder ``templates/email/<name>/`` holding ``subject.txt``,
``body.txt`` and ``body.html``. Transport: SMTP when ``MAIL_SERVER`` is set, otherwise
a ``.eml`` file in the outbox folder (development), with the same message bytes.

Flask-Mail 0.10 sharp edges handled here: it opens SMTP connections with no timeout
(we pass ``MAIL_TIMEOUT``), and it sends UTF-8 bodies unencoded, so long lines could
break RFC 5322's 998-octet limit (we use quoted-printable bodies).
"""

from __future__ import annotations

import smtplib
import sys
import uuid
from email.charset import QP, Charset
from email.mime.text import MIMEText
from email.utils import make_msgid
from pathlib import Path

import flask_mail
from flask import current_app, render_template

from forum.clock import utcnow

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


def build_message(to: str, name: str, **context) -> EmailMessage:
    """Render ``templates/email/<name>/`` for ``to`` into a message (not yet sent)."""
    context.setdefault("forum_name", current_app.config["FORUM_NAME"])
    subject = _one_line(render_template(f"email/{name}/subject.txt", **context))
    msg = EmailMessage(
        subject=subject,
        recipients=[to],
        body=render_template(f"email/{name}/body.txt", **context),
        html=render_template(f"email/{name}/body.html", **context),
    )
    msg.msgId = make_msgid(domain=_msgid_domain())
    return msg


def uses_smtp() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def outbox_dir() -> Path:
    configured = current_app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def connect() -> TimeoutConnection:
    """An SMTP connection (use as a context manager) for sending several messages."""
    return TimeoutConnection(current_app.extensions["mail"])


def _write_to_outbox(msg: EmailMessage, name: str, action_url: str | None) -> Path:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{name}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(msg.as_bytes())
    # Development convenience only (no SMTP configured): print, never log, the path and link.
    print(f" * Email '{msg.subject}' written to {path}", file=sys.stderr)
    if action_url:
        print(f" * Link in that email: {action_url}", file=sys.stderr)
    return path


def send_email(to: str, name: str, *, action_url: str | None = None, **context) -> EmailMessage:
    """Build and deliver one email. Call after the database commit."""
    msg = build_message(to, name, action_url=action_url, **context)
    if uses_smtp():
        with connect() as connection:
            connection.send(msg)
    else:
        _write_to_outbox(msg, name, action_url)
    return msg
