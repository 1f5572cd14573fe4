"""Signed, expiring tokens for email confirmation, password reset and email change.

Nothing is stored: each token is an HMAC-signed payload with a timestamp. The
payload is signed, not encrypted (anyone holding the link can decode it), so it
carries keyed fingerprints of the email address and password hash, never the
address itself; only an email-change token names its new address, which is the
one it is sent to.

- confirm: dies when the address changes.
- reset: dies the moment the password changes (single use) or the address changes.
- email change: dies with the next password or email change (but not with a logout,
  which may well happen between asking for the change and opening the link).
- undo an email change (sent to the *old* address once the new one is confirmed): for
  ``UNDO_EMAIL_CHANGE_DAYS``, and only while the account still has the new address,
  so it works once (undoing puts the old address back).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from forum import clock
from forum.extensions import db
from forum.models import User

CONFIRM, RESET, CHANGE_EMAIL = "confirm-email", "reset-password", "change-email"
UNDO_EMAIL_CHANGE = "undo-email-change"
UNDO_EMAIL_CHANGE_DAYS = 7


class _ClockSigner(TimestampSigner):
    """Timestamps from ``forum.clock`` so tests can age tokens without sleeping."""

    def get_timestamp(self) -> int:
        return int(clock.timestamp())


def serializer(purpose: str) -> URLSafeTimedSerializer:
    """Signed, timestamped tokens for ``purpose`` (the salt), aged by ``forum.clock``."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose,
                                  signer=_ClockSigner)


def _fingerprint(value: str) -> str:
    """A short keyed digest: tells whether ``value`` changed without revealing it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:22]


def make_confirm_token(user: User) -> str:
    return serializer(CONFIRM).dumps({"u": user.id, "e": _fingerprint(user.email)})


def make_reset_token(user: User) -> str:
    return serializer(RESET).dumps(
        {"u": user.id, "p": _fingerprint(user.password_hash), "e": _fingerprint(user.email)}
    )


def make_email_change_token(user: User, new_email: str) -> str:
    return serializer(CHANGE_EMAIL).dumps({
        "u": user.id, "e": new_email,
        "p": _fingerprint(user.password_hash), "o": _fingerprint(user.email),
    })


def make_undo_email_change_token(user: User, *, old_email: str, new_email: str) -> str:
    """The link sent to ``old_email`` after the change: it names that address (its own
    recipient) and carries only a keyed fingerprint of the new one."""
    return serializer(UNDO_EMAIL_CHANGE).dumps(
        {"u": user.id, "o": old_email, "n": _fingerprint(new_email)})


def _matches(data: dict, key: str, value: str) -> bool:
    expected = data.get(key)
    return isinstance(expected, str) and hmac.compare_digest(expected, _fingerprint(value))


def _load(purpose: str, token: str, max_age: int) -> tuple[User, dict] | None:
    try:
        data = serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    return (user, data) if user is not None else None


def read_confirm_token(token: str) -> User | None:
    """The user whose *current* email the token confirms, or None."""
    loaded = _load(CONFIRM, token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if loaded is None or not _matches(loaded[1], "e", loaded[0].email):
        return None
    return loaded[0]


def read_reset_token(token: str) -> User | None:
    """The user, if the token is fresh and neither password nor address changed since."""
    loaded = _load(RESET, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if loaded is None:
        return None
    user, data = loaded
    if not (_matches(data, "p", user.password_hash) and _matches(data, "e", user.email)):
        return None
    return user


def read_email_change_token(token: str) -> tuple[User, str] | None:
    """``(user, new_email)`` if the token is fresh and neither password nor address changed."""
    loaded = _load(CHANGE_EMAIL, token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if loaded is None:
        return None
    user, data = loaded
    if not (_matches(data, "p", user.password_hash) and _matches(data, "o", user.email)):
        return None
    if not isinstance(data.get("e"), str):
        return None
    return user, data["e"]


def read_undo_email_change_token(token: str) -> tuple[User, str] | None:
    """``(user, old_email)`` if the token is fresh and the account still has the address
    it was changed to (so an undo, or any later change, ends it), else None."""
    loaded = _load(UNDO_EMAIL_CHANGE, token, UNDO_EMAIL_CHANGE_DAYS * 24 * 3600)
    if loaded is None:
        return None
    user, data = loaded
    if not (_matches(data, "n", user.email) and isinstance(data.get("o"), str)):
        return None
    return user, data["o"]
