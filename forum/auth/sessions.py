"""Loading the logged-in member from the session, with server-side revocation.

Flask-Login stores ``User.get_id()`` ("<id>:<session_version>:<issued>") in the session
and in the remember-me cookie. Bumping ``session_version`` (logout, password or email change)
makes every earlier cookie load no user: a copied cookie dies server-side.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request, session
from flask_login import current_user

from forum import clock
from forum.clock import utcnow
from forum.extensions import db, login_manager
from forum.models import User

LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user, if the identity's session version is current and it is not too old.

    The issue time bounds every session and remember cookie to PERMANENT_SESSION_LIFETIME
    (30 days) from login, however active it is and wherever it was copied to.
    """
    try:
        raw_id, raw_version, raw_issued = user_id.split(":", 2)
        uid, version, issued = int(raw_id), int(raw_version), int(raw_issued)
    except (ValueError, AttributeError):
        return None
    if clock.timestamp() - issued > _lifetime_seconds():
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or user.erased_at is not None:
        return None
    return user


def _lifetime_seconds() -> float:
    limit = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return limit.total_seconds() if isinstance(limit, timedelta) else float(limit)


def revoke_sessions(user: User) -> None:
    """Invalidate every session and remember cookie of ``user`` (caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def start_session(user: User, *, remember: bool) -> None:
    """Rotate the session (nothing planted before login survives) and log ``user`` in.

    Without "remember me" the session cookie is a browser-session cookie (no expiry),
    so closing the browser logs out; with it, both cookies last the configured 30 days.
    """
    from flask_login import login_user

    session.clear()
    login_user(user, remember=remember)
    session.permanent = bool(remember)


def _check_session():
    """Record activity; drop a stale or revoked identity and its remember cookie."""
    if current_user.is_authenticated:
        _touch_last_seen(current_user._get_current_object(), utcnow())
    elif "_user_id" in session or current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies:
        session.clear()
        session["_remember"] = "clear"  # Flask-Login deletes the remember cookie


def _touch_last_seen(user: User, now) -> None:
    """Record activity at most every few minutes (not a write on every request)."""
    if user.last_seen_at is None or now - user.last_seen_at > LAST_SEEN_RESOLUTION:
        user.last_seen_at = now
        db.session.commit()


def init_app(app) -> None:
    app.before_request(_check_session)
