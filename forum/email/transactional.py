"""Transactional mail: one templated message to one person (confirmations, resets,
moderation notices and alerts, digest opt-in).

``queue_email`` builds the message now (the objects it renders are still loadable)
and writes it to the durable outbox in the current transaction (``forum.email.outbox``):
it is delivered only if that transaction commits, right after the commit (or by the
background worker, for ``background=True``), and retried by ``flask mail flush`` if
that delivery fails. A service therefore never mails about a change that did not
happen, and a committed change never loses its message.
"""

from __future__ import annotations

from forum.email import outbox
from forum.email.compose import build_message
from forum.email.listmail import ListMessage


def queue_email(to: str, name: str, *, action_url: str | None = None,
                background: bool = False, headers: dict[str, str] | None = None,
                **context) -> None:
    """Render ``templates/email/<name>/`` for ``to`` and queue it until the commit.

    ``background``: deliver after the response rather than before it, for mail whose
    sending time must not show in the response time (whether an address has an account).
    ``headers``: extra headers such as RFC 8058's ``List-Unsubscribe``, written exactly
    as given (the message is then a ``ListMessage``: text and HTML alternatives).
    """
    msg = build_message(to, name, action_url=action_url, headers=headers,
                        message_class=ListMessage if headers else None, **context)
    outbox.enqueue(msg, name, action_url=action_url, background=background)
