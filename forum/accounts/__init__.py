"""A member's own settings: profile, password, email address and weekly digest."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the ``/settings`` pages."""
    from forum.accounts.views import bp

    app.register_blueprint(bp)
