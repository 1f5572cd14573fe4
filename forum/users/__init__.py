"""Public member profiles: pseudonym, join date, post count and bio; never the email."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the ``/members`` pages."""
    from forum.users.views import bp

    app.register_blueprint(bp)
