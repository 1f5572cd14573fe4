"""The digest email itself: templates/email/digest/, list headers, absolute links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select

from forum.digest.content import Digest, audience_of
from forum.digest.schedule import Schedule, period_label
from forum.digest.subscriptions import unsubscribe_token
from forum.email import ListMessage, _msgid_domain, _one_line, build_message
from forum.extensions import db
from forum.models import DigestSubscription, User, digest_subscription_categories
from forum.urls import external_url


@dataclass(frozen=True)
class Recipient:
    """What sending needs to know about one subscriber, read in one query (plain data)."""

    id: int
    status: str
    token: str
    address: str | None
    display_name: str | None
    is_member: bool
    can_receive: bool  # a member's address must be confirmed
    all_categories: bool
    category_ids: frozenset[int] | None
    subscribed_at: datetime | None
    consecutive_failures: int

    @property
    def audience(self) -> str:
        return audience_of(self)


_S = DigestSubscription
_RECIPIENT = (
    select(_S.id, _S.status, _S.token, _S.email, _S.user_id, _S.all_categories,
           _S.subscribed_at, _S.consecutive_failures, User.email.label("user_email"),
           User.display_name, User.email_confirmed_at)
    .outerjoin(User, User.id == _S.user_id).where(_S.id == bindparam("id")))
_CHOSEN = (select(digest_subscription_categories.c.category_id)
           .where(digest_subscription_categories.c.subscription_id == bindparam("id")))


def load_recipient(subscription_id: int) -> Recipient | None:
    """The subscriber as it is now (two prepared queries, no ORM objects)."""
    conn = db.session.connection()
    row = conn.execute(_RECIPIENT, {"id": subscription_id}).first()
    if row is None:
        return None
    category_ids = None
    if not row.all_categories:
        category_ids = frozenset(conn.execute(_CHOSEN, {"id": row.id}).scalars())
    is_member = row.user_id is not None
    return Recipient(
        id=row.id, status=row.status, token=row.token,
        address=row.user_email if is_member else row.email,
        display_name=row.display_name, is_member=is_member,
        can_receive=not is_member or row.email_confirmed_at is not None,
        all_categories=row.all_categories, category_ids=category_ids,
        subscribed_at=row.subscribed_at, consecutive_failures=row.consecutive_failures)


def list_id() -> str:
    configured = current_app.config.get("DIGEST_LIST_ID")
    if configured:
        return _one_line(configured)
    name = "".join(ch for ch in current_app.config["FORUM_NAME"] if ch not in '<>"\\')
    return f"{_one_line(name)} weekly digest <digest.{_msgid_domain()}>"


def list_headers(unsubscribe: str, token: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers. Values are one line each (the two URIs of
    List-Unsubscribe are folded after the comma, which RFC 2369 allows)."""
    uris = [f"<{unsubscribe}>"]
    mailto = current_app.config.get("DIGEST_MAILTO_UNSUBSCRIBE")
    if mailto:
        address = _one_line(mailto).removeprefix("mailto:")
        uris.append(f"<mailto:{address}?subject=unsubscribe%20{token}>")
    return {
        "List-Id": list_id(),
        "List-Unsubscribe": ",\r\n ".join(uris),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }


def subject_for(digest: Digest) -> str:
    new = digest.new_count
    if new:
        return f"Your weekly digest: {new} new conversation{'' if new == 1 else 's'}"
    count = len(digest.items)
    return f"Your weekly digest: {count} active conversation{'' if count == 1 else 's'}"


def build_digest_email(recipient: Recipient, digest: Digest) -> ListMessage:
    """The digest for ``recipient`` as a message ready to send (or to preview)."""
    token = unsubscribe_token(recipient)
    unsubscribe = external_url("digest.unsubscribe", token=token)
    manage = external_url("accounts.settings") if recipient.is_member \
        else external_url("digest.subscribe")
    return build_message(
        recipient.address, "digest", headers=list_headers(unsubscribe, token),
        message_class=ListMessage, digest=digest, recipient=recipient,
        subject=subject_for(digest), unsubscribe_url=unsubscribe, manage_url=manage,
        home_url=external_url("threads.index"),
        period_label=period_label(digest.period, Schedule.from_config(current_app.config)))
