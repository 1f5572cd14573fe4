"""``flask search reindex | check [--fix] | sync`` on the seeded demo forum, and recovery
from a missing or corrupted index."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import delete, func, select, update

from forum.extensions import db
from forum.models import Post, Thread
from forum.search.documents import UNINDEXED_STATUSES
from forum.seed import seed_demo
from tests.factories import make_post
from tests.helpers import indexed, result_ids

# Builds the whole demo forum, test after test: `make test` runs it, `make test-fast`
# leaves it out (tests/conftest.py).
pytestmark = pytest.mark.slow


@pytest.fixture
def seeded(app):
    with app.test_request_context():  # seeding may build absolute links
        seed_demo()
        db.session.commit()
        return db.session.scalar(select(func.count()).select_from(Post)
                                 .where(Post.status.not_in(UNINDEXED_STATUSES)))


def current(app):
    with app.app_context():
        return app.extensions["forum.search"].index.current_path()


def test_seeding_through_the_session_builds_the_index(app, seeded):
    assert len(indexed(app)) == seeded


def test_reindex_builds_a_fresh_generation_and_swaps_it_in(app, runner, seeded, client):
    before = current(app)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"Indexed {seeded:,} posts in" in result.output
    after = current(app)
    assert after != before and after.is_dir()
    assert len(indexed(app)) == seeded
    assert result_ids(client.get("/search", query_string={"q": "libre"}))


def test_reindex_if_missing_does_nothing_when_the_index_is_fine(app, runner, seeded):
    before = current(app)
    result = runner.invoke(args=["search", "reindex", "--if-missing"])
    assert result.exit_code == 0 and "nothing to do" in result.output
    assert current(app) == before


def test_changes_during_a_rebuild_are_not_lost_and_search_keeps_working(app, client, seeded):
    seen = {}

    def during(n):
        if seen:
            return
        seen["search"] = result_ids(client.get("/search", query_string={"q": "libre"}))
        with app.app_context():
            thread = db.session.scalar(select(Thread).where(Thread.is_locked.is_(False))
                                       .order_by(Thread.id))
            seen["post"] = make_post(thread, body="Written mid-rebuild: midrebuildword").id
            db.session.commit()

    with app.app_context():
        report = app.extensions["forum.search"].rebuild(progress=during)
    assert seen["search"]  # the old generation answered while the new one was built
    assert report.caught_up >= 1
    assert result_ids(client.get("/search", query_string={"q": "midrebuildword"})) == [seen["post"]]


def test_check_reports_missing_stale_and_extra_and_fix_repairs(app, runner, seeded):
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    with app.app_context():
        ids = list(db.session.scalars(select(Post.id).order_by(Post.id).limit(2)))
        index = app.extensions["forum.search"].index
        with index.writer() as writer:  # the index loses one post and gains a bogus one
            writer.delete_by_term("id", str(ids[0]))
            writer.add_document(id="999999", body="ghost", created=0, digest="x")
        db.session.execute(update(Post).where(Post.id == ids[1])  # bulk: no listener
                           .values(body_text="silently changed"))
        db.session.commit()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"missing: 1  post ids {ids[0]}" in result.output
    assert f"stale: 1  post ids {ids[1]}" in result.output
    assert "extra: 1  post ids 999999" in result.output
    fixed = runner.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert "0 problem(s) left" in fixed.output
    assert "matches the database" in runner.invoke(args=["search", "check"]).output


def test_check_notices_a_deleted_post(app, runner, seeded):
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.is_locked.is_(False)))
        post_id = make_post(thread, body="About to vanish").id
        db.session.commit()
        db.session.execute(delete(Post).where(Post.id == post_id))  # bulk: no listener
        db.session.commit()
    result = runner.invoke(args=["search", "check", "--fix"])
    assert f"extra: 1  post ids {post_id}" in result.output
    assert post_id not in indexed(app)


def test_missing_index_is_rebuilt_on_the_next_search(app, client, seeded):
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    response = client.get("/search", query_string={"q": "libre"})
    assert response.status_code == 200
    assert result_ids(response)
    assert len(indexed(app)) == seeded


def test_corrupted_index_is_rebuilt_not_a_crash(app, client, seeded):
    for toc in current(app).glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x00garbage")
    response = client.get("/search", query_string={"q": "libre"})
    assert response.status_code == 200
    assert result_ids(response)
    assert len(indexed(app)) == seeded


def test_a_write_to_a_corrupted_index_rebuilds_it(app, client, seeded, search_token="fixword"):
    for toc in current(app).glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x00garbage")
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.is_locked.is_(False)))
        post_id = make_post(thread, body=f"After the damage: {search_token}").id
        db.session.commit()
    assert len(indexed(app)) == seeded + 1
    assert result_ids(client.get("/search", query_string={"q": search_token})) == [post_id]


def test_corrupted_segment_is_rebuilt_not_a_crash(app, client, seeded):
    before = current(app)
    damaged = [f for f in before.iterdir() if f.suffix in (".pst", ".trm", ".seg")]
    assert damaged
    for segment_file in damaged:
        segment_file.write_bytes(b"broken" * 10)
    response = client.get("/search", query_string={"q": "libre"})
    assert response.status_code == 200
    assert result_ids(response)
    assert current(app) != before


def test_check_without_an_index(app, runner, seeded):
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    assert runner.invoke(args=["search", "check"]).exit_code == 1
    fixed = runner.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0 and "rebuilt" in fixed.output
    assert len(indexed(app)) == seeded


def test_a_large_missing_index_rebuilds_in_the_background(app, client, seeded):
    app.config["SEARCH_INLINE_REBUILD_MAX"] = 10
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    response = client.get("/search", query_string={"q": "libre"})
    assert response.status_code == 503
    assert "Search is being rebuilt" in response.get_data(as_text=True)
    with app.app_context():
        app.extensions["forum.search"]._background.join(timeout=60)
    assert result_ids(client.get("/search", query_string={"q": "libre"}))


def test_sync_optimize_merges_into_one_segment(app, runner, seeded):
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.is_locked.is_(False)))
        for n in range(3):
            make_post(thread, body=f"segment maker {n}")
            db.session.commit()
    result = runner.invoke(args=["search", "sync", "--optimize"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with app.extensions["forum.search"].index.open().searcher() as searcher:
            assert len(searcher.leaf_searchers()) == 1
    assert len(indexed(app)) == seeded + 3


def test_every_whoosh_writer_has_a_timeout():
    """SECURITY.md 44: Whoosh's default writer fails at once under contention."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "forum" / "search"
    for source in package.glob("*.py"):
        for call in re.findall(r"\.writer\((.*?)\)", source.read_text(), flags=re.S):
            assert "timeout" in call, f"{source.name}: writer({call}) has no timeout"
