"""Retention: the daily ``flask retention run`` deletes login history, notifications and
sent or failed outbox emails older than their configured limits (README, "Retention",
lists every retention period)."""

from __future__ import annotations


def init_app(app) -> None:
    """Register ``flask retention``."""
    from forum.retention.cli import retention_cli

    app.cli.add_command(retention_cli)
