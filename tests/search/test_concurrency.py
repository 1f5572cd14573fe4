"""Several processes write at once (like gunicorn workers plus a CLI command): nothing
fails and nothing is lost. Afterwards the index matches the database exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, SearchOutbox
from tests.factories import make_category, make_thread, make_user

pytestmark = pytest.mark.slow  # six processes

ROOT = Path(__file__).resolve().parents[2]
WORKERS = [("reply", 1, 15), ("reply", 2, 15), ("reply", 3, 15), ("edit", 4, 15),
           ("rebuild", 5, 2), ("rebuild", 6, 1)]


def test_concurrent_writers_in_separate_processes_lose_nothing(app):
    with app.app_context():
        category = make_category()
        people = [make_user() for _ in range(3)]
        for n in range(6):
            make_thread(category=category, author=people[n % 3], title=f"Thread number {n}",
                        body=f"Opening post {n}")
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    index_dir = app.config["SEARCH_INDEX_DIR"]
    children = [subprocess.Popen(
        [sys.executable, "-m", "tests.search.concurrent_writer", role, url, index_dir,
         str(seed), str(count)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for role, seed, count in WORKERS]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (_out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]

    with app.app_context():
        indexer = app.extensions["forum.search"]
        queued = set(db.session.scalars(select(SearchOutbox.post_id)))
        report = indexer.check()
        # Whatever is not in the index yet is waiting in the queue: nothing was lost.
        assert report.problems <= queued, (report.missing, report.stale, report.extra, queued)
        indexer.drain()
        report = indexer.check()
        assert report.ok, (report.missing, report.stale, report.extra)
        assert report.expected == db.session.scalar(
            select(func.count()).select_from(Post).where(Post.status != "deleted_by_author"))
        assert report.expected == 6 + 45
