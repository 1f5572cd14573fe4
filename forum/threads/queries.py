"""Read-side queries for listings: home, category pages and thread pages."""

from __future__ import annotations

from flask import abort, current_app, url_for
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Category, Post, Thread
from forum.permissions import listed_thread_filter, visible_category_filter


def home_categories(user) -> list[tuple[Category, Thread | None]]:
    """Visible categories in order, each with its most recently active thread."""
    categories = db.session.scalars(
        select(Category).where(visible_category_filter(user))
        .order_by(Category.position, Category.name)
    ).all()
    ids = [c.id for c in categories]
    latest: dict[int, Thread] = {}
    if ids:
        newest = (
            select(Thread.category_id, func.max(Thread.last_post_at))
            .where(Thread.category_id.in_(ids), Thread.is_listed.is_(True))
            .group_by(Thread.category_id)
        )
        threads = db.session.scalars(
            select(Thread).where(tuple_(Thread.category_id, Thread.last_post_at).in_(newest),
                                 Thread.is_listed.is_(True))
            .order_by(Thread.id.desc())
        )
        for thread in threads:
            latest.setdefault(thread.category_id, thread)
    return [(c, latest.get(c.id)) for c in categories]


def category_or_404(slug: str, user) -> Category:
    """The category, or 404 if it does not exist or ``user`` may not see it."""
    if "\x00" in slug:  # PostgreSQL refuses NUL in a text parameter (a 500, not a 404)
        abort(404)
    category = db.session.scalar(
        select(Category).where(Category.slug == slug, visible_category_filter(user))
    )
    if category is None:
        abort(404)
    return category


def thread_or_404(thread_id: int, user) -> Thread:
    """The thread, or 404 if ``user`` may not see its category or it is unlisted for them."""
    thread = db.session.scalar(
        select(Thread).join(Thread.category)
        .where(Thread.id == thread_id, visible_category_filter(user),
               listed_thread_filter(user))
        .options(joinedload(Thread.category))
    )
    if thread is None:
        abort(404)
    return thread


def post_or_404(post_id: int, user) -> Post:
    post = db.session.scalar(
        select(Post).join(Post.thread).join(Thread.category)
        .where(Post.id == post_id, visible_category_filter(user), listed_thread_filter(user))
    )
    if post is None:
        abort(404)
    return post


def _check_page(page: int, total: int, per_page: int) -> None:
    last = max((total + per_page - 1) // per_page, 1)
    if page < 1 or page > last:
        abort(404)


def category_threads(category: Category, page: int, user=None):
    """One page of a category's threads that ``user`` may see: pinned first, then by
    latest activity."""
    per_page = current_app.config["THREADS_PER_PAGE"]
    stmt = (
        select(Thread).where(Thread.category_id == category.id, listed_thread_filter(user))
        .options(joinedload(Thread.author))
        .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
    )
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    _check_page(page, pagination.total or 0, per_page)
    return pagination


def thread_posts(thread: Thread, page: int):
    """One page of a thread's posts in order (every status: placeholders keep it readable)."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    stmt = (
        select(Post).where(Post.thread_id == thread.id)
        .options(joinedload(Post.author)).order_by(Post.created_at, Post.id)
    )
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    _check_page(page, pagination.total or 0, per_page)
    return pagination


def page_of_post(post: Post) -> int:
    """The thread page on which ``post`` appears."""
    before = db.session.scalar(
        select(func.count()).select_from(Post).where(
            Post.thread_id == post.thread_id,
            tuple_(Post.created_at, Post.id) < tuple_(post.created_at, post.id),
        )
    )
    return before // current_app.config["POSTS_PER_PAGE"] + 1


def post_url(post: Post) -> str:
    """The URL of ``post`` on its thread page (page and anchor)."""
    return url_for("threads.show", thread_id=post.thread_id, page=page_of_post(post),
                   _anchor=f"post-{post.id}")
