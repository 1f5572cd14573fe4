"""Run as a child process by test_concurrency: one "worker" writing to the forum.

``python -m tests.search.concurrent_writer <role> <db url> <index dir> <seed> <count>``

Roles: ``reply`` adds replies, ``edit`` edits and moderates existing posts, ``rebuild``
runs a full reindex (a CLI command beside the server). Database-level "locked" errors
(SQLite allows one writer) are retried like a person pressing the button again; any
other exception fails the process, which the test then reports.
"""

from __future__ import annotations

import random
import sys
import time

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from forum import create_app
from forum.extensions import db
from forum.models import Post, Thread, User
from forum.threads import services


def _retrying(action, attempts: int = 20) -> None:
    for attempt in range(attempts):
        try:
            action()
            db.session.commit()
            return
        except OperationalError:
            db.session.rollback()
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError("the database stayed locked")


def reply(rng: random.Random, n: int, tag: str) -> None:
    threads = list(db.session.scalars(select(Thread.id)))
    users = list(db.session.scalars(select(User.id)))

    def act():
        thread = db.session.get(Thread, rng.choice(threads))
        services.add_reply(thread, author=db.session.get(User, rng.choice(users)),
                           body=f"concurrent {tag} reply {n} word{rng.randint(1, 9)}")
    _retrying(act)


def edit(rng: random.Random, n: int, tag: str) -> None:
    posts = list(db.session.scalars(select(Post.id)))

    def act():
        post = db.session.get(Post, rng.choice(posts))
        if n % 3 == 0:
            post.status = rng.choice(["visible", "hidden", "pending", "removed"])
        elif n % 3 == 1:
            services.edit_post(post, editor=post.author, body=f"edited by {tag} {n}")
        else:
            post.thread.title = f"Renamed by {tag} {n}"
    _retrying(act)


def rebuild(app, count: int, rng: random.Random) -> None:
    """Full rebuilds at random moments; one already running elsewhere is waited out."""
    from forum.search.sync import RebuildRunning

    for _ in range(count):
        time.sleep(rng.uniform(0.3, 1.2))
        for _attempt in range(50):
            try:
                app.extensions["forum.search"].rebuild()
                break
            except RebuildRunning:
                time.sleep(0.1)


def main() -> None:
    role, url, index_dir, seed, count = sys.argv[1:6]
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": index_dir,
                                 "SEARCH_WRITER_TIMEOUT": 0.2})
    rng = random.Random(int(seed))
    with app.app_context():
        if role == "rebuild":
            rebuild(app, int(count), rng)
            return
        action = reply if role == "reply" else edit
        for n in range(int(count)):
            action(rng, n, f"{role}{seed}")
            db.session.remove()


if __name__ == "__main__":
    main()
