"""``flask digest send`` and ``flask digest run-due`` (cron, every 15 minutes)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from forum.clock import utcnow
from forum.digest.schedule import (
    Schedule,
    current_period,
    latest_ended_period,
    period_for_key,
)
from forum.extensions import db

digest_cli = AppGroup("digest", help="The weekly email digest.")


def _schedule() -> Schedule:
    return Schedule.from_config(current_app.config)


def _run(period, *, dry_run: bool = False, limit: int | None = None) -> None:
    from forum.digest import sending

    interactive = sys.stdout.isatty()
    if dry_run:
        work = lambda progress: sending.dry_run(period, limit=limit, progress=progress)  # noqa: E731
    else:
        work = lambda progress: sending.send_period(period, limit=limit, progress=progress)  # noqa: E731
    if interactive:
        length = sending.pending_count(period)
        if limit:
            length = min(length, limit)
        with click.progressbar(length=length, label=f"Digest {period.key}") as bar:
            summary = work(bar.update)
    else:
        summary = work(None)
    click.echo(summary.line())
    if summary.stopped or summary.failed:
        raise SystemExit(1)


@digest_cli.command("send")
@click.option("--period", "period_key", metavar="YYYY-Www",
              help="The week to send, e.g. 2026-W48. Default: the latest week that has ended.")
@click.option("--dry-run", is_flag=True, help="Compose every digest but send nothing.")
@click.option("--limit", type=click.IntRange(min=1), help="Handle at most N subscribers.")
@click.option("--to", "address", metavar="EMAIL",
              help="Send one confirmed subscriber (member or email-only) their digest now, "
                   "covering everything since their last digest. It counts as their "
                   "digest: their window moves on, and it stands for the last ended "
                   "week's digest if they have not had that yet, else for this week's.")
def send_command(period_key, dry_run, limit, address):
    """Send a week's digest to every subscriber who has not had it yet.

    Each digest covers the subscriber's own window: since their last digest, or for a
    newcomer the week before they joined (so someone who joined after the week's send
    gets that week at the next run). Safe to run again, and on several machines at
    once: nobody gets a week's digest twice. Prints sent, skipped (nothing new), failed
    and deferred (to a later run).
    """
    schedule = _schedule()
    if address is not None:
        if period_key or dry_run or limit:
            raise click.UsageError("--to cannot be combined with --period, --dry-run or --limit")
        _send_to(schedule, address)
        return
    if period_key:
        try:
            period = period_for_key(schedule, period_key)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--period") from None
        if period.end > utcnow():
            raise click.BadParameter(
                f"{period.key} has not ended yet (it is sent at {period.end:%Y-%m-%d %H:%M} UTC)",
                param_hint="--period")
    else:
        period = latest_ended_period(schedule, utcnow())
    _run(period, dry_run=dry_run, limit=limit)


def _send_to(schedule: Schedule, address: str) -> None:
    from forum.digest import sending

    subscription_id = sending.subscription_for_address(address)
    if subscription_id is None:
        raise click.BadParameter("not a confirmed digest subscriber (a member's confirmed "
                                 "account address, or a confirmed email-only address)",
                                 param_hint="--to")
    now = utcnow()
    periods = [latest_ended_period(schedule, now), current_period(schedule, now)]
    try:
        summary = sending.send_now(subscription_id, periods, now=now)
    except sending.AlreadyHad:
        raise click.ClickException(
            f"they already have a digest recorded for {periods[0].key} and {periods[1].key}; "
            f"their next one goes out with the week after") from None
    if summary.skipped:
        click.echo("nothing new since their last digest: nothing sent")
    click.echo(summary.line())
    if summary.failed or summary.deferred:
        raise SystemExit(1)


@digest_cli.command("run-due")
def run_due_command():
    """Send the digest that is due now (the latest week that has ended), retry deferred
    messages, and forget unconfirmed requests older than 7 days.

    Safe to run from cron every 15 minutes: once a week's digests are out, it does nothing.
    """
    from forum.digest.subscriptions import expire_pending

    expire_pending()
    db.session.commit()
    _run(latest_ended_period(_schedule(), utcnow()))
