""""Download my data" benchmark: export a member who wrote 10,000 posts.

Builds its own forum in a temporary directory (SQLite by default, or a throwaway
PostgreSQL database with ``--db postgresql``): 2,000 members, 100,000 posts in 10,000
threads (``bench/corpus.py``), of which one member wrote 10,000 (400 threads started,
the rest replies spread over the forum), 30% of them edited once and 10% twice (so
about 5,000 earlier versions), plus her reactions, flags, follows, 500 logins, a
digest subscription and consent rows, and other members' reactions and flags on her
posts (which must stay out).

Measured: ``flask exports run`` building her export, run as a separate process exactly
as cron would run it: wall time and peak RSS (``wait4`` in a small launcher, so the
figure is the command's own), against the targets (<= 10 s, <= 200 MB). The ZIP is
then opened and checked: both files there, every post in data.json.

Run: ``make bench-export`` (``--db postgresql`` uses a throwaway database on the local
server).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate  # noqa: E402
from scratch import scratch, timed_flask  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

MEMBER = 1  # the member who exports


def build_forum(app, *, posts: int, theirs: int, seed: int = 12) -> None:
    from forum.extensions import db
    from forum.models import (
        Category,
        CategoryFollow,
        DataExport,
        DigestSubscription,
        Flag,
        LoginEvent,
        Post,
        PostRevision,
        Reaction,
        ResearchConsent,
        ReviewItem,
        Thread,
        ThreadFollow,
        User,
    )

    rng = random.Random(seed)
    started = time.perf_counter()
    corpus = generate(posts=posts, threads=max(posts // 10, 1), categories=8, users=2_000,
                      seed=seed)
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        conn = db.session.connection()
        conn.execute(insert(Category), [
            {"id": cid, "slug": f"category-{cid}", "name": f"Category {cid}", "description": "",
             "position": cid, "members_only": False, "thread_count": 0, "post_count": 0}
            for cid, _name, _mo in corpus.categories])
        conn.execute(insert(User), [
            {"id": uid, "email": f"member{uid}@example.test", "display_name": f"Member {uid}",
             "display_name_key": f"member {uid}", "password_hash": "x", "role": "member",
             "email_confirmed_at": now - timedelta(days=400),
             "created_at": now - timedelta(days=400), "bio": "Type 1, runner.",
             "session_version": 1, "post_count": 0} for uid in range(1, 2_001)])
        # She started one thread in 25 (400 of them); the rest of hers are spread evenly.
        openings = {}
        for pid, tid, *_rest in corpus.posts:
            openings.setdefault(tid, pid)
        post_ids = [pid for pid, *_rest in corpus.posts]
        started_by_her = {pid for tid, pid in openings.items() if tid % 25 == 0}
        started_by_her = set(sorted(started_by_her)[:min(400, theirs)])
        others = [pid for pid in post_ids if pid not in started_by_her]
        mine = started_by_her | set(rng.sample(others, theirs - len(started_by_her)))
        first, rows = {}, []
        for pid, tid, aid, body, _ts in corpus.posts:
            author = MEMBER if pid in mine else (aid if aid != MEMBER else 2)
            first.setdefault(tid, author)
            at = now - timedelta(days=365) + timedelta(seconds=pid * 300)
            status = "visible" if rng.random() > 0.03 else rng.choice(("hidden", "removed"))
            rows.append({"id": pid, "thread_id": tid, "author_id": author, "body_source": body,
                         "body_html": f"<p>{body}</p>", "body_text": body, "created_at": at,
                         "status": status, "is_opening": openings[tid] == pid})
        conn.execute(insert(Thread), [
            {"id": tid, "category_id": cid, "author_id": first[tid], "title": title,
             "created_at": now - timedelta(days=365), "last_post_at": now, "post_count": 10,
             "reply_count": 9, "is_listed": True, "is_pinned": False, "is_locked": False}
            for tid, cid, title in corpus.threads])
        for start in range(0, len(rows), 5_000):
            conn.execute(insert(Post), rows[start:start + 5_000])
        her_posts = [row for row in rows if row["author_id"] == MEMBER]
        revisions = []
        for row in her_posts:
            for version in range(rng.choices((0, 1, 2), weights=(60, 30, 10))[0]):
                revisions.append({"post_id": row["id"], "editor_id": MEMBER,
                                  "body_source": f"Earlier version {version + 1}: "
                                                 f"{row['body_source'][:400]}",
                                  "created_at": row["created_at"] + timedelta(hours=version + 1)})
        for start in range(0, len(revisions), 5_000):
            conn.execute(insert(PostRevision), revisions[start:start + 5_000])
        del rows
        conn.execute(insert(Reaction), [
            {"post_id": pid, "user_id": MEMBER, "kind": "thanks", "created_at": now}
            for pid in rng.sample(post_ids, 2_000)])
        conn.execute(insert(Reaction), [
            {"post_id": row["id"], "user_id": 3, "kind": "me_too", "created_at": now}
            for row in her_posts[:1_000]])
        for n, row in enumerate(her_posts[:50] + [{"id": pid} for pid in post_ids[:50]], 1):
            conn.execute(insert(ReviewItem), {"id": n, "post_id": row["id"], "category_id": 1,
                                              "source": "flags", "reason": "spam",
                                              "priority": 3, "status": "open",
                                              "created_at": now})
            reporter = 4 if n <= 50 else MEMBER  # flags against her, flags by her
            conn.execute(insert(Flag), {"post_id": row["id"], "reporter_id": reporter,
                                        "item_id": n, "reason": "spam",
                                        "message": "looks like an advert", "created_at": now})
        followed = sorted({row["thread_id"] for row in her_posts})
        conn.execute(insert(ThreadFollow), [
            {"user_id": MEMBER, "thread_id": tid, "level": "follow", "created_at": now}
            for tid in followed])
        conn.execute(insert(CategoryFollow), [
            {"user_id": MEMBER, "category_id": cid, "created_at": now} for cid in (1, 2, 3)])
        conn.execute(insert(LoginEvent), [
            {"user_id": MEMBER, "at": now - timedelta(hours=n), "network": "203.0.113.0/24",
             "browser": "Firefox on Linux"} for n in range(500)])
        conn.execute(insert(ResearchConsent), [
            {"user_id": MEMBER, "version": "2026-1", "granted": n % 2 == 0,
             "at": now - timedelta(days=10 - n)} for n in range(3)])
        conn.execute(insert(DigestSubscription), {
            "user_id": MEMBER, "token": "x" * 32, "status": "confirmed", "all_categories": True,
            "created_at": now, "subscribed_at": now, "consecutive_failures": 0})
        conn.execute(insert(DataExport), {"user_id": MEMBER, "status": "pending",
                                          "requested_at": now, "attempts": 0})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        counts = {
            "her posts": db.session.scalar(select(func.count()).select_from(Post)
                                           .where(Post.author_id == MEMBER)),
            "earlier versions": db.session.scalar(select(func.count())
                                                  .select_from(PostRevision)),
            "all posts": db.session.scalar(select(func.count()).select_from(Post)),
        }
    print(f"  forum built in {time.perf_counter() - started:.1f} s: {counts}", flush=True)


def timed_run(env: dict[str, str], workdir: Path) -> tuple[float, str, float]:
    """``flask exports run`` in its own process: (seconds, summary, peak RSS MiB)."""
    return timed_flask(["exports", "run"], env, workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts in the forum")
    parser.add_argument("--theirs", type=int, default=10_000, help="posts by the member")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (and PostgreSQL database)")
    args = parser.parse_args()
    with scratch("export", db=args.db, pg_admin=args.pg_admin, keep=args.keep) as (workdir, url):
        run(args, workdir, url)


def run(args, workdir: Path, url: str) -> None:
    from forum import create_app

    print(f"Building a forum: {args.posts:,} posts, {args.theirs:,} by one member "
          f"({args.db}) ...", flush=True)
    exports = workdir / "exports"
    overrides = {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": str(workdir / "index"),
                 "MAIL_OUTBOX_DIR": str(workdir / "outbox")}
    app = create_app("development", overrides)
    build_forum(app, posts=args.posts, theirs=args.theirs)

    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "FORUM_", "MAIL_", "EXPORT_", "DATABASE_URL"))}
    env.update({"FORUM_ENV": "development", "DATABASE_URL": url,
                "FORUM_INSTANCE_PATH": str(workdir / "instance"), "EXPORT_DIR": str(exports),
                "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
                "SERVER_NAME": "forum.example.org", "PREFERRED_URL_SCHEME": "https",
                "RATELIMIT_STORAGE_URI": "memory://", "PYTHONPATH": str(ROOT)})
    print("Exporting ...", flush=True)
    elapsed, line, rss = timed_run(env, workdir)
    print(f"  {line}  ({elapsed:.1f} s, peak RSS {rss:.0f} MiB)", flush=True)

    (path,) = list(exports.iterdir())
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        sizes = {info.filename: info.file_size for info in archive.infolist()}
        with archive.open("data.json") as raw:
            data = json.load(raw)
    versions = sum(len(post["earlier_versions"]) for post in data["posts"])
    assert names == {"data.json", "index.html"}, names
    assert len(data["posts"]) == args.theirs, len(data["posts"])
    assert len(data["flags_raised"]) == 50 and len(data["login_history"]) == 500
    rows = [
        ("posts by the member / earlier versions", f"{len(data['posts']):,} / {versions:,}", ""),
        ("ZIP size (data.json, index.html unpacked)",
         f"{path.stat().st_size / 1048576:.1f} MiB ({sizes['data.json'] / 1048576:.1f} MiB, "
         f"{sizes['index.html'] / 1048576:.1f} MiB)", ""),
        ("flask exports run, wall time (process start to exit)", f"{elapsed:.1f} s", "<= 10 s"),
        ("peak RSS of that process", f"{rss:.0f} MiB", "<= 200 MB (190.7 MiB)"),
    ]
    print()
    print(f"| measure ({args.db}) | value | target |")
    print("|---|---|---|")
    for label, value, target in rows:
        print(f"| {label} | {value} | {target} |")


if __name__ == "__main__":
    main()
