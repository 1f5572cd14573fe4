"""Accounts' front door: register, confirm the address, log in and out, reset a
forgotten password; server-side session checks on every request."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the ``/auth`` pages and the per-request session check."""
    from forum.auth import sessions
    from forum.auth.views import bp

    sessions.init_app(app)
    app.register_blueprint(bp)
