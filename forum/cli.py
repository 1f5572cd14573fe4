"""Registers the forum's own Flask CLI commands (``flask db`` comes from Flask-Migrate)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import inspect

from forum.extensions import db


@click.command("is-empty")
@with_appcontext
def is_empty_command():
    """Exit 0 if the database has no categories yet (used by `make run` before seeding)."""
    from forum.models import Category

    if not inspect(db.engine).has_table("categories"):
        raise SystemExit(0)
    raise SystemExit(0 if db.session.query(Category.id).first() is None else 1)


def init_app(app) -> None:
    from forum.seed import demo_logins_command, seed_demo_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(is_empty_command)
