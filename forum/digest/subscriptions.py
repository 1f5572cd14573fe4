"""Subscribing and leaving: members from their settings, anyone else by email with
double opt-in. Services add and flush; the caller commits.

Tokens. Each subscription has a random ``token`` that never changes. The unsubscribe
link carries it signed (HMAC, itsdangerous), never expires, and says nothing about the
subscriber. The confirmation link for an email-only request is a timed signature of the
same token and lasts ``DIGEST_CONFIRM_MAX_AGE`` (7 days); so does the request itself.

No enumeration. Asking for the digest on the public page gets the same answer whatever
the address: a new or pending address is sent a confirmation link; a confirmed one is
told it is already subscribed; an address that belongs to an account is told to use its
settings. Repeats within ``RESEND_AFTER`` send nothing more.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, func, select, update

from forum.audit import audit
from forum.auth.tokens import serializer
from forum.clock import utcnow
from forum.digest.schedule import Schedule, current_period
from forum.email import queue_email
from forum.extensions import db
from forum.models import (
    Category,
    DigestFeature,
    DigestSubscription,
    Thread,
    User,
    normalize_email,
)
from forum.urls import external_url

UNSUBSCRIBE, CONFIRM = "digest-unsubscribe", "digest-confirm"
RESEND_AFTER = timedelta(minutes=10)


class NotConfirmed(Exception):
    """A member must confirm their email address before the digest can go to it."""


# --- tokens ----------------------------------------------------------------------------

def new_token() -> str:
    return secrets.token_urlsafe(24)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def unsubscribe_token(subscription: DigestSubscription) -> str:
    """The subscriber's permanent, signed unsubscribe token."""
    return Signer(_secret(), salt=UNSUBSCRIBE).sign(subscription.token).decode()


def by_unsubscribe_token(token: str) -> DigestSubscription | None:
    try:
        raw = Signer(_secret(), salt=UNSUBSCRIBE).unsign(token).decode()
    except (BadSignature, UnicodeError, ValueError):
        return None
    return db.session.scalar(select(DigestSubscription).filter_by(token=raw))


def confirm_token(subscription: DigestSubscription) -> str:
    return serializer(CONFIRM).dumps({"t": subscription.token})


def by_confirm_token(token: str) -> DigestSubscription | None:
    """The pending subscription a fresh confirmation token names, else None."""
    max_age = current_app.config["DIGEST_CONFIRM_MAX_AGE"]
    try:
        data = serializer(CONFIRM).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        return None
    subscription = db.session.scalar(select(DigestSubscription).filter_by(token=data["t"]))
    if subscription is None or subscription.status not in ("pending", "confirmed"):
        return None
    if subscription.status == "pending" and _expired(subscription, utcnow()):
        return None
    return subscription


def _expired(subscription: DigestSubscription, now: datetime) -> bool:
    max_age = timedelta(seconds=current_app.config["DIGEST_CONFIRM_MAX_AGE"])
    return subscription.requested_at is None or subscription.requested_at < now - max_age


# --- email-only subscribers -----------------------------------------------------------

def request_email_subscription(email: str) -> None:
    """Handle "send me the digest" from the public page (the answer never varies, and
    the emails go out after the response, so its timing does not vary with them)."""
    email, now = normalize_email(email), utcnow()
    account = db.session.scalar(select(User).filter_by(email=email))
    subscription = db.session.scalar(select(DigestSubscription).filter_by(email=email))
    if subscription is not None and subscription.requested_at is not None \
            and subscription.requested_at > now - RESEND_AFTER:
        return  # asked moments ago: nothing more, so the page can't be used to mail-bomb
    if account is not None:  # members choose in their settings (and see members-only posts)
        queue_email(email, "digest_member", action_url=external_url("accounts.settings"),
                    background=True)
        return
    if subscription is None:
        subscription = DigestSubscription(email=email, token=new_token(), status="pending",
                                          created_at=now)
        db.session.add(subscription)
    subscription.requested_at = now
    if subscription.status == "confirmed":
        queue_email(email, "digest_already",
                    action_url=external_url("digest.unsubscribe",
                                            token=unsubscribe_token(subscription)),
                    background=True)
        return
    subscription.status = "pending"
    db.session.flush()
    queue_email(email, "digest_confirm",
                action_url=external_url("digest.confirm", token=confirm_token(subscription)),
                background=True)


def confirm(subscription: DigestSubscription) -> None:
    """The address owner followed the confirmation link: start sending."""
    if subscription.status == "confirmed":
        return
    now = utcnow()
    subscription.status = "confirmed"
    subscription.subscribed_at = now
    subscription.unsubscribed_at = subscription.suppressed_at = None
    subscription.consecutive_failures = 0
    db.session.flush()


def expire_pending(now: datetime | None = None) -> int:
    """Forget email-only requests nobody confirmed within 7 days; return how many.

    A never-confirmed request is deleted; a returning subscriber's request falls back
    to unsubscribed.
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["DIGEST_CONFIRM_MAX_AGE"])
    stale = (DigestSubscription.status == "pending") & (DigestSubscription.requested_at < cutoff)
    returning = db.session.execute(
        update(DigestSubscription).where(stale, DigestSubscription.subscribed_at.is_not(None))
        .values(status="unsubscribed").execution_options(synchronize_session=False)).rowcount
    forgotten = db.session.execute(
        delete(DigestSubscription).where(stale, DigestSubscription.subscribed_at.is_(None))
        .execution_options(synchronize_session=False)).rowcount
    return (returning or 0) + (forgotten or 0)


# --- everyone ---------------------------------------------------------------------------

def unsubscribe(subscription: DigestSubscription) -> None:
    """Stop sending (idempotent). Digests already being sent are cancelled at send time."""
    if subscription.status in ("confirmed", "pending"):
        subscription.status = "unsubscribed"
        subscription.unsubscribed_at = utcnow()
    db.session.flush()


def resubscribe(subscription: DigestSubscription) -> None:
    """Start again (after unsubscribing, or after suppression for failed deliveries)."""
    confirm(subscription)


# --- members ----------------------------------------------------------------------------

def member_subscription(user: User) -> DigestSubscription | None:
    return db.session.scalar(select(DigestSubscription).filter_by(user_id=user.id))


def save_member_settings(user: User, *, subscribed: bool, category_ids: set[int],
                         visible_ids: set[int]) -> DigestSubscription | None:
    """Turn the digest on or off for ``user`` and choose its categories.

    Choosing every category the member can see means "all, including new ones".
    """
    subscription = member_subscription(user)
    if not subscribed:
        if subscription is not None:
            unsubscribe(subscription)
        return subscription
    if not user.is_confirmed:
        raise NotConfirmed(user.id)
    if subscription is None:
        subscription = DigestSubscription(user_id=user.id, token=new_token(), status="pending",
                                          created_at=utcnow())
        db.session.add(subscription)
    chosen = category_ids & visible_ids
    subscription.all_categories = not chosen or chosen >= visible_ids
    subscription.categories = [] if subscription.all_categories else list(
        db.session.scalars(select(Category).where(Category.id.in_(chosen))))
    confirm(subscription)
    return subscription


# --- moderators' picks ----------------------------------------------------------------

def is_featured(thread: Thread, period_key: str) -> bool:
    return db.session.scalar(select(DigestFeature.id).filter_by(
        thread_id=thread.id, period=period_key)) is not None


def is_featured_now(thread: Thread) -> bool:
    """Is ``thread`` a moderators' pick for the digest being gathered now?"""
    period = current_period(Schedule.from_config(current_app.config), utcnow())
    return is_featured(thread, period.key)


def toggle_feature(thread: Thread, *, moderator: User, period_key: str) -> bool:
    """Feature ``thread`` in the digest for ``period_key``, or withdraw the pick.
    Returns whether it is featured now. Audited."""
    existing = db.session.scalar(select(DigestFeature).filter_by(
        thread_id=thread.id, period=period_key))
    if existing is None:
        db.session.add(DigestFeature(thread_id=thread.id, period=period_key,
                                     featured_by_id=moderator.id, created_at=utcnow()))
        action, featured = "digest_feature", True
    else:
        db.session.delete(existing)
        action, featured = "digest_unfeature", False
    audit(moderator, action, target_type="thread", target_id=thread.id,
          category_id=thread.category_id, after={"period": period_key})
    db.session.flush()
    return featured


# --- figures for admins -------------------------------------------------------------------

def subscriber_counts(now: datetime | None = None) -> dict[str, dict[str, int]]:
    """{"members"|"email"|"all": {"confirmed", "pending", "unsubscribed", "suppressed"}}.
    Pending requests older than 7 days count as expired, not pending."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["DIGEST_CONFIRM_MAX_AGE"])
    statuses = ("confirmed", "pending", "unsubscribed", "suppressed")
    counts = {kind: dict.fromkeys(statuses, 0) for kind in ("members", "email", "all")}
    rows = db.session.execute(
        select(DigestSubscription.user_id.is_not(None), DigestSubscription.status,
               func.count())
        .where((DigestSubscription.status != "pending")
               | (DigestSubscription.requested_at >= cutoff))
        .group_by(DigestSubscription.user_id.is_not(None), DigestSubscription.status))
    for is_member, status, count in rows:
        kind = "members" if is_member else "email"
        counts[kind][status] += count
        counts["all"][status] += count
    return counts
