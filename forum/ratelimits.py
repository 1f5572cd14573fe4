"""Named rate limits, read from config so tests and deployments can tune them."""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from forum.extensions import limiter


def _member_or_ip() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _limit(setting: str, *, per_member: bool = False):
    return limiter.limit(
        lambda: current_app.config[setting],
        methods=["POST"],
        key_func=_member_or_ip if per_member else get_remote_address,
        scope=setting.lower(),
    )


def login_limit():
    return _limit("RATELIMIT_LOGIN")


def register_limit():
    return _limit("RATELIMIT_REGISTER")


def reset_limit():
    return _limit("RATELIMIT_RESET")


def posting_limit():
    """One budget per member for every kind of post (new threads and replies together)."""
    return limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_POSTING"],
        scope="posting",
        methods=["POST"],
        key_func=_member_or_ip,
    )
