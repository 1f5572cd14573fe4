"""Following threads and categories, and the notifications page: replies in followed
threads, quotes and @mentions, reaction summaries and moderators' decisions, with the
unread count in the page header. The fan-out is called by ``forum.threads.services``
whenever a post becomes visible ([Notifications](../../docs/notifications.md))."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the notifications page, the header's unread count and
    ``flask notifications``."""
    from flask_login import current_user

    from forum.notifications import queries
    from forum.notifications.cli import notifications_cli
    from forum.notifications.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(notifications_cli)

    def unread_notifications() -> int:
        """Called by the header only when it renders (redirects cost no query)."""
        if not current_user.is_authenticated:
            return 0
        return queries.unread_count(current_user)

    app.context_processor(lambda: {"unread_notifications": unread_notifications})
