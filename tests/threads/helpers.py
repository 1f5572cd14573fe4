"""Helpers shared by the thread tests: recounting counters from rows, row counts, HTML bits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, Post, PostRevision, Reaction, Thread, User

VISIBLE = Post.status == "visible"


def row_counts() -> dict[str, int]:
    """How many threads, posts, revisions and reactions exist."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Category, Thread, Post, PostRevision, Reaction)
    }


def counter_mismatches() -> list[str]:
    """Every stored counter or activity time that differs from a recount from the rows.

    The rules: counts include visible posts only (a thread's ``reply_count`` leaves out its
    opening post); a category counts its listed threads; a thread's ``last_post_at`` is its
    newest visible post (its creation time if none); a category's is its newest visible post.
    """
    db.session.expire_all()
    problems = []

    def check(label, stored, expected):
        if stored != expected:
            problems.append(f"{label}: stored {stored!r}, recounted {expected!r}")

    for thread in db.session.scalars(select(Thread)):
        posts = select(Post).where(Post.thread_id == thread.id, VISIBLE).subquery()
        check(f"thread {thread.id} post_count", thread.post_count,
              db.session.scalar(select(func.count()).select_from(posts)))
        check(f"thread {thread.id} reply_count", thread.reply_count,
              db.session.scalar(select(func.count()).select_from(posts)
                                .where(posts.c.is_opening.is_(False))))
        newest = db.session.scalar(select(func.max(posts.c.created_at)))
        check(f"thread {thread.id} last_post_at", thread.last_post_at,
              newest if newest is not None else thread.created_at)
    for category in db.session.scalars(select(Category)):
        in_category = select(Post.created_at).join(Post.thread).where(
            Thread.category_id == category.id, VISIBLE).subquery()
        check(f"category {category.id} post_count", category.post_count,
              db.session.scalar(select(func.count()).select_from(in_category)))
        check(f"category {category.id} thread_count", category.thread_count,
              db.session.scalar(select(func.count()).where(Thread.category_id == category.id,
                                                           Thread.is_listed.is_(True))))
        check(f"category {category.id} last_post_at", category.last_post_at,
              db.session.scalar(select(func.max(in_category.c.created_at))))
    for user in db.session.scalars(select(User)):
        check(f"user {user.id} post_count", user.post_count,
              db.session.scalar(select(func.count()).where(Post.author_id == user.id, VISIBLE)))
    return problems


@dataclass
class Counters:
    thread_posts: int
    category_posts: int
    category_threads: int
    user_posts: int


def counters(thread_id: int, user_id: int) -> Counters:
    db.session.expire_all()
    thread = db.session.get(Thread, thread_id)
    return Counters(thread.post_count, thread.category.post_count, thread.category.thread_count,
                    db.session.get(User, user_id).post_count)


def post_anchor_ids(html: str) -> list[int]:
    """The post ids in the order their ``id="post-<id>"`` anchors appear."""
    return [int(n) for n in re.findall(r'<article[^>]* id="post-(\d+)"', html)]


def text(response) -> str:
    return response.get_data(as_text=True)
