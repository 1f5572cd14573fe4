"""Registers the forum's own Flask CLI commands (``flask db`` comes from Flask-Migrate).

The demo-data commands import ``forum.seed`` only when they run, so creating the app
(in every web worker) never loads the seed code or its data file.
"""

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


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Add demo categories, members and conversations (safe to run more than once)."""
    from forum.seed import SeedDataError, run_seed_demo

    try:
        run_seed_demo()
    except SeedDataError as error:  # a broken demo.toml: say where, without a traceback
        raise click.ClickException(str(error)) from None


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the demo accounts that exist in this database (used by `make run`)."""
    from forum.seed import SeedDataError, print_demo_logins

    try:
        print_demo_logins()
    except SeedDataError as error:
        raise click.ClickException(str(error)) from None


def init_app(app) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(is_empty_command)
