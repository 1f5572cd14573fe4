"""HTTP hardening applied to every response (pages, errors and static files alike)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, g, request, session
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


# --- search engines -----------------------------------------------------------------
# Every page is ``noindex`` unless its view calls ``allow_indexing()`` (an allow-list,
# so a new page is private by default), and even then only when SEARCH_ENGINES is
# "public". The views that do: home, public category and thread pages, and the fixed
# pages (help, guidelines, privacy). Never profiles, members-only categories and
# threads, search results, account, notification, moderation or admin pages.

def allow_indexing() -> None:
    """Let search engines index this response (a public page with no personal data)."""
    g.robots_indexable = True


def robots_noindex() -> bool:
    """Whether this response must carry ``noindex`` (meta tag and X-Robots-Tag)."""
    if current_app.config.get("SEARCH_ENGINES", "public") != "public":
        return True
    return not g.get("robots_indexable", False)


def set_security_headers(response):
    """Add CSP and friends; no-store for anything private (see ``_is_private_response``)."""
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
    if request.endpoint != "static" and robots_noindex():
        headers["X-Robots-Tag"] = "noindex"
    if _is_private_response():
        headers["Cache-Control"] = "no-store"
        headers.pop("ETag", None)
    return response


def _is_private_response() -> bool:
    """Pages no cache may keep (SECURITY.md 28).

    Anything a logged-in member sees; pages reached through an emailed token (confirm,
    reset, email change); and any page tied to a visitor's session (the login and
    register forms carry that session's CSRF token, flashes are personal). A visitor
    without a session gets public pages, which may be cached.
    """
    if request.endpoint == "static":
        return False
    if request.view_args and "token" in request.view_args:
        return True
    try:
        if session.modified or len(session) > 0:
            return True
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # no user loaded (e.g. an error before the login manager ran)
        return True


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Endpoints that other sites may POST to on purpose (RFC 8058 one-click unsubscribe,
# whose POST comes from a mail provider); each is also exempt from the CSRF token.
CROSS_SITE_POST_ENDPOINTS: set[str] = {"digest.unsubscribe", "notifications.unsubscribe"}


def refuse_cross_site_writes():
    """Reject state-changing requests a browser marks as coming from another site.

    This stands in for Flask-WTF's Referer check, which cannot work with
    ``Referrer-Policy: no-referrer``: browsers send ``Sec-Fetch-Site`` and ``Origin``
    whatever the referrer policy. Non-browser clients send neither and still need
    the CSRF token.
    """
    if request.method not in UNSAFE_METHODS or request.endpoint in CROSS_SITE_POST_ENDPOINTS:
        return
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(400)
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(400)


def init_app(app):
    app.before_request(refuse_cross_site_writes)
    app.after_request(set_security_headers)
    app.jinja_env.globals["robots_noindex"] = robots_noindex
