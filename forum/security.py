"""HTTP hardening applied to every response (pages, errors and static files alike)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def set_security_headers(response):
    """Add CSP and friends; no-store for anything a logged-in member sees."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Health-topic URLs must never leak to other sites through the Referer header.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if _is_private_response():
        headers["Cache-Control"] = "no-store"
        headers.pop("ETag", None)
    return response


def _is_private_response() -> bool:
    if request.endpoint == "static":
        return False
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # no user loaded (e.g. an error before the login manager ran)
        return False


def init_app(app):
    app.after_request(set_security_headers)
