"""Building a message from an email's templates: the one place mail is rendered.

Each email has a template folder ``templates/email/<name>/`` holding ``subject.txt``,
``body.txt`` and ``body.html``. Transactional mail (``forum.email.transactional``) and
list mail (``forum.email.listmail``) both start here, so both share the
quoted-printable message class and the header helpers below.

Flask-Mail 0.10 sends UTF-8 bodies unencoded, so long lines could break RFC 5322's
998-octet limit: ``EmailMessage`` uses quoted-printable bodies instead.
"""

from __future__ import annotations

from email.charset import QP, Charset
from email.mime.text import MIMEText
from email.utils import make_msgid

import flask_mail
from flask import current_app, render_template

_QP_UTF8 = Charset("utf-8")
_QP_UTF8.body_encoding = QP


class EmailMessage(flask_mail.Message):
    """A Flask-Mail message whose text parts are quoted-printable (lines ≤ 76 octets)."""

    def _mimetext(self, text, subtype="plain"):
        return MIMEText(text or "", _subtype=subtype, _charset=_QP_UTF8)


def one_line(text: str) -> str:
    """Headers never carry CR/LF from user-controlled strings."""
    return " ".join(text.split())


def msgid_domain() -> str:
    """The domain of our ``Message-ID`` values: ``SERVER_NAME`` without its port."""
    server_name = current_app.config["SERVER_NAME"] or "localhost"
    return server_name.split(":")[0]


def build_message(to: str, name: str, *, headers: dict[str, str] | None = None,
                  message_class: type[EmailMessage] | None = None, **context) -> EmailMessage:
    """Render ``templates/email/<name>/`` for ``to`` into a message (not yet sent).

    ``headers`` are extra headers (``ListMessage`` keeps them exactly as given).
    """
    context.setdefault("forum_name", current_app.config["FORUM_NAME"])
    subject = one_line(render_template(f"email/{name}/subject.txt", **context))
    msg = (message_class or EmailMessage)(
        subject=subject,
        recipients=[to],
        body=render_template(f"email/{name}/body.txt", **context),
        html=render_template(f"email/{name}/body.html", **context),
        extra_headers=headers,
    )
    msg.msgId = make_msgid(domain=msgid_domain())
    return msg
