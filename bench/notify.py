"""Notification fan-out benchmark: what 1,000 followers add to a reply request.

    .venv/bin/python bench/notify.py                   # SQLite, 200 replies per thread
    .venv/bin/python bench/notify.py --db postgresql   # a temporary PostgreSQL database
    .venv/bin/python bench/notify.py --runs 500 --followers 1000

Builds a forum with two threads in one category: one nobody follows, one followed by
``--followers`` members (each reply there writes that many notifications, in one
``INSERT … SELECT``). Then one member replies through the real view (``POST
/t/<id>/reply`` on the test client: screening, the write, counters, the search outbox,
the commit and the after-commit search write), alternating between the two threads so
both see the same machine load, and the table compares the two. The target: the
followed thread's p95 is at most 20 ms above the unfollowed one's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def build(app, followers: int) -> tuple[int, int, str]:
    """(quiet thread id, followed thread id, the replier's session id)."""
    from sqlalchemy import insert, select

    from forum.auth.passwords import hash_password
    from forum.extensions import db
    from forum.models import Category, ThreadFollow, User
    from forum.threads import services

    with app.app_context():
        db.create_all()
        app.extensions["forum.search"].rebuild()
        password = hash_password("bench password for everyone")
        category = Category(name="Bench", slug="bench", description="")
        db.session.add(category)
        starter = User(email="starter@example.test", password_hash=password,
                       auto_follow=False)
        starter.set_display_name("Thread Starter")
        replier = User(email="replier@example.test", password_hash=password,
                       auto_follow=False)
        replier.set_display_name("Busy Replier")
        db.session.add_all([starter, replier])
        db.session.flush()
        for user in (starter, replier):
            user.email_confirmed_at = user.created_at
        quiet = services.create_thread(category, author=starter, title="Nobody follows this",
                                       body="Opening words.")
        followed = services.create_thread(category, author=starter, title="Everyone follows",
                                          body="Opening words.")
        db.session.execute(insert(User), [
            {"email": f"follower{n}@example.test", "display_name": f"Follower {n}",
             "display_name_key": f"follower {n}", "password_hash": password}
            for n in range(followers)])
        ids = db.session.scalars(select(User.id).where(User.email.like("follower%"))).all()
        db.session.execute(insert(ThreadFollow), [
            {"user_id": user_id, "thread_id": followed.id, "level": "follow"} for user_id in ids])
        db.session.commit()
        return quiet.id, followed.id, replier.get_id()


def run(args, workdir: Path, url: str) -> None:
    from forum import create_app
    from forum.extensions import db
    from forum.models import Notification

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url,
                                 "SEARCH_INDEX_DIR": str(workdir / "index"),
                                 "MAIL_OUTBOX_DIR": str(workdir / "outbox")})
    print(f"Building: {args.followers:,} followers ({args.db}) ...", flush=True)
    quiet, followed, session_id = build(app, args.followers)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
        session["login_at"] = int(time.time())
    samples: dict[int, list[float]] = {quiet: [], followed: []}
    for n in range(args.warmup + args.runs):
        for thread_id in (quiet, followed) if n % 2 else (followed, quiet):
            start = time.perf_counter()
            response = client.post(f"/t/{thread_id}/reply", data={"body": f"Reply {n}."})
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 302, response.status_code
            if n >= args.warmup:
                samples[thread_id].append(elapsed)
    with app.app_context():
        told = db.session.query(Notification).count()
        db.session.remove()
        db.engine.dispose()
    expected = (args.warmup + args.runs) * args.followers
    assert told == expected, (told, expected)

    print(f"{'thread':>20} {'runs':>6} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8}")
    for label, thread_id in (("0 followers", quiet), (f"{args.followers:,} followers", followed)):
        s = samples[thread_id]
        print(f"{label:>20} {len(s):>6} {statistics.mean(s):>8.2f} {percentile(s, 0.50):>8.2f} "
              f"{percentile(s, 0.95):>8.2f} {percentile(s, 0.99):>8.2f} {max(s):>8.2f}")
    added = percentile(samples[followed], 0.95) - percentile(samples[quiet], 0.95)
    print(f"{'added p95':>20} {'':>6} {'':>8} {'':>8} {added:>8.2f}   (target <= 20 ms)")
    print(f"notifications written: {told:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed replies per thread")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="forum-notify-bench-"))
    pg_name = None
    try:
        if args.db == "postgresql":
            import psycopg

            pg_name = f"forum_notify_bench_{os.getpid()}"
            with psycopg.connect(args.pg_admin, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{pg_name}"')
            base = args.pg_admin.rsplit("/", 1)[0].replace("postgresql://",
                                                           "postgresql+psycopg://")
            url = f"{base}/{pg_name}"
        else:
            url = f"sqlite:///{workdir / 'forum.db'}"
        run(args, workdir, url)
    finally:
        if pg_name:
            import psycopg

            with psycopg.connect(args.pg_admin, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
