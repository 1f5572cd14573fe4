"""Writing: new threads, replies and edits, with the safety net around them (contact
details, screening, review items, crisis alerts). Sits above ``threads`` and
``moderation`` and is the only package that joins them."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the new-thread, reply and edit pages."""
    from forum.posting.views import bp

    app.register_blueprint(bp)
