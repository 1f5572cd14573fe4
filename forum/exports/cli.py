"""``flask exports run`` (cron, every minute): build the requested data exports."""

from __future__ import annotations

import click
from flask.cli import AppGroup

exports_cli = AppGroup("exports", help="Members' \"Download my data\" exports.")


@exports_cli.command("run")
@click.option("--budget", type=float, default=None,
              help="Stop starting new builds after this many seconds (default 50).")
def run_command(budget: float | None) -> None:
    """Expire old exports, build the requested ones (emailing each member), delete files
    nobody may download any more. Safe to run several at once."""
    from forum.exports import worker

    summary = worker.run() if budget is None else worker.run(budget=budget)
    click.echo(summary.line())
    if summary.failed:
        raise SystemExit(1)
