"""``flask erasure run`` (cron, every 15 minutes): erase members whose grace period
has ended, and finish any erasure a crash interrupted."""

from __future__ import annotations

import click
from flask.cli import AppGroup

erasure_cli = AppGroup("erasure", help="Account erasure (\u201cDelete my account\u201d).")


@erasure_cli.command("run")
def run_command() -> None:
    """Erase every member whose grace period has ended, each in its own transaction,
    then purge the search index of what was deleted. Safe to re-run and to overlap."""
    from forum.erasure.jobs import run

    summary = run()
    click.echo(f"erased={summary.erased} finished={summary.finished} "
               f"pending_index={summary.pending}")
