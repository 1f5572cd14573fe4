"""``flask notifications send`` (cron, every minute): notifications by email."""

from __future__ import annotations

import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="Notifications by email.")


@notifications_cli.command("send")
def send_command() -> None:
    """Email members the notifications that are due (immediately, or the daily summary)."""
    from forum.notifications.emails import send_due

    summary = send_due()
    click.echo(f"emails={summary.emails} lines={summary.lines} deferred={summary.deferred}")
