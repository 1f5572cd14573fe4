"""``flask mail flush`` (cron, every minute) and ``flask mail status``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from forum.email import outbox

mail_cli = AppGroup("mail", help="The transactional email outbox.")


@mail_cli.command("flush")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Deliver at most this many messages.")
def flush_command(limit):
    """Deliver every message that is due (retries included); safe to run from cron every
    minute, and from several machines at once."""
    summary = outbox.deliver(limit=limit)
    waiting = outbox.backlog()
    click.echo(f"sent={summary.sent} retrying={summary.retrying} failed={summary.failed} "
               f"waiting_due={waiting['due']} waiting_later={waiting['later']}")
    raise SystemExit(1 if summary.failed else 0)


@mail_cli.command("status")
def status_command():
    """One line for monitoring: messages due now, waiting for a retry, and given up."""
    waiting = outbox.backlog()
    click.echo(f"outbox due={waiting['due']} later={waiting['later']} failed={waiting['failed']}")
    raise SystemExit(1 if waiting["failed"] else 0)
