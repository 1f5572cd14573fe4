"""Tests for forum.seed: the demo content is complete, consistent and idempotent, its
data file is checked on load, and the app never imports it.

Self-contained (a local fixture, no conftest), so it runs with ``--noconftest``.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

# Runs without any conftest or pytest config (--noconftest), so make the project importable.
REPO_ROOT = str(Path(__file__).resolve().parents[1])
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from forum import create_app  # noqa: E402
from forum.auth.passwords import verify_password  # noqa: E402
from forum.cli import seed_demo_command  # noqa: E402
from forum.clock import utcnow  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import (  # noqa: E402
    Category,
    CategoryModerator,
    Flag,
    ModeratorTraining,
    Post,
    Reaction,
    ReviewItem,
    Thread,
    User,
    WatchedPhrase,
)
from forum.permissions import can_moderate, has_current_training  # noqa: E402
from forum.seed import demo_content, demo_logins, seed_demo  # noqa: E402
from forum.seed.content import DEMO_FILE, SeedDataError, load_content  # noqa: E402

# Builds the whole demo forum, test after test: `make test` runs it, `make test-fast`
# leaves it out (tests/conftest.py).
pytestmark = pytest.mark.slow

DEMO = demo_content()
CATEGORIES, THREADS, HELD_REPLIES = DEMO.categories, DEMO.threads, DEMO.held_replies
DEMO_PASSWORD, MODERATOR, LAPSED_MODERATOR = DEMO.password, DEMO.moderator, DEMO.lapsed_moderator

MODELS = (Category, User, Thread, Post, Reaction, ModeratorTraining, CategoryModerator,
          WatchedPhrase, Flag, ReviewItem)


@pytest.fixture()
def app(tmp_path):
    # The seed's crisis item alerts the on-duty moderator: keep that email out of instance/.
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                 "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture()
def seeded(app):
    created = seed_demo()
    db.session.commit()
    db.session.expire_all()
    return created


def _row_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in MODELS
    }


def _visible_posts(**filters) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Post).filter_by(status="visible", **filters)
    )


def test_seed_creates_the_demo_forum(seeded):
    threads = db.session.scalars(select(Thread)).all()
    assert seeded["categories"] == 8
    assert seeded["users"] == 9
    assert seeded["threads"] == len(threads) == len(THREADS) >= 32
    assert seeded["posts"] == db.session.scalar(select(func.count()).select_from(Post))
    assert seeded["reactions"] == db.session.scalar(select(func.count()).select_from(Reaction))
    assert seeded["reactions"] > 0
    assert seeded["review_items"] == db.session.scalar(
        select(func.count()).select_from(ReviewItem)) >= 3

    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    assert [c.slug for c in categories] == [c.slug for c in CATEGORIES]
    assert [c.slug for c in categories if c.members_only] == ["feelings"]
    per_category = Counter(thread.category.slug for thread in threads)
    assert min(per_category[c.slug] for c in categories) >= 3
    assert sum(1 for thread in threads if thread.post_count == 1) >= 4
    assert any(thread.post_count >= 9 for thread in threads)


def test_counters_match_the_posts(seeded):
    threads = db.session.scalars(select(Thread)).all()
    for thread in threads:
        assert thread.post_count == _visible_posts(thread_id=thread.id), thread.title
        assert thread.reply_count == _visible_posts(thread_id=thread.id, is_opening=False)
        # Held posts (awaiting review) count nowhere, and do not bump the thread.
        newest = max(post.created_at for post in thread.posts if post.status == "visible")
        assert thread.last_post_at == newest, thread.title
        assert thread.posts[0].author_id == thread.author_id
        assert thread.posts[0].created_at == thread.created_at
        assert thread.posts[0].is_opening and thread.is_listed

    for category in db.session.scalars(select(Category)):
        mine = [thread for thread in threads if thread.category_id == category.id]
        assert category.thread_count == len(mine)
        assert category.post_count == sum(thread.post_count for thread in mine)
        assert category.last_post_at == max(thread.last_post_at for thread in mine)

    for user in db.session.scalars(select(User)):
        assert user.post_count == _visible_posts(author_id=user.id), user.email
        # Sam, the lapsed moderator, is there for the admin pages and has not posted.
        assert user.post_count > 0 or user.email == LAPSED_MODERATOR, user.email


def test_times_spread_over_the_last_four_weeks(seeded):
    now = utcnow()
    created = [thread.created_at for thread in db.session.scalars(select(Thread))]
    assert all(moment.tzinfo is not None for moment in created)
    assert max(created) - min(created) > timedelta(days=14)
    assert min(created) >= now - timedelta(days=28)
    assert sum(1 for moment in created if moment >= now - timedelta(days=7)) >= 5
    assert sum(1 for moment in created if now - timedelta(days=14) <= moment
               < now - timedelta(days=7)) >= 5
    for post in db.session.scalars(select(Post)):
        assert post.thread.created_at <= post.created_at <= now
        assert post.author.created_at < post.created_at
    for reaction in db.session.scalars(select(Reaction)):
        assert reaction.created_at <= now


def test_flags_users_and_reactions(seeded):
    threads = db.session.scalars(select(Thread)).all()
    pinned = [thread for thread in threads if thread.is_pinned]
    assert [thread.title for thread in pinned] == [
        "Welcome! Start here — how this community works"
    ]
    assert pinned[0].category.slug == "newly-diagnosed"
    assert pinned[0].author.role == "moderator"
    locked = [thread for thread in threads if thread.is_locked]
    assert len(locked) >= 1 and all(thread.author.role == "admin" for thread in locked)

    own = db.session.scalar(
        select(func.count()).select_from(Reaction).join(Post, Reaction.post_id == Post.id)
        .where(Reaction.user_id == Post.author_id)
    )
    assert own == 0

    users = db.session.scalars(select(User)).all()
    assert Counter(user.role for user in users) == {"admin": 1, "moderator": 2, "member": 6}
    for user in users:
        assert user.is_confirmed
        assert user.created_at.tzinfo == UTC
        assert verify_password(user.password_hash, DEMO_PASSWORD)
    by_email = {user.email: user for user in users}
    assert by_email["admin@example.org"].display_name == "Hannah (staff)"
    assert by_email["moderator@example.org"].display_name == "Priya (moderator)"
    assert {email for _, email, _ in demo_logins()} == set(by_email)


def test_seed_is_idempotent(seeded):
    before = _row_counts()
    counters = {
        thread.id: (thread.post_count, thread.last_post_at)
        for thread in db.session.scalars(select(Thread))
    }
    again = seed_demo()
    db.session.commit()
    db.session.expire_all()
    assert again == {"categories": 0, "users": 0, "threads": 0, "posts": 0, "reactions": 0,
                     "review_items": 0}
    assert _row_counts() == before
    assert {
        thread.id: (thread.post_count, thread.last_post_at)
        for thread in db.session.scalars(select(Thread))
    } == counters


def test_seed_skips_what_already_exists(app):
    category = Category(slug="type-1", name="T1 (renamed by admins)", description="")
    db.session.add(category)
    db.session.commit()

    created = seed_demo()
    db.session.commit()

    assert created["categories"] == 7
    assert db.session.get(Category, category.id).name == "T1 (renamed by admins)"
    assert db.session.scalar(select(func.count()).select_from(Category)) == 8


def test_cli_command_seeds_and_prints_logins(app):
    result = app.test_cli_runner().invoke(seed_demo_command)
    assert result.exit_code == 0, result.output
    assert "Demo content created: 8 categories, 9 users" in result.output
    assert "moderator@example.org" in result.output
    assert DEMO_PASSWORD in result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Thread)) == len(THREADS)

    again = app.test_cli_runner().invoke(seed_demo_command)
    assert again.exit_code == 0, again.output
    assert "nothing was added" in again.output


def test_moderation_demo_data(seeded):
    """One trained moderator leading every category, one whose training lapsed, the default
    watched phrases and open review items (flags and held posts) for the queue."""
    users = {user.email: user for user in db.session.scalars(select(User))}
    priya, sam = users[MODERATOR], users[LAPSED_MODERATOR]
    assert has_current_training(priya) and not has_current_training(sam)
    assert db.session.scalar(select(func.count()).select_from(ModeratorTraining)
                             .where(ModeratorTraining.user_id == sam.id)) == 1
    for category in db.session.scalars(select(Category)):
        assert can_moderate(priya, category)
        assert not can_moderate(sam, category)  # he still leads two, but without training
    assert db.session.scalar(select(func.count()).select_from(CategoryModerator)
                             .where(CategoryModerator.user_id == sam.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(WatchedPhrase)) > 0

    items = db.session.scalars(select(ReviewItem)).all()
    assert all(item.status == "open" for item in items)
    assert {item.source for item in items} == {"flags", "pre_moderation", "watched_phrase"}
    assert len([item for item in items if item.is_crisis]) == 1
    flagged = next(item for item in items if item.source == "flags")
    assert len(flagged.flags) == 2 and flagged.post.status == "visible"
    held = [item.post for item in items if item.source != "flags"]
    assert sorted(post.body_source for post in held) == sorted(held.body for held in HELD_REPLIES)
    assert all(post.status == "pending" and not post.is_opening for post in held)


# --- the data file --------------------------------------------------------------------

# The smallest file the loader accepts: every section, one of most things.
MINIMAL = """
password = "pw"
admin = "admin@example.org"
moderator = "mod@example.org"
lapsed_moderator = "mod@example.org"

[[categories]]
slug = "type-1"
name = "Type 1"
description = "Life with type 1."

[[users]]
email = "admin@example.org"
display_name = "Admin"
role = "admin"
joined_days_ago = 10

[[users]]
email = "mod@example.org"
display_name = "Mod"
role = "moderator"
joined_days_ago = 10

[[users]]
email = "liz@example.org"
display_name = "Liz"
role = "member"
joined_days_ago = 9
bio = "Hello."

[[threads]]
category = "type-1"
author = "liz@example.org"
title = "Hello   there"
days_ago = 2.5
body = "First post."
reactions = [{ post = 1, user = "liz@example.org", kind = "thanks" }]

[[threads.replies]]
author = "mod@example.org"
hours_after = 1
body = "Welcome!"

[[trainings]]
user = "mod@example.org"
course = "Course"
completed_days_ago = 5
valid_days = 365
trainer = "Trainer"

[[category_leads]]
user = "mod@example.org"
categories = ["type-1"]

[[flags]]
thread = "Hello there"
reply = 1
reporter = "liz@example.org"
reason = "spam"

[[held_replies]]
thread = "Hello there"
author = "liz@example.org"
body = "Held."

[digest]
members = [{ user = "liz@example.org", categories = ["type-1"] }, { user = "mod@example.org" }]
email_only = []
pending = "reader@example.org"
sensitive_category = "type-1"
featured_thread = "Hello there"
"""


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_data_file_is_in_the_package_and_loads():
    assert DEMO_FILE == Path(REPO_ROOT, "forum", "seed", "demo.toml")
    assert load_content() == DEMO
    assert len(DEMO.users) == 9 and len(DEMO.threads) >= 32


def test_a_minimal_data_file_loads_with_defaults(tmp_path):
    content = load_content(_write(tmp_path, MINIMAL))
    assert [user.email for user in content.users] == [
        "admin@example.org", "mod@example.org", "liz@example.org"]
    assert content.users[0].bio == "" and content.users[2].bio == "Hello."
    assert not content.categories[0].members_only
    thread = content.threads[0]
    assert thread.title == "Hello there"  # whitespace collapsed, as the forum stores it
    assert not thread.pinned and not thread.locked
    assert thread.replies[0].author == "mod@example.org"
    assert content.flags[0].message == ""
    assert [member.categories for member in content.digest.members] == [("type-1",), None]


@pytest.mark.parametrize(("old", "new", "problem"), [
    # missing and unknown keys
    ('days_ago = 2.5\n', "", "threads[0]: missing key 'days_ago'"),
    ("[digest]\n", "[digest]\ncolour = 1\n", "digest: unknown key 'colour'"),
    ('reason = "spam"', 'reason = "spam"\nreasons = "spam"', "flags[0]: unknown key 'reasons'"),
    ('password = "pw"\n', "", "missing key 'password'"),
    # wrong types
    ("joined_days_ago = 9", 'joined_days_ago = "9"',
     "users[2].joined_days_ago: expected an integer, got str '9'"),
    ("hours_after = 1", "hours_after = true",
     "threads[0].replies[0].hours_after: expected a number, got bool True"),
    ('categories = ["type-1"]\n\n[[flags]]', 'categories = "type-1"\n\n[[flags]]',
     "category_leads[0].categories: expected a list, got str 'type-1'"),
    # dangling references
    ('author = "mod@example.org"', 'author = "moderator@example.org"',
     "threads[0].replies[0].author: unknown member 'moderator@example.org' "
     "(not one of the [[users]])"),
    ('category = "type-1"', 'category = "type-one"',
     "threads[0].category: unknown category 'type-one' (not one of the [[categories]])"),
    ('thread = "Hello there"\nauthor', 'thread = "Goodbye"\nauthor',
     "held_replies[0].thread: unknown thread 'Goodbye' (not one of the [[threads]])"),
    ('sensitive_category = "type-1"', 'sensitive_category = "type-2"',
     "digest.sensitive_category: unknown category 'type-2' (not one of the [[categories]])"),
    ("reply = 1", "reply = 2",
     "flags[0].reply: thread 'Hello there' has no reply 2 (it has 1)"),
    ("{ post = 1, user", "{ post = 2, user",
     "threads[0].reactions[0].post: no post 2 in this thread "
     "(0 is the opening post, 1..1 the replies)"),
    ('lapsed_moderator = "mod@example.org"', 'lapsed_moderator = "liz@example.org"',
     "lapsed_moderator: 'liz@example.org' is a member, not a moderator"),
    # values out of range
    ("{ post = 1, user", "{ post = 0, user",
     "threads[0].reactions[0]: a reaction to one's own post"),
    ("hours_after = 1", "hours_after = 61", "threads[0].replies[0].hours_after: is in the "
                                            "future (the thread opened 2.5 days ago)"),
    ('reason = "spam"', 'reason = "rude"', "flags[0].reason: unknown reason 'rude'"),
])
def test_a_broken_data_file_names_the_bad_entry(tmp_path, old, new, problem):
    assert old in MINIMAL
    path = _write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(SeedDataError) as raised:
        load_content(path)
    assert str(raised.value).startswith(f"{path}: {problem}"), str(raised.value)


def test_a_file_that_is_not_toml(tmp_path):
    path = _write(tmp_path, MINIMAL.replace('password = "pw"', "password = pw"))
    with pytest.raises(SeedDataError, match=r"demo\.toml: not valid TOML: "):
        load_content(path)


def test_the_seed_command_reports_a_broken_data_file(app, tmp_path, monkeypatch):
    path = _write(tmp_path, MINIMAL.replace('category = "type-1"', 'category = "type-one"'))
    monkeypatch.setattr("forum.seed.demo_content", lambda: load_content(path))
    result = app.test_cli_runner().invoke(seed_demo_command)
    assert result.exit_code == 1
    assert result.output == f"Error: {path}: threads[0].category: unknown category 'type-one' " \
                            "(not one of the [[categories]])\n"
    assert db.session.scalar(select(func.count()).select_from(Category)) == 0


@pytest.mark.slow  # a fresh Python process
def test_creating_the_app_does_not_import_the_seed_code():
    """Web workers create the app; only the seed commands load the demo data."""
    code = ("import sys, forum; app = forum.create_app('testing', "
            "{'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); "
            "assert 'seed-demo' in app.cli.commands and 'demo-logins' in app.cli.commands; "
            "loaded = sorted(name for name in sys.modules if name.startswith('forum.seed')); "
            "assert not loaded, loaded")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
