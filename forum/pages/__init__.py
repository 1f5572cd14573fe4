"""Fixed pages: "Need help now?" with crisis contacts, and the community guidelines."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the help and guidelines pages."""
    from forum.pages.views import bp

    app.register_blueprint(bp)
