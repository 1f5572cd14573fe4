"""The status and role vocabularies (forum.models.vocab) and the CHECK constraints made
from them.

Alembic's autogenerate (tests/test_migrations.py) does not compare CHECK constraints,
so these tests check them: each constraint allows exactly its enum's values, the
migrated database holds the very same constraint text, and the database refuses a
value outside the enum.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import CheckConstraint, create_engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from forum import create_app
from forum.extensions import db
from forum.models import (
    DELIVERY_STATUSES,
    FLAG_REASONS,
    PHRASE_ACTIONS,
    PHRASE_CATEGORIES,
    POST_STATUSES,
    REACTION_KINDS,
    ROLES,
    SUBSCRIPTION_STATUSES,
    AdviceNudgeKind,
    DeletionPosts,
    DeliveryStatus,
    ExportStatus,
    FlagReason,
    FollowLevel,
    NotificationKind,
    OutboxStatus,
    PhraseAction,
    PhraseCategory,
    PostStatus,
    ReactionKind,
    ReviewStatus,
    Role,
    SubscriptionStatus,
)
from forum.models.moderation import PHRASE_CATEGORY_REASON
from forum.models.vocab import check_in, in_list_sql, labelled
from tests.helpers import TEST_DB, fresh_postgresql_database

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")

# (table, column) -> the enum whose values the column's CHECK constraint allows.
CHECKED = {
    ("users", "role"): Role,
    ("posts", "status"): PostStatus,
    ("reactions", "kind"): ReactionKind,
    ("review_items", "status"): ReviewStatus,
    ("watched_phrases", "action"): PhraseAction,
    ("digest_subscriptions", "status"): SubscriptionStatus,
    ("digest_deliveries", "status"): DeliveryStatus,
    ("email_outbox", "status"): OutboxStatus,
    ("advice_nudges", "kind"): AdviceNudgeKind,
    ("thread_follows", "level"): FollowLevel,
    ("notifications", "kind"): NotificationKind,
    ("data_exports", "status"): ExportStatus,
    ("users", "deletion_posts"): DeletionPosts,
}
CASES = [pytest.param(table, column, enum, id=f"{table}.{column}")
         for (table, column), enum in CHECKED.items()]

IN_LIST = re.compile(r"(\w+) IN \((.*)\)")
QUOTED = re.compile(r"'((?:[^']|'')*)'")


def allowed_values(sql: str, column: str) -> list[str]:
    """The values of ``column IN ('a', 'b', ...)``, in order."""
    match = IN_LIST.fullmatch(sql)
    assert match, sql
    assert match.group(1) == column
    return [value.replace("''", "'") for value in QUOTED.findall(match.group(2))]


def model_checks() -> dict[tuple[str, str], str]:
    """(table, constraint name) -> SQL text of every CHECK constraint in the models."""
    return {
        (table.name, constraint.name): str(constraint.sqltext)
        for table in db.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }


# --- the models ------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "column", "enum"), CASES)
def test_the_models_constraint_allows_exactly_the_enums_values(table, column, enum):
    sql = model_checks()[(table, f"ck_{table}_{column}")]
    assert sql == in_list_sql(column, enum)
    assert allowed_values(sql, column) == [member.value for member in enum]


def test_every_in_list_constraint_comes_from_an_enum():
    """A new hand-written ``col IN (...)`` constraint is noticed: add it to CHECKED."""
    in_lists = {key for key, sql in model_checks().items() if IN_LIST.fullmatch(sql)}
    assert in_lists == {(table, f"ck_{table}_{column}") for table, column in CHECKED}


def test_check_in_renders_the_sql_the_migrations_wrote():
    assert in_list_sql("role", Role) == "role IN ('member', 'moderator', 'admin')"
    assert in_list_sql("status", DeliveryStatus) == (
        "status IN ('queued', 'sending', 'sent', 'skipped', 'deferred', 'failed', 'cancelled')")
    constraint = check_in("kind", ReactionKind)
    assert (constraint.name, str(constraint.sqltext)) == ("kind", "kind IN ('thanks', 'me_too')")
    assert check_in("kind", ReactionKind, name="other").name == "other"


def test_quotes_in_a_value_are_escaped():
    class Odd(StrEnum):
        QUOTE = "it's"

    assert in_list_sql("x", Odd) == "x IN ('it''s')"


# --- the old public names ----------------------------------------------------------------

@pytest.mark.parametrize(("old", "enum"), [
    (ROLES, Role),
    (POST_STATUSES, PostStatus),
    (PHRASE_ACTIONS, PhraseAction),
    (SUBSCRIPTION_STATUSES, SubscriptionStatus),
    (DELIVERY_STATUSES, DeliveryStatus),
    (REACTION_KINDS, ReactionKind),
    (FLAG_REASONS, FlagReason),
    (PHRASE_CATEGORIES, PhraseCategory),
    (PHRASE_CATEGORY_REASON, PhraseCategory),
])
def test_old_names_list_the_enums_values_in_order(old, enum):
    assert list(old) == list(enum)
    assert [str(value) for value in old] == [member.value for member in enum]


def test_members_work_as_plain_strings():
    assert POST_STATUSES[0] == "visible" and "deleted_by_author" in POST_STATUSES
    assert FLAG_REASONS["risk_of_harm"][1] == 0  # a plain string finds a member key
    assert PHRASE_CATEGORY_REASON["crisis"] == "risk_of_harm"
    assert REACTION_KINDS["me_too"] == "Me too"
    assert f"{Role.ADMIN}" == str(Role.ADMIN) == "admin"
    assert dict(PHRASE_CATEGORIES)["spam"] == "Spam"
    assert all(reason in FLAG_REASONS for reason in PHRASE_CATEGORY_REASON.values())


def test_labelled_refuses_labels_that_do_not_match_the_enum():
    with pytest.raises(ValueError, match="missing"):
        labelled(ReactionKind, {"thanks": "Thanks"})
    with pytest.raises(ValueError, match="unknown"):
        labelled(ReactionKind, {"thanks": "Thanks", "me_too": "Me too", "hugs": "Hugs"})
    # Given in any order, the keys come back in the enum's order.
    assert list(labelled(ReactionKind, {"me_too": 2, "thanks": 1})) == list(ReactionKind)


# --- the migrated database ---------------------------------------------------------------

def migrated_database(url: str, tmp_path) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url,
                                 "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory):
    """An engine on a fresh SQLite database built by the migrations (not by the models)."""
    tmp_path = tmp_path_factory.mktemp("vocab")
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    migrated_database(url, tmp_path)
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.mark.slow  # migrations
@pytest.mark.parametrize(("table", "column", "enum"), CASES)
def test_the_migrated_sqlite_constraint_is_the_models_text(sqlite_engine, table, column, enum):
    reflected = {c["name"]: c["sqltext"]
                 for c in inspect(sqlite_engine).get_check_constraints(table)}
    name = f"ck_{table}_{column}"
    assert reflected[name] == model_checks()[(table, name)] == in_list_sql(column, enum)


@pytest.mark.slow  # migrations
def test_the_migrated_sqlite_database_has_the_models_check_constraints(sqlite_engine):
    inspector = inspect(sqlite_engine)
    reflected = {(table, c["name"]): c["sqltext"]
                 for table in inspector.get_table_names()
                 for c in inspector.get_check_constraints(table)}
    assert reflected == model_checks()


def _row(table, **values) -> dict:
    """Values for every NOT NULL column without a default (foreign keys are not checked)."""
    dummies = {int: 1, str: "x", bytes: b"x", bool: False,
               datetime: datetime(2026, 1, 1, tzinfo=UTC), date: date(2026, 1, 1)}
    row = {}
    for col in table.columns:
        if col.primary_key or col.nullable or col.name in values:
            continue
        type_ = col.type.impl if isinstance(col.type, TypeDecorator) else col.type
        row[col.name] = dummies[type_.python_type]
    return row | values


# Columns a row needs beyond NOT NULL ones (digest_subscriptions: one owner; users: a
# valid value for each of its two checked columns).
EXTRA = {"digest_subscriptions": {"email": "someone@example.test"},
         "users": {"role": "member", "deletion_posts": "remove"}}


@pytest.mark.slow  # migrations
@pytest.mark.parametrize(("table", "column", "enum"), CASES)
def test_the_sqlite_database_refuses_a_value_outside_the_enum(sqlite_engine, table, column,
                                                              enum):
    model = db.metadata.tables[table]
    with sqlite_engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        with pytest.raises(IntegrityError, match=f"CHECK constraint failed: ck_{table}_{column}"):
            conn.execute(model.insert().values(_row(model, **(EXTRA.get(table, {}) |
                                                           {column: "not_in_the_enum"}))))
        conn.rollback()
        for member in enum:  # control: every value of the enum is accepted
            conn.execute(model.insert().values(_row(model, **(EXTRA.get(table, {}) |
                                                           {column: member}))))
            conn.rollback()


@pytest.mark.slow  # migrations
@pytest.mark.skipif(TEST_DB != "postgresql",
                    reason="PostgreSQL runs only with FORUM_TEST_DB=postgresql")
def test_the_migrated_postgresql_constraints_allow_exactly_the_enums_values(tmp_path):
    with fresh_postgresql_database("forum_vocab") as url:
        migrated_database(url, tmp_path)
        engine = create_engine(url)
        try:
            inspector = inspect(engine)
            for (table, column), enum in CHECKED.items():
                reflected = {c["name"]: c["sqltext"]
                             for c in inspector.get_check_constraints(table)}
                # e.g. status::text = ANY (ARRAY['open'::character varying, ...]::text[])
                # (older servers add parentheses)
                sql = reflected[f"ck_{table}_{column}"]
                assert re.match(rf"\(*{column}\)?::text = ANY \(", sql), sql
                assert re.findall(r"'([^']*)'::", sql) == [m.value for m in enum], sql
        finally:
            engine.dispose()
