"""Account operations: registration, authentication, confirmation, resets and changes.

They flush and never commit; views commit and send the emails afterwards.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from forum.auth import passwords
from forum.auth.sessions import revoke_sessions
from forum.clock import utcnow
from forum.extensions import db
from forum.logs import safe
from forum.models import User, display_name_key, normalize_email

log = logging.getLogger(__name__)


class DisplayNameTaken(Exception):
    """Another member already uses this display name (compared case-insensitively)."""


class EmailTaken(Exception):
    """An account with this email exists (never shown to the person registering)."""


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def display_name_taken(name: str, *, except_user: User | None = None) -> bool:
    existing = db.session.scalar(
        select(User).where(User.display_name_key == display_name_key(name))
    )
    return existing is not None and existing is not except_user


def register(*, email: str, display_name: str, password: str) -> User:
    """Create an unconfirmed member account.

    :raises EmailTaken: the caller then emails the owner instead of saying so on screen.
    :raises DisplayNameTaken: display names are public, so this one is shown.
    """
    # Hash first: a duplicate address then takes as long as a new one (no timing oracle).
    password_hash = passwords.hash_password(password)
    # The public fact first: a taken name is refused whatever the address, so the answer
    # never depends on whether the address has an account.
    if display_name_taken(display_name):
        raise DisplayNameTaken()
    if find_by_email(email) is not None:
        raise EmailTaken()
    user = User(email=normalize_email(email), password_hash=password_hash,
                role="member", created_at=utcnow())
    user.set_display_name(display_name)
    db.session.add(user)
    db.session.flush()
    log.info("account registered user=%s", user.id)
    return user


def authenticate(email: str, password: str, *, ip: str | None = None) -> User | None:
    """The user if the password matches; the same work is done for unknown emails."""
    user = find_by_email(email)
    if user is None or user.erased_at is not None:  # an erased account's tombstone
        passwords.dummy_verify(password)
        log.info("login failed reason=credentials ip=%s", safe(ip))
        return None
    if not passwords.verify_password(user.password_hash, password):
        log.info("login failed reason=credentials user=%s ip=%s", user.id, safe(ip))
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    log.info("login ok user=%s ip=%s", user.id, safe(ip))
    return user


def confirm_email(user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        log.info("email confirmed user=%s", user.id)


def set_password(user: User, new_password: str) -> None:
    """Store a new password and end every existing session of ``user``."""
    user.password_hash = passwords.hash_password(new_password)
    revoke_sessions(user)
    log.info("password changed user=%s", user.id)


def change_email(user: User, new_email: str) -> None:
    """Switch to a confirmed new address and end every existing session."""
    if find_by_email(new_email) not in (None, user):
        raise EmailTaken()
    user.email = normalize_email(new_email)
    user.email_confirmed_at = utcnow()
    revoke_sessions(user)
    log.info("email changed user=%s", user.id)


def undo_email_change(user: User, old_email: str) -> None:
    """Put back the address an email change replaced (from the link sent to it) and end
    every session: whoever changed it is logged out everywhere.

    :raises EmailTaken: another account has taken the old address meanwhile.
    """
    if find_by_email(old_email) not in (None, user):
        raise EmailTaken()
    user.email = normalize_email(old_email)
    user.email_confirmed_at = utcnow()  # the link came to this address: it works
    revoke_sessions(user)
    log.info("email change undone user=%s", user.id)


def logout(user: User) -> None:
    """Revoke server-side so a copied session or remember cookie stops working."""
    revoke_sessions(user)
    log.info("logout user=%s", user.id)
