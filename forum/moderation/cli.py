"""``flask moderation ...``: escalation from cron, and the starting phrase list."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from forum.extensions import db

moderation_cli = AppGroup("moderation", help="Moderation safety net.")


@moderation_cli.command("escalate")
def escalate_command():
    """Alert all admins about crisis items nobody claimed in time.

    Idempotent (each item escalates once) and safe to run from cron every minute.
    """
    from forum.moderation.alerts import escalate_unclaimed

    items = escalate_unclaimed()
    db.session.commit()  # the alert emails go out after this commit
    click.echo(f"escalated={len(items)}")


@moderation_cli.command("install-phrases")
def install_phrases_command():
    """Add the shipped starting list of watched phrases (existing ones are kept)."""
    from forum.moderation.phrases import install_default_phrases

    added = install_default_phrases()
    db.session.commit()
    click.echo(f"added={added}")
