"""Loading the logged-in member from the session, with server-side revocation.

Flask-Login stores ``User.get_id()`` ("<id>:<session_version>") in the session and in
the remember-me cookie. Bumping ``session_version`` (logout, password or email change)
makes every earlier cookie load no user: a copied cookie dies server-side.
"""

from __future__ import annotations

from datetime import timedelta

from flask import session
from flask_login import current_user, logout_user

from forum.clock import utcnow
from forum.extensions import db, login_manager
from forum.models import User

LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the user only if the cookie's session version is still current."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version:
        return None
    return user


def revoke_sessions(user: User) -> None:
    """Invalidate every session and remember cookie of ``user`` (caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def start_session(user: User, *, remember: bool) -> None:
    """Rotate the session (nothing planted before login survives) and log ``user`` in."""
    from flask_login import login_user

    session.clear()
    login_user(user, remember=remember)
    session["login_at"] = int(utcnow().timestamp())
    session.permanent = True


def _enforce_absolute_lifetime(app):
    """End sessions older than PERMANENT_SESSION_LIFETIME even with activity."""

    def check():
        if not current_user.is_authenticated:
            return
        login_at = session.get("login_at")
        limit = app.config["PERMANENT_SESSION_LIFETIME"]
        limit = limit.total_seconds() if isinstance(limit, timedelta) else limit
        now = utcnow()
        if login_at is None:
            # Restored from a remember-me cookie: the cookie's own lifetime bounds it.
            session["login_at"] = int(now.timestamp())
        elif now.timestamp() - login_at > limit:
            logout_user()
            session.clear()
            return
        _touch_last_seen(current_user._get_current_object(), now)

    return check


def _touch_last_seen(user: User, now) -> None:
    """Record activity at most every few minutes (not a write on every request)."""
    if user.last_seen_at is None or now - user.last_seen_at > LAST_SEEN_RESOLUTION:
        user.last_seen_at = now
        db.session.commit()


def init_app(app) -> None:
    app.before_request(_enforce_absolute_lifetime(app))
