"""Search benchmark: Whoosh (as the forum uses it) against SQLite FTS5 on the same corpus.

    .venv/bin/python bench/search.py              # 100,000 posts (a few minutes)
    .venv/bin/python bench/search.py --posts 10000

Builds a synthetic forum (bench/corpus.py) in a temporary directory: a SQLite
database with the forum's schema, the forum's search index, and an FTS5 table over the
same posts. Measures the full reindex (the real ``flask search reindex`` code), the
index size, in-process query latency for five kinds of query (each query distinct:
no result cache helps), the latency of posting a reply through the real view
including its index update, and the same queries on FTS5. Prints one table.
Nothing leaves the process: no server, no network.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus as corpus_module  # noqa: E402
import email_validator  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from forum import create_app  # noqa: E402
from forum.auth.passwords import hash_password  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Category, Post, Thread, User  # noqa: E402
from forum.search import visibility  # noqa: E402
from forum.search.query import parse  # noqa: E402
from forum.search.sync import Indexer  # noqa: E402

# The synthetic members use the reserved .test domain, which email-validator refuses
# by default (the test suite does the same).
email_validator.TEST_ENVIRONMENT = True

KINDS = ("common word", "rare word", "two-word AND", "phrase", "category filter")
PASSWORD = "benchmark password 1"
TARGETS = {"query p95": 25.0, "reply p95": 100.0, "reindex": 60.0}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# --- building the forum ----------------------------------------------------------------

def load_database(corpus, users: int) -> None:
    """Bulk-insert the corpus with Core (no session events: the index is built after)."""
    now = datetime.now(UTC)
    password = hash_password(PASSWORD)
    conn = db.session.connection()
    conn.execute(insert(Category), [
        {"id": cid, "slug": f"category-{cid}", "name": name, "description": "", "position": cid,
         "members_only": members_only, "thread_count": 0, "post_count": 0}
        for cid, name, members_only in corpus.categories])
    conn.execute(insert(User), [
        {"id": uid, "email": f"member{uid}@example.test", "display_name": f"Member {uid}",
         "display_name_key": f"member {uid}", "password_hash": password, "role": "member",
         "email_confirmed_at": now, "created_at": now, "bio": "", "session_version": 1,
         "post_count": 0} for uid in range(1, users + 1)])
    first_post = {}
    for _pid, tid, aid, _text, ts in corpus.posts:
        first_post.setdefault(tid, (aid, ts))
    conn.execute(insert(Thread), [
        {"id": tid, "category_id": cid, "author_id": first_post[tid][0], "title": title,
         "created_at": datetime.fromtimestamp(first_post[tid][1], UTC),
         "last_post_at": datetime.fromtimestamp(first_post[tid][1], UTC), "post_count": 0,
         "is_pinned": False, "is_locked": False} for tid, cid, title in corpus.threads])
    batch = []
    for pid, tid, aid, text, ts in corpus.posts:
        batch.append({"id": pid, "thread_id": tid, "author_id": aid, "body_source": text,
                      "body_html": f"<p>{text}</p>", "body_text": text,
                      "created_at": datetime.fromtimestamp(ts, UTC), "status": "visible"})
        if len(batch) == 5_000:
            conn.execute(insert(Post), batch)
            batch = []
    if batch:
        conn.execute(insert(Post), batch)
    db.session.commit()


def build_fts(path: Path, corpus) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE posts USING fts5(title, body, category_id UNINDEXED, "
                 "members_only UNINDEXED, status UNINDEXED, tokenize='porter unicode61')")
    members_only = {cid: int(flag) for cid, _, flag in corpus.categories}
    thread_info = {tid: (cid, title) for tid, cid, title in corpus.threads}
    seen: set[int] = set()
    rows = []
    for pid, tid, _, text, _ in corpus.posts:
        cid, title = thread_info[tid]
        rows.append((pid, "" if tid in seen else title, text, cid, members_only[cid], "visible"))
        seen.add(tid)
    conn.executemany("INSERT INTO posts(rowid, title, body, category_id, members_only, status) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


# --- queries ---------------------------------------------------------------------------

def make_queries(corpus, per_kind: int, rng: random.Random) -> list[tuple[str, str, int | None]]:
    """Distinct ``(kind, text, category id)`` triples, ``per_kind`` of each kind."""
    vocab = corpus.vocabulary
    common = [w for w in vocab[60:260] if len(w) > 3]
    middling = [w for w in vocab[150:900] if len(w) > 3]
    rare_pool = [w for w in corpus.rare_words]
    public = [cid for cid, _, members_only in corpus.categories if not members_only]
    texts = [p[3] for p in rng.sample(corpus.posts, min(len(corpus.posts), 5 * per_kind))]
    kinds = {
        "common word": lambda: rng.choice(common),
        "rare word": lambda: rng.choice(rare_pool),
        "two-word AND": lambda: " ".join(rng.sample(middling, 2)),
        "phrase": lambda: _phrase(rng.choice(texts), rng),
        "category filter": lambda: rng.choice(middling),
    }
    queries, seen = [], set()
    for kind, make in kinds.items():
        made = 0
        while made < per_kind:
            text = make()
            category = rng.choice(public) if kind == "category filter" else None
            if (text, category) in seen or parse(text).is_empty:
                continue
            seen.add((text, category))
            queries.append((kind, text, category))
            made += 1
    return queries


def _phrase(text: str, rng: random.Random) -> str:
    words = re.findall(r"[a-z]{4,}", text.lower())
    start = rng.randrange(max(len(words) - 3, 1))
    return '"' + " ".join(words[start:start + rng.choice((2, 3))]) + '"'


def run_whoosh(indexer: Indexer, queries) -> dict[str, list[float]]:
    """Per-kind latencies (ms) of the index query a visitor's search runs."""
    from whoosh import query as wq

    allow = visibility.search_filter(None)
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for kind, text, category in queries:
        started = time.perf_counter()
        q = parse(text).to_whoosh()
        if category is not None:
            q = wq.And([q, wq.Term("category_id", str(category))])
        indexer.index.search(q, allow=allow, limit=20)
        timings[kind].append((time.perf_counter() - started) * 1000)
    return timings


def fts_query(text: str) -> str:
    """The same words, phrases and synonyms as the Whoosh query, in FTS5 syntax."""
    parsed = parse(text)
    groups = []
    for group in parsed.groups:
        alternatives = [" ".join(tokens) for clause in group for tokens, _ in clause.alternatives()]
        groups.append("(" + " OR ".join(f'"{a}"' for a in alternatives) + ")")
    return " AND ".join(groups)


def run_fts(path: Path, queries, cap: int) -> dict[str, list[float]]:
    conn = sqlite3.connect(path)
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    visible = "status = 'visible' AND members_only = 0"
    for kind, text, category in queries:
        where = visible + (f" AND category_id = {int(category)}" if category else "")
        match = fts_query(text)
        started = time.perf_counter()
        conn.execute(f"SELECT rowid FROM posts WHERE posts MATCH ? AND {where} "
                     "ORDER BY rank LIMIT 20", (match,)).fetchall()
        conn.execute(f"SELECT count(*) FROM (SELECT rowid FROM posts WHERE posts MATCH ? "
                     f"AND {where} LIMIT {cap})", (match,)).fetchone()
        timings[kind].append((time.perf_counter() - started) * 1000)
    conn.close()
    return timings


# --- posting replies -------------------------------------------------------------------

def time_replies(app, indexer: Indexer, count: int, threads: int, rng) -> tuple[list, list]:
    """Latency (ms) of POST /t/<id>/reply through the real view, and of its index part."""
    index_ms: list[float] = []
    original = Indexer.after_commit

    def timed(self, post_ids):
        started = time.perf_counter()
        original(self, post_ids)
        index_ms.append((time.perf_counter() - started) * 1000)

    Indexer.after_commit = timed
    try:
        client = app.test_client()
        response = client.post("/auth/login", data={"email": "member1@example.test",
                                                   "password": PASSWORD})
        assert response.status_code == 302, f"bench login failed: {response.status_code}"
        total_ms = []
        for n in range(count):
            thread_id = rng.randint(1, threads)
            started = time.perf_counter()
            response = client.post(f"/t/{thread_id}/reply",
                                   data={"body": f"Benchmark reply {n}: basal insulin and "
                                                 f"a hypo after cycling, word{n}."})
            total_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 302, response.status_code
    finally:
        Indexer.after_commit = original
    return total_ms, index_ms


# --- the report ------------------------------------------------------------------------

def row(label: str, whoosh: str, fts: str = "", ratio: str = "", note: str = "") -> str:
    return f"| {label:<34} | {whoosh:>14} | {fts:>12} | {ratio:>8} | {note}"


def ms(value: float) -> str:
    return f"{value:,.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50, help="per kind (5 kinds)")
    parser.add_argument("--replies", type=int, default=100)
    parser.add_argument("--procs", type=int, default=None, help="reindex processes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="forum-search-bench-"))
    try:
        report(args, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(args, workdir: Path) -> None:
    rng = random.Random(11)
    threads = max(args.posts // 10, 1)
    print(f"Generating {args.posts:,} posts in {threads:,} threads, 8 categories ...",
          flush=True)
    corpus = corpus_module.generate(posts=args.posts, threads=threads, categories=8)
    words = statistics.mean(len(p[3].split()) for p in corpus.posts[:5000])
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'forum.db'}",
        "SEARCH_INDEX_DIR": str(workdir / "search-index"),
        "SEARCH_REINDEX_PROCS": args.procs or max(1, min(os.cpu_count() or 1, 4)),
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        load_database(corpus, users=2_000)
        indexer: Indexer = app.extensions["forum.search"]
        procs = app.config["SEARCH_REINDEX_PROCS"]
        print(f"Reindexing with {procs} process(es) ...", flush=True)
        rebuild = indexer.rebuild(procs=procs)
        started = time.perf_counter()
        run_whoosh(indexer, [("common word", "insulin", None)])
        cold_ms = (time.perf_counter() - started) * 1000
        queries = make_queries(corpus, args.queries, rng)
        run_whoosh(indexer, queries[:5])  # warm the process (imports, caches of code paths)
        print(f"Running {len(queries)} distinct queries ...", flush=True)
        whoosh = run_whoosh(indexer, queries)
    fts_path = workdir / "fts.db"
    fts_build = build_fts(fts_path, corpus)
    run_fts(fts_path, queries[:5], app.config["SEARCH_MAX_RESULTS"])
    fts = run_fts(fts_path, queries, app.config["SEARCH_MAX_RESULTS"])
    print(f"Posting {args.replies} replies through the view ...", flush=True)
    with app.app_context():
        reply_ms, index_ms = time_replies(app, indexer, args.replies, threads, rng)
        check = indexer.check()
    fts_size = fts_path.stat().st_size

    print()
    print(f"Corpus: {args.posts:,} posts (mean {words:.0f} words), {threads:,} threads, "
          f"8 categories (2 members-only); visitor's view; SQLite; "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}.")
    print(row("measure", "Whoosh", "SQLite FTS5", "W / FTS", "target"))
    print(row("-" * 34, "-" * 14, "-" * 12, "-" * 8, "-" * 6))
    print(row("full reindex", f"{rebuild.seconds:,.1f} s", f"{fts_build:,.1f} s",
              f"{rebuild.seconds / fts_build:,.1f}x", "<= 60 s"))
    print(row("index size", f"{rebuild.size_bytes / 1_048_576:,.0f} MiB",
              f"{fts_size / 1_048_576:,.0f} MiB*", f"{rebuild.size_bytes / fts_size:,.1f}x"))
    every_w = [v for kind in KINDS for v in whoosh[kind]]
    every_f = [v for kind in KINDS for v in fts[kind]]
    for kind in (*KINDS, "all kinds"):
        w = every_w if kind == "all kinds" else whoosh[kind]
        f = every_f if kind == "all kinds" else fts[kind]
        for pct in (50, 95):
            note = "<= 25 ms" if pct == 95 else ""
            print(row(f"query {kind} p{pct} (n={len(w)})", ms(percentile(w, pct)),
                      ms(percentile(f, pct)), f"{percentile(w, pct) / percentile(f, pct):,.1f}x",
                      note))
    print(row("first query (filter sets cold)", ms(cold_ms)))
    for pct in (50, 95):
        print(row(f"reply + index p{pct} (n={len(reply_ms)})", ms(percentile(reply_ms, pct)),
                  note="<= 100 ms" if pct == 95 else ""))
        print(row(f"  of which index update p{pct}", ms(percentile(index_ms, pct))))
    print(row("index vs database after replies", "ok" if check.ok else
              f"{len(check.problems)} off", note=f"queued {check.queued}"))
    print()
    print("* FTS5 size is the whole database file holding only the FTS table (text included).")
    print("  Whoosh queries include the synonym expansion; the FTS5 queries are given the same")
    print("  alternatives. Counts stop at 1,000 on both sides; top 20 by BM25.")


if __name__ == "__main__":
    main()
