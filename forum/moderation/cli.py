"""``flask moderation ...``: escalation from cron, the starting phrase list, and the
crisis screener's evaluation on a labelled set."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

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


@moderation_cli.command("screening-eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--misses", is_flag=True, help="Also list the items the screener got wrong.")
@click.option("--shipped-only", is_flag=True,
              help="Use the shipped rules alone, without the admins' local additions.")
def screening_eval_command(path, misses, shipped_only):
    """Run the risk engine over a JSON-lines file of labelled posts
    ({"text", "label": crisis|concern|none, "kind": emotional|medical|null}) and print a
    confusion table; the last line is the summary the targets are checked against.
    The rules are those in force (shipped plus the admins' additions) unless
    --shipped-only."""
    from forum.moderation.screening.custom import active_rules
    from forum.moderation.screening.evaluate import evaluate, read_items

    rules = None
    if not shipped_only:
        try:
            rules = active_rules()
        except SQLAlchemyError:  # a database not migrated yet: there are no additions
            db.session.rollback()
            click.echo("(no screening_rules table: run `flask db upgrade`; using the "
                       "shipped rules)", err=True)
    try:
        result = evaluate(read_items(path), rules)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if misses:
        for item, decision in result.misses:
            click.echo(f"[{item['label']}/{item.get('kind')} -> {decision.decision}/"
                       f"{decision.kind}] {item['text'][:120]}  || {decision.evidence_text}")
        click.echo("")
    for line in result.table():
        click.echo(line)
    click.echo(f"crisis kind right: {result.kinds['right']}, wrong: {result.kinds['wrong']}")
    click.echo(result.summary())
