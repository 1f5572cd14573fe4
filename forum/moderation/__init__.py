"""Trained peer moderation: screening new posts, flags, the review queue and its
actions, crisis alerts and escalation, thread tools, notices to members, the audit log
page and the supportive page shown after a crisis post."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the moderation pages and ``flask moderation``."""
    from forum.moderation import cli
    from forum.moderation.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli.moderation_cli)
