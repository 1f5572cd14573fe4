"""Programme staff pages: dashboard, moderators and their training, watched phrases,
crisis-screening rules."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the ``/admin`` pages."""
    from forum.admin import screening  # noqa: F401  (its routes join the blueprint)
    from forum.admin.views import bp

    app.register_blueprint(bp)
