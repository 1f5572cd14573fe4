"""``flask retention run`` (cron, daily): delete what is past its retention period."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from forum.clock import utcnow
from forum.extensions import db
from forum.retention import services

retention_cli = AppGroup("retention", help="Delete rows older than their retention periods.")


@retention_cli.command("run")
@click.option("--batch", type=click.IntRange(min=1), default=services.BATCH, show_default=True,
              help="Rows deleted per transaction.")
def run_command(batch):
    """Delete login history, notifications and sent or failed outbox emails older than
    RETAIN_LOGIN_HISTORY_DAYS, RETAIN_NOTIFICATIONS_DAYS and RETAIN_EMAIL_OUTBOX_DAYS, a
    batch per transaction; prints how many of each went (``kept`` for a limit of 0)."""
    now = utcnow()
    parts = []
    for rule in services.RULES:
        cutoff = services.cutoff(now, current_app.config[rule.setting])
        if cutoff is None:
            parts.append(f"{rule.name}=kept")
            continue
        total = 0
        while True:
            deleted = services.delete_batch(rule, cutoff, batch=batch)
            db.session.commit()
            total += deleted
            if deleted < batch:
                break
        parts.append(f"{rule.name}={total}")
    click.echo("deleted " + " ".join(parts))
