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

Then the email side (``--emails``, default 10,000; 0 skips it): a thread followed by that
many members who want follow emails at once, one reply, and the real ``send_due`` writes
one notification email each to the durable outbox. ``flask mail flush`` then drains the
outbox in its own process (as cron runs it) into an aiosmtpd sink in another process,
and raw smtplib sends the very same messages (read back from the sink) over one reused
connection to a fresh sink, in the same run. Target: flush rate >= 0.5 of raw smtplib.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scratch import scratch  # noqa: E402


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


# --- the email side ------------------------------------------------------------------------

def queue_emails(app, emails: int) -> int:
    """A thread followed by ``emails`` members who want follow emails at once; one reply;
    ``send_due`` queues their emails (held in the outbox, not delivered). Returns the
    number of outbox rows."""
    from datetime import timedelta

    from sqlalchemy import func, insert, select

    from forum.auth.passwords import hash_password
    from forum.clock import utcnow
    from forum.email import outbox
    from forum.extensions import db
    from forum.models import Category, OutboxEmail, ThreadFollow, User
    from forum.notifications.emails import send_due
    from forum.threads import services

    with app.app_context():
        db.create_all()
        app.extensions["forum.search"].rebuild()
        password = hash_password("bench password for everyone")
        category = Category(name="Mail bench", slug="mail-bench", description="")
        author = User(email="author@example.test", password_hash=password, auto_follow=False)
        author.set_display_name("Thread Author")
        db.session.add_all([category, author])
        db.session.flush()
        thread = services.create_thread(category, author=author, title="Pump site tips",
                                        body="What works for you?")
        now = utcnow()
        db.session.execute(insert(User), [
            {"email": f"reader{n}@example.test", "display_name": f"Reader {n}",
             "display_name_key": f"reader {n}", "password_hash": password,
             "email_confirmed_at": now, "email_follows": "immediately"}
            for n in range(emails)])
        ids = db.session.scalars(select(User.id).where(User.email.like("reader%"))).all()
        db.session.execute(insert(ThreadFollow), [
            {"user_id": user_id, "thread_id": thread.id, "level": "follow"} for user_id in ids])
        services.add_reply(thread, author=author, body="Rotating sites every three days "
                           "and a barrier wipe made the biggest difference for me.")
        db.session.commit()
        with outbox.held():
            summary = send_due(now=utcnow() + timedelta(hours=1))
        queued = db.session.scalar(select(func.count()).select_from(OutboxEmail))
        assert summary.emails == queued == emails, (summary, queued, emails)
        db.session.remove()
        db.engine.dispose()
        return queued


def drain(args, workdir: Path, url: str) -> None:
    """Time ``flask mail flush`` against raw smtplib on the same messages."""
    import subprocess

    from digest import Sink, raw_smtplib

    from forum import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": str(workdir / "index"),
                "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "SERVER_NAME": "forum.example.org",
                "PREFERRED_URL_SCHEME": "https"}
    app = create_app("development", settings)
    print(f"Queueing {args.emails:,} notification emails ({args.db}) ...", flush=True)
    queued = queue_emails(app, args.emails)
    sink = Sink(workdir / "sink-flush.bin")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "FORUM_", "MAIL_", "DIGEST_", "DATABASE_URL"))}
    env.update({"FORUM_ENV": "development", "DATABASE_URL": url,
                "FORUM_INSTANCE_PATH": str(workdir / "instance"),
                "SEARCH_INDEX_DIR": str(workdir / "index"),
                "SERVER_NAME": "forum.example.org", "PREFERRED_URL_SCHEME": "https",
                "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port),
                "MAIL_DEFAULT_SENDER": "Sugar Circle <no-reply@forum.example.org>",
                "RATELIMIT_STORAGE_URI": "memory://", "RUN_PERIODIC_JOBS": "0",
                "PYTHONPATH": str(ROOT)})
    flask = str(Path(sys.executable).with_name("flask"))
    start = time.perf_counter()
    proc = subprocess.run([flask, "--app", "forum", "mail", "flush"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    flush_seconds = time.perf_counter() - start
    sink.stop()
    if proc.returncode != 0:
        raise SystemExit(f"mail flush failed:\n{proc.stdout}\n{proc.stderr}")
    messages = sink.messages()
    assert len(messages) == queued, (len(messages), queued, proc.stdout)
    raw_sink = Sink(workdir / "sink-raw.bin")
    raw_seconds = raw_smtplib(raw_sink.port, messages)
    raw_sink.stop()
    size = sum(len(raw) for _to, raw in messages) / len(messages)
    ours, raw = len(messages) / flush_seconds, len(messages) / raw_seconds
    print()
    print(f"| measure ({args.db}) | value | target |")
    print("|---|---|---|")
    for label, value, target in (
            ("notification emails in the outbox", f"{queued:,}", ""),
            ("average message size", f"{size / 1024:.1f} KiB", ""),
            ("`flask mail flush` (own process)", f"{ours:.0f} msg/s ({flush_seconds:.1f} s)", ""),
            ("raw smtplib, same messages, one connection",
             f"{raw:.0f} msg/s ({raw_seconds:.1f} s)", ""),
            ("ratio flush / raw smtplib", f"{ours / raw:.0%}", ">= 50%")):
        print(f"| {label} | {value} | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed replies per thread")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--emails", type=int, default=10_000,
                        help="notification emails to drain through `flask mail flush` (0: skip)")
    parser.add_argument("--skip-fanout", action="store_true", help="only the email side")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    parts = ([] if args.skip_fanout else [("fanout", run)]) + \
        ([("mail", drain)] if args.emails else [])
    for name, part in parts:
        with scratch(f"notify_{name}", db=args.db, pg_admin=args.pg_admin) as (workdir, url):
            part(args, workdir, url)


if __name__ == "__main__":
    main()
