"""Signed, expiring tokens for email confirmation, password reset and email change.

Nothing is stored: each token is an HMAC-signed payload with a timestamp. A reset
token carries a fingerprint of the current password hash, so it dies the moment
the password changes (single use). An email-change token carries the session
version, so it dies with the next password or email change.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from forum import clock
from forum.extensions import db
from forum.models import User

CONFIRM, RESET, CHANGE_EMAIL = "confirm-email", "reset-password", "change-email"


class _ClockSigner(TimestampSigner):
    """Timestamps from ``forum.clock`` so tests can age tokens without sleeping."""

    def get_timestamp(self) -> int:
        return int(clock.timestamp())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose,
                                  signer=_ClockSigner)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def make_confirm_token(user: User) -> str:
    return _serializer(CONFIRM).dumps({"u": user.id, "e": user.email})


def make_reset_token(user: User) -> str:
    return _serializer(RESET).dumps({"u": user.id, "p": _fingerprint(user.password_hash)})


def make_email_change_token(user: User, new_email: str) -> str:
    return _serializer(CHANGE_EMAIL).dumps(
        {"u": user.id, "e": new_email, "v": user.session_version}
    )


def _load(purpose: str, token: str, max_age: int) -> tuple[User, dict] | None:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    return (user, data) if user is not None else None


def read_confirm_token(token: str) -> User | None:
    """The user whose *current* email the token confirms, or None."""
    loaded = _load(CONFIRM, token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if loaded is None or loaded[0].email != loaded[1].get("e"):
        return None
    return loaded[0]


def read_reset_token(token: str) -> User | None:
    """The user, if the token is fresh and the password has not changed since."""
    loaded = _load(RESET, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if loaded is None or _fingerprint(loaded[0].password_hash) != loaded[1].get("p"):
        return None
    return loaded[0]


def read_email_change_token(token: str) -> tuple[User, str] | None:
    """``(user, new_email)`` if the token is fresh and no session change happened since."""
    loaded = _load(CHANGE_EMAIL, token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if loaded is None:
        return None
    user, data = loaded
    if data.get("v") != user.session_version or not isinstance(data.get("e"), str):
        return None
    return user, data["e"]
