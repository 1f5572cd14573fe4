"""The digest email itself: templates/email/digest/, list headers, absolute links."""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import bindparam, select

from forum.digest.content import Digest
from forum.digest.schedule import Schedule, period_label
from forum.digest.subscriptions import unsubscribe_token
from forum.digest.versions import DataVersion
from forum.email import (
    ListMessage,
    ListWriter,
    QPBody,
    RawMessage,
    build_message,
    msgid_domain,
    one_line,
)
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
    covered_until: datetime | None  # the end of what their last digest covered
    consecutive_failures: int


_S = DigestSubscription
_RECIPIENTS = (
    select(_S.id, _S.status, _S.token, _S.email, _S.user_id, _S.all_categories,
           _S.subscribed_at, _S.covered_until, _S.consecutive_failures,
           User.email.label("user_email"),
           User.display_name, User.email_confirmed_at)
    .outerjoin(User, User.id == _S.user_id).where(_S.id.in_(bindparam("ids", expanding=True))))
_CHOSEN = (select(digest_subscription_categories.c.subscription_id,
                  digest_subscription_categories.c.category_id)
           .where(digest_subscription_categories.c.subscription_id.in_(
               bindparam("ids", expanding=True))))


def load_recipients(subscription_ids: list[int]) -> dict[int, Recipient]:
    """The subscribers as they are now, by id (two prepared queries, no ORM objects)."""
    if not subscription_ids:
        return {}
    conn = db.session.connection()
    rows = conn.execute(_RECIPIENTS, {"ids": list(subscription_ids)}).all()
    chosen: dict[int, set[int]] = {}
    choosers = [row.id for row in rows if not row.all_categories]
    if choosers:
        for subscription_id, category_id in conn.execute(_CHOSEN, {"ids": choosers}):
            chosen.setdefault(subscription_id, set()).add(category_id)
    return {row.id: _recipient(row, chosen) for row in rows}


def _recipient(row, chosen: dict[int, set[int]]) -> Recipient:
    is_member = row.user_id is not None
    return Recipient(
        id=row.id, status=row.status, token=row.token,
        address=row.user_email if is_member else row.email,
        display_name=row.display_name, is_member=is_member,
        can_receive=not is_member or row.email_confirmed_at is not None,
        all_categories=row.all_categories,
        category_ids=None if row.all_categories else frozenset(chosen.get(row.id, ())),
        subscribed_at=row.subscribed_at, covered_until=row.covered_until,
        consecutive_failures=row.consecutive_failures)


def load_recipient(subscription_id: int) -> Recipient | None:
    """The subscriber as it is now."""
    return load_recipients([subscription_id]).get(subscription_id)


class Recipients:
    """The subscribers of the rows a run has claimed, read in one go per batch.

    A subscriber read with the batch is used as is only while the database has not
    changed since (``DataVersion``); otherwise, and for a second try, it is read again.
    """

    def __init__(self, versions: DataVersion):
        self.versions = versions
        self._loaded: dict[int, Recipient | None] = {}
        self._version = None

    def load(self, subscription_ids: list[int]) -> None:
        self._version = self.versions.now()
        found = load_recipients(subscription_ids)
        self._loaded = {sid: found.get(sid) for sid in subscription_ids}

    def get(self, subscription_id: int, version) -> Recipient | None:
        """The subscriber; ``version`` is ``DataVersion.now()`` as of this call."""
        if subscription_id in self._loaded and self.versions.unchanged(self._version,
                                                                       version):
            return self._loaded.pop(subscription_id)
        self._loaded.pop(subscription_id, None)
        return load_recipient(subscription_id)


def list_id() -> str:
    configured = current_app.config["DIGEST_LIST_ID"]
    if configured:
        return one_line(configured)
    name = "".join(ch for ch in current_app.config["FORUM_NAME"] if ch not in '<>"\\')
    return f"{one_line(name)} weekly digest <digest.{msgid_domain()}>"


def list_headers(unsubscribe: str, token: str, *, list_name: str | None = None
                 ) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers. Values are one line each (the two URIs of
    List-Unsubscribe are folded after the comma, which RFC 2369 allows)."""
    uris = [f"<{unsubscribe}>"]
    mailto = current_app.config["DIGEST_MAILTO_UNSUBSCRIBE"]
    if mailto:
        address = one_line(mailto).removeprefix("mailto:")
        uris.append(f"<mailto:{address}?subject=unsubscribe%20{token}>")
    return {
        "List-Id": list_name or list_id(),
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
        period_label=period_label(digest.window, Schedule.from_config(current_app.config)))


_URL_SAFE = re.compile(r"[A-Za-z0-9._-]+")


class DigestWriter:
    """Writes digest emails for a whole run: the same message as ``build_digest_email``
    (a test compares them), at a fraction of the cost.

    Subscribers who read the same categories get the same digest, so each distinct
    digest (and audience) is rendered once, with placeholders for what differs per
    subscriber: their name and their unsubscribe link. The placeholders are random
    letters and digits, made per run, so neither the templates' escaping nor anything
    a member writes can produce or alter one. ``ListWriter`` then writes the bytes.
    """

    CACHE_SIZE = 128  # distinct digests kept rendered; memory stays flat

    def __init__(self):
        nonce = secrets.token_hex(12)
        self._name, self._token = f"n{nonce}n", f"t{nonce}t"
        self._rendered: OrderedDict = OrderedDict()
        self._list = ListWriter()
        self._unsubscribe = external_url("digest.unsubscribe", token=self._token)
        self._context = {
            "forum_name": current_app.config["FORUM_NAME"],
            "home_url": external_url("threads.index"),
        }
        self._schedule = Schedule.from_config(current_app.config)
        self._manage = {True: external_url("accounts.settings"),
                        False: external_url("digest.subscribe")}
        self._list_id = list_id()

    def message(self, recipient: Recipient, digest: Digest) -> RawMessage | ListMessage:
        """The digest for ``recipient``, ready for ``BulkSender.send``."""
        if not ListWriter.takes(recipient.address or ""):  # e.g. an internationalised one
            return build_digest_email(recipient, digest)
        address = recipient.address
        subject, text, html = self._render(recipient.is_member, digest)
        token = unsubscribe_token(recipient)
        unsubscribe = external_url("digest.unsubscribe", token=token) \
            if _URL_SAFE.fullmatch(token) is None else self._unsubscribe.replace(self._token, token)
        name = recipient.display_name
        greeting = f" {self._name}"
        text = text.fill({greeting: f" {name}" if name else "", self._unsubscribe: unsubscribe})
        html = html.fill({greeting: f" {escape(name)}" if name else "",
                          self._unsubscribe: str(escape(unsubscribe))})
        headers = list_headers(unsubscribe, token, list_name=self._list_id)
        return self._list.message(address, subject, text, html, headers)

    def _render(self, is_member: bool, digest: Digest) -> tuple[str, QPBody, QPBody]:
        key = (is_member, digest.key())
        if key in self._rendered:
            self._rendered.move_to_end(key)
            return self._rendered[key]
        reader = SimpleNamespace(display_name=self._name, is_member=is_member)
        context = dict(self._context, digest=digest, recipient=reader,
                       period_label=period_label(digest.window, self._schedule),
                       subject=subject_for(digest), unsubscribe_url=self._unsubscribe,
                       manage_url=self._manage[is_member])
        marks = (self._name, self._unsubscribe)
        rendered = (
            one_line(render_template("email/digest/subject.txt", **context)),
            QPBody(render_template("email/digest/body.txt", **context), marks),
            QPBody(render_template("email/digest/body.html", **context), marks),
        )
        self._rendered[key] = rendered
        if len(self._rendered) > self.CACHE_SIZE:
            self._rendered.popitem(last=False)
        return rendered
