"""Weekly digest benchmark: compose and deliver 10,000 digests over 100,000 posts.

Builds its own forum in a temporary directory (SQLite by default, or a throwaway
PostgreSQL database with ``--db postgresql``): 100,000 posts in 10,000 threads over
the last four weeks, 8 categories (one members-only, one sensitive), reactions, a few
hidden posts and open flags, and 10,000 confirmed subscribers (70% members, some with
a choice of categories; 30% email-only). An aiosmtpd sink runs in its own process on
loopback and stores what it receives.

Measured:

1. ``flask digest send`` for the latest week, run as a separate process exactly as cron
   would run it: wall time, messages per second and peak RSS (``wait4`` in a small
   launcher, so the figure is the command's own), first with
   2,500 subscribers, then with all 10,000 (to show memory does not grow with them).
2. Raw smtplib sending the very same messages (read back from the sink) over one reused
   connection to the same sink: messages per second. The ratio compares the two.

Run: ``make bench-digest`` (about a minute on SQLite; ``--db postgresql`` uses a
throwaway database on the local server).
"""

from __future__ import annotations

import argparse
import os
import random
import smtplib
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate  # noqa: E402
from scratch import scratch, timed_flask  # noqa: E402
from sqlalchemy import func, insert, select, text, update  # noqa: E402

SINK = textwrap.dedent('''
    import asyncio, struct, sys
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self, path):
            self.out = open(path, "ab", buffering=1024 * 1024)
        async def handle_DATA(self, server, session, envelope):
            data = envelope.original_content or envelope.content
            to = envelope.rcpt_tos[0].encode()
            self.out.write(struct.pack(">II", len(to), len(data)) + to + data)
            return "250 OK"

    handler = Sink(sys.argv[2])
    controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]),
                            data_size_limit=10_000_000)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    controller.stop()
    handler.out.close()
''')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """The aiosmtpd sink in its own process; messages are appended to ``path``."""

    def __init__(self, path: Path):
        self.path, self.port = path, free_port()
        self.proc = subprocess.Popen([sys.executable, "-c", SINK, str(self.port), str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def messages(self) -> list[tuple[str, bytes]]:
        import struct

        data, out, at = self.path.read_bytes(), [], 0
        while at < len(data):
            to_len, size = struct.unpack(">II", data[at:at + 8])
            at += 8
            to = data[at:at + to_len].decode()
            out.append((to, data[at + to_len:at + to_len + size]))
            at += to_len + size
        return out


# --- the forum ------------------------------------------------------------------------------

def build_forum(app, *, posts: int, subscribers: int, seed: int = 5) -> None:
    from forum.extensions import db
    from forum.models import (
        Category,
        DigestSubscription,
        Flag,
        Post,
        Reaction,
        ReviewItem,
        Thread,
        User,
        digest_subscription_categories,
    )

    rng = random.Random(seed)
    threads = max(posts // 10, 1)
    started = time.perf_counter()
    corpus = generate(posts=posts, threads=threads, categories=8, users=2_000, seed=seed)
    print(f"  corpus generated in {time.perf_counter() - started:.1f} s", flush=True)
    now = datetime.now(UTC)
    window = timedelta(days=28).total_seconds()
    opened = {tid: now - timedelta(seconds=rng.uniform(3600, window)) for tid, _c, _t in
              corpus.threads}
    members = int(subscribers * 0.7)
    with app.app_context():
        db.create_all()
        conn = db.session.connection()
        conn.execute(insert(Category), [
            {"id": cid, "slug": f"category-{cid}", "name": f"Category {cid}", "description": "",
             "position": cid, "members_only": cid == 7, "thread_count": 0, "post_count": 0,
             "digest_mode": "sensitive" if cid == 8 else "full"}
            for cid, _name, _mo in corpus.categories])
        authors = 2_000
        conn.execute(insert(User), [
            {"id": uid, "email": f"member{uid}@example.test", "display_name": f"Member {uid}",
             "display_name_key": f"member {uid}", "password_hash": "x", "role": "member",
             "email_confirmed_at": now - timedelta(days=60),
             "created_at": now - timedelta(days=60), "bio": "", "session_version": 1,
             "post_count": 0} for uid in range(1, max(authors, members) + 1)])
        first = {}
        rows, replies = [], {}
        for pid, tid, aid, body, _ts in corpus.posts:
            is_opening = tid not in first
            at = opened[tid] if is_opening else min(
                now - timedelta(minutes=1),
                opened[tid] + timedelta(seconds=rng.expovariate(1 / 86_400)))
            first.setdefault(tid, (aid, at))
            status = "visible" if rng.random() > 0.02 else rng.choice(("hidden", "pending"))
            if not is_opening and status == "visible":
                replies[tid] = replies.get(tid, 0) + 1
            rows.append({"id": pid, "thread_id": tid, "author_id": aid, "body_source": body,
                         "body_html": f"<p>{body}</p>", "body_text": body, "created_at": at,
                         "status": status, "is_opening": is_opening})
        conn.execute(insert(Thread), [
            {"id": tid, "category_id": cid, "author_id": first[tid][0], "title": title,
             "created_at": first[tid][1], "last_post_at": first[tid][1], "post_count": 0,
             "reply_count": replies.get(tid, 0), "is_listed": True, "is_pinned": False,
             "is_locked": rng.random() < 0.01} for tid, cid, title in corpus.threads])
        for start in range(0, len(rows), 5_000):  # after the threads: PostgreSQL checks keys
            conn.execute(insert(Post), rows[start:start + 5_000])
        del rows
        reactions = [{"post_id": rng.randint(1, posts), "user_id": rng.randint(1, authors),
                      "kind": rng.choice(("thanks", "me_too")),
                      "created_at": now - timedelta(seconds=rng.uniform(0, window))}
                     for _ in range(posts // 2)]
        seen, unique = set(), []
        for reaction in reactions:
            key = (reaction["post_id"], reaction["user_id"], reaction["kind"])
            if key not in seen:
                seen.add(key)
                unique.append(reaction)
        conn.execute(insert(Reaction), unique)
        flagged = rng.sample(range(1, posts + 1), posts // 1000)
        for n, post_id in enumerate(flagged, start=1):
            conn.execute(insert(ReviewItem), {"id": n, "post_id": post_id, "category_id": 1,
                                              "source": "flags", "reason": "spam", "priority": 3,
                                              "status": "open", "created_at": now})
            conn.execute(insert(Flag), {"post_id": post_id, "reporter_id": 1, "item_id": n,
                                        "reason": "spam", "message": "", "created_at": now})
        since = now - timedelta(days=60)
        covered = last_period_start(now)  # every subscriber has had the digests before
        subs = []
        for n in range(subscribers):
            member = n < members
            subs.append({"id": n + 1, "user_id": n + 1 if member else None,
                         "email": None if member else f"reader{n}@example.test",
                         "token": uuid.uuid4().hex, "status": "confirmed",
                         "all_categories": not (member and n % 5 == 0),
                         "created_at": since, "subscribed_at": since, "covered_until": covered,
                         "consecutive_failures": 0})
        conn.execute(insert(DigestSubscription), subs)
        conn.execute(insert(digest_subscription_categories), [
            {"subscription_id": s["id"], "category_id": cid} for s in subs
            if not s["all_categories"] for cid in rng.sample(range(1, 9), 3)])
        db.session.commit()
        # Statistics, as autovacuum (PostgreSQL) or a maintained database would have them.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Thread, Post, Reaction, DigestSubscription)}
    print(f"  forum built in {time.perf_counter() - started:.1f} s: {counts}", flush=True)


def last_period_start(now: datetime) -> datetime:
    """The start of the latest week that has ended (the one ``flask digest send`` sends)."""
    from forum.digest.schedule import Schedule, latest_ended_period

    return latest_ended_period(Schedule(), now).start


def set_active_subscribers(app, count: int) -> None:
    """Only the first ``count`` subscribers are confirmed; the ledger is emptied and every
    subscriber has had every digest up to the week being sent."""
    from forum.clock import utcnow
    from forum.extensions import db
    from forum.models import DigestDelivery, DigestSubscription

    with app.app_context():
        db.session.execute(text(f"DELETE FROM {DigestDelivery.__tablename__}"))
        db.session.execute(update(DigestSubscription).values(
            status="confirmed", covered_until=last_period_start(utcnow())))
        db.session.execute(update(DigestSubscription).where(DigestSubscription.id > count)
                           .values(status="unsubscribed"))
        db.session.commit()


def timed_send(env: dict[str, str], workdir: Path) -> tuple[float, str, float]:
    """Run ``flask digest send`` in its own process: (seconds, summary, peak RSS MiB)."""
    return timed_flask(["digest", "send"], env, workdir, ok_codes=(0, 1))


def raw_smtplib(port: int, messages: list[tuple[str, bytes]]) -> float:
    """Send pre-built messages over one reused connection; return seconds."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for to, raw in messages:
            smtp.sendmail("no-reply@forum.example.org", [to], raw)
    return time.perf_counter() - started


def summary_value(line: str, key: str) -> int:
    return int(dict(part.split("=", 1) for part in line.split() if "=" in part)[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (and PostgreSQL database)")
    args = parser.parse_args()
    with scratch("digest", db=args.db, pg_admin=args.pg_admin, keep=args.keep) as (workdir, url):
        run(args, workdir, url)


def run(args, workdir: Path, url: str) -> None:
    from forum import create_app

    print(f"Building a forum: {args.posts:,} posts, {args.subscribers:,} subscribers "
          f"({args.db}) ...", flush=True)
    overrides = {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": str(workdir / "index"),
                 "MAIL_OUTBOX_DIR": str(workdir / "outbox")}
    app = create_app("development", overrides)
    build_forum(app, posts=args.posts, subscribers=args.subscribers)

    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "FORUM_", "MAIL_", "DIGEST_", "DATABASE_URL"))}
    results = {}
    for count in sorted({max(args.subscribers // 4, 1), args.subscribers}):
        set_active_subscribers(app, count)
        sink = Sink(workdir / f"sink-{count}.bin")
        env.update({"FORUM_ENV": "development", "DATABASE_URL": url,
                    "FORUM_INSTANCE_PATH": str(workdir / "instance"),
                    "SERVER_NAME": "forum.example.org", "PREFERRED_URL_SCHEME": "https",
                    "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port),
                    "MAIL_DEFAULT_SENDER": "Sugar Circle <no-reply@forum.example.org>",
                    "RATELIMIT_STORAGE_URI": "memory://", "PYTHONPATH": str(ROOT)})
        print(f"Sending to {count:,} subscribers ...", flush=True)
        elapsed, line, rss = timed_send(env, workdir)
        sink.stop()
        print(f"  {line}  ({elapsed:.1f} s, peak RSS {rss:.0f} MiB)", flush=True)
        results[count] = (elapsed, line, rss, sink)

    elapsed, line, rss, sink = results[args.subscribers]
    messages = sink.messages()
    sent = summary_value(line, "sent")
    assert len(messages) == sent, (len(messages), sent)
    raw_sink = Sink(workdir / "sink-raw.bin")
    raw_seconds = raw_smtplib(raw_sink.port, messages)
    raw_sink.stop()
    size = sum(len(raw) for _to, raw in messages) / max(len(messages), 1)
    ours, raw = sent / elapsed, len(messages) / raw_seconds
    small_count = min(results)
    small_rss = results[small_count][2]

    rows = [
        ("subscribers", f"{args.subscribers:,}", ""),
        ("posts / threads", f"{args.posts:,} / {args.posts // 10:,}", ""),
        ("digests sent / skipped", f"{sent:,} / {summary_value(line, 'skipped_empty'):,}", ""),
        ("average message size", f"{size / 1024:.1f} KiB", ""),
        ("compose + deliver, wall time", f"{elapsed:.1f} s", "<= 60 s"),
        ("digest send rate", f"{ours:.0f} msg/s", ""),
        ("raw smtplib, same messages", f"{raw:.0f} msg/s ({raw_seconds:.1f} s)", ""),
        ("ratio digest / raw smtplib", f"{ours / raw:.0%}", ">= 50%"),
        (f"peak RSS, {small_count:,} subscribers", f"{small_rss:.0f} MiB", ""),
        (f"peak RSS, {args.subscribers:,} subscribers", f"{rss:.0f} MiB",
         "<= 300 MB, flat"),
    ]
    print()
    print(f"| measure ({args.db}) | value | target |")
    print("|---|---|---|")
    for label, value, target in rows:
        print(f"| {label} | {value} | {target} |")


if __name__ == "__main__":
    main()
