"""Registers the forum's own Flask CLI commands (``flask db`` comes from Flask-Migrate).

The demo-data commands import ``forum.seed`` only when they run, so creating the app
(in every web worker) never loads the seed code or its data file.
"""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, with_appcontext
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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the forum for development (what `make run` starts), running the periodic
    jobs in the background when RUN_PERIODIC_JOBS is on (development's default)."""
    from werkzeug.serving import run_simple

    from forum.jobs import PERIODIC_JOBS, Scheduler
    from forum.urls import record_served_address

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    # Emailed links (from here, from the jobs below, and from cron or another terminal
    # without HOST and PORT) point at the address served, whatever the environment said.
    record_served_address(app, host, port)
    if app.config["RUN_PERIODIC_JOBS"]:
        Scheduler().start()
        click.echo(" * Periodic jobs every minute or so: "
                   + ", ".join(job.name for job in PERIODIC_JOBS))
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def init_app(app) -> None:
    app.cli.add_command(serve_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_logins_command)
    app.cli.add_command(is_empty_command)
