"""``DataVersion``: a change by anyone else is always seen; the run's own writes are not."""

from __future__ import annotations

from sqlalchemy import create_engine, text, update

from forum.digest.versions import DataVersion, Snapshot
from forum.extensions import db
from forum.models import Category
from tests.helpers import TEST_DB


def test_snapshot_parsing_and_rules():
    earlier = Snapshot.parse("100:105:101,103")
    assert earlier == Snapshot(100, 105, frozenset({101, 103}))
    # Nothing new, nothing finished.
    assert not Snapshot.parse("100:105:101,103").finished_since(earlier, set())
    # 103 was running and has finished: somebody else committed (or rolled back).
    assert Snapshot.parse("101:105:101").finished_since(earlier, set())
    # ... unless 103 was this run's own.
    assert not Snapshot.parse("101:105:101").finished_since(earlier, {103})
    # 105 and 106 started and finished since: ours, or not.
    assert not Snapshot.parse("101:107:101").finished_since(earlier, {103, 105, 106})
    assert Snapshot.parse("101:107:101").finished_since(earlier, {103, 105})
    # Still running is not finished.
    assert not Snapshot.parse("101:107:101,105,106").finished_since(earlier, {103})
    # Far more new transactions than ours and the running ones: a change, at once.
    assert Snapshot.parse("101:100000:").finished_since(earlier, {103})
    assert Snapshot.parse("100:105:").finished_since(Snapshot.parse("100:105:"), set()) is False


def _other_connection_commits(app) -> None:
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE categories SET description = 'changed elsewhere'"))
    engine.dispose()


def test_a_commit_elsewhere_is_seen_and_our_own_writes_are_not(app, world):
    with app.app_context():
        versions = DataVersion()
        assert versions.exact and versions.kind == TEST_DB
        first = versions.now()
        assert versions.unchanged(first, versions.now())

        _other_connection_commits(app)
        second = versions.now()
        assert not versions.unchanged(first, second)
        assert not versions.unchanged_since(first)
        assert versions.unchanged_since(second)

        # This session's own write: SQLite never reports it; PostgreSQL does unless the
        # run noted the transaction as its own (as the ledger does).
        if TEST_DB == "postgresql":
            xid = db.session.execute(text("SELECT pg_current_xact_id()::text")).scalar()
            versions.own(xid)
        db.session.execute(update(Category).values(description="changed here"))
        db.session.commit()
        assert versions.unchanged_since(second)


def test_an_unnoted_own_write_counts_as_a_change_on_postgresql(app, world):
    with app.app_context():
        versions = DataVersion()
        before = versions.now()
        db.session.execute(update(Category).values(description="changed here"))
        db.session.commit()
        # Wrongly "changed" costs one more read; wrongly "unchanged" would be a bug.
        assert versions.unchanged_since(before) is (TEST_DB == "sqlite")


def test_an_in_memory_database_always_counts_as_changed(tmp_path):
    from forum import create_app

    memory = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                    "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                                    "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    with memory.app_context():
        versions = DataVersion()
        assert not versions.exact
        first = versions.now()
        assert not versions.unchanged(first, versions.now())
        assert not versions.unchanged_since(first)
