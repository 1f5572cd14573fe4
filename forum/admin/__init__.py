"""Programme staff pages: dashboard, moderators and their training, watched phrases."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the ``/admin`` pages."""
    from forum.admin.views import bp

    app.register_blueprint(bp)
