"""The forum's own CLI commands, run in-process with Flask's CLI runner."""

from __future__ import annotations

from forum import create_app
from forum.extensions import db
from tests.factories import make_category


def test_is_empty_with_tables_but_no_categories(runner):
    result = runner.invoke(args=["is-empty"])
    assert result.exit_code == 0, result.output


def test_is_empty_is_false_once_there_is_a_category(app, runner):
    with app.app_context():
        make_category()
        db.session.commit()
    result = runner.invoke(args=["is-empty"])
    assert result.exit_code == 1, result.output


def test_is_empty_on_a_database_without_tables(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'blank.db'}"})
    result = app.test_cli_runner().invoke(args=["is-empty"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()


def test_commands_are_registered(app):
    assert {"db", "is-empty", "seed-demo"} <= set(app.cli.commands)
