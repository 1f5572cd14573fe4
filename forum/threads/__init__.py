"""Reading the forum: home, category and thread pages, permalinks, edit history,
deleting one's own post and reactions; the thread services that store posts."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the reading pages."""
    from forum.threads.views import bp

    app.register_blueprint(bp)
