"""``flask notifications send`` (cron, every minute): notifications by email."""

from __future__ import annotations

import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="Notifications by email.")


@notifications_cli.command("send")
def send_command() -> None:
    """Email members the notifications that are due (immediately, or the daily summary).

    Each member's emails are written to the durable outbox with that member's commit;
    they are then delivered together over one SMTP connection (what is left undelivered,
    say the server is down, goes out with the next ``flask mail flush``)."""
    from forum.email import outbox
    from forum.notifications.emails import send_due

    with outbox.held():
        summary = send_due()
    delivered = outbox.deliver() if summary.emails else outbox.Summary()
    click.echo(f"emails={summary.emails} lines={summary.lines} deferred={summary.deferred} "
               f"delivered={delivered.sent} retrying={delivered.retrying}")
