"""Demo data for Sugar Circle: ``flask --app forum seed-demo``.

``seed_demo`` adds the categories, members and conversations in ``demo.toml`` (read and
checked by ``forum.seed.content`` on first use) through the same services the site
uses, so every counter (thread, category and member post counts, last-post times) is
right. It is idempotent: categories are matched by slug, members by email and threads by
title within their category, and anything already there is left alone. It flushes but
never commits; the caller (``run_seed_demo`` below, or a test) commits.

Only the seed commands import this package (``forum.cli`` imports it inside them), so
creating the app, in every web worker, never loads the seed code or its data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import click
from flask import current_app
from sqlalchemy import func, select

from forum.auth.passwords import hash_password
from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    Category,
    CategoryModerator,
    Flag,
    ModeratorTraining,
    Post,
    Reaction,
    Thread,
    User,
    display_name_key,
    normalize_email,
)
from forum.moderation.phrases import install_default_phrases
from forum.moderation.services import flag_post, open_item_for, open_review_item
from forum.posting.services import submit_reply
from forum.seed.content import DemoContent, SeedDataError, ThreadSeed, load_content
from forum.threads.services import add_reply, change_post_status, create_thread, toggle_reaction

__all__ = ["DemoContent", "SeedDataError", "demo_content", "demo_logins",
           "print_demo_logins", "run_seed_demo", "seed_demo"]

COUNT_KEYS = ("categories", "users", "threads", "posts", "reactions", "review_items")


@cache
def demo_content() -> DemoContent:
    """The shipped demo content (``demo.toml``), read and checked once per process;
    raises ``SeedDataError`` if the file is broken."""
    return load_content()


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, email, display name) of every demo account; all share the demo password."""
    return [(user.role, user.email, user.display_name) for user in demo_content().users]


def seed_demo(content: DemoContent | None = None) -> dict[str, int]:
    """Add whatever demo content is missing (``content``, by default the shipped demo
    content); return how many of each thing was created."""
    if content is None:
        content = demo_content()
    now = utcnow()
    created = dict.fromkeys(COUNT_KEYS, 0)
    categories = _seed_categories(content, created)
    users = _seed_users(content, now, created)
    # Oldest first, so ids follow the order in which conversations started.
    for spec in sorted(content.threads, key=lambda thread: -thread.days_ago):
        _seed_thread(spec, categories, users, now, created)
    db.session.flush()
    _seed_moderation(content, categories, users, now, created)
    _seed_digest(content, categories, users, now)
    return created


def _seed_digest(content: DemoContent, categories: dict[str, Category],
                 users: dict[str, User], now: datetime) -> None:
    """Digest subscribers and settings, added once (when there are no subscribers yet)."""
    from forum.digest.schedule import Schedule, latest_ended_period
    from forum.digest.subscriptions import new_token
    from forum.models import DigestFeature, DigestSubscription

    if db.session.scalar(select(DigestSubscription.id).limit(1)) is not None:
        return
    digest = content.digest
    since = now - timedelta(days=28)
    for member in digest.members:
        slugs = member.categories  # None: every category
        db.session.add(DigestSubscription(
            user_id=users[member.user].id, token=new_token(), status="confirmed",
            all_categories=slugs is None, created_at=since, subscribed_at=since,
            categories=[categories[slug] for slug in slugs or ()]))
    for email in digest.email_only:
        db.session.add(DigestSubscription(
            email=email, token=new_token(), status="confirmed", created_at=since,
            requested_at=since, subscribed_at=since))
    db.session.add(DigestSubscription(email=digest.pending, token=new_token(), status="pending",
                                      created_at=now, requested_at=now))
    categories[digest.sensitive_category].digest_mode = "sensitive"
    pick = db.session.scalar(select(Thread).filter_by(title=digest.featured_thread))
    if pick is not None:
        period = latest_ended_period(Schedule.from_config(current_app.config), now)
        db.session.add(DigestFeature(thread_id=pick.id, period=period.key,
                                     featured_by_id=users[content.moderator].id,
                                     created_at=now))
    db.session.flush()


def _seed_moderation(content: DemoContent, categories: dict[str, Category],
                     users: dict[str, User], now: datetime, created: dict[str, int]) -> None:
    """Trainings (one current, one lapsed), category leads, watched phrases and a few
    open review items, so the review queue and admin pages have something to show."""
    for training in content.trainings:
        user = users[training.user]
        if db.session.scalar(select(ModeratorTraining.id).filter_by(user_id=user.id)) is None:
            completed = (now - timedelta(days=training.completed_days_ago)).date()
            db.session.add(ModeratorTraining(
                user_id=user.id, course_name=training.course, completed_on=completed,
                valid_until=completed + timedelta(days=training.valid_days),
                trainer=training.trainer, notes="Demo record.",
                recorded_by_id=users[content.admin].id, created_at=now))
    users[content.moderator].is_on_duty = True
    for lead in content.category_leads:
        user = users[lead.user]
        for slug in lead.categories:
            category = categories[slug]
            if db.session.scalar(select(CategoryModerator.id).filter_by(
                    user_id=user.id, category_id=category.id)) is None:
                db.session.add(CategoryModerator(user_id=user.id, category_id=category.id,
                                                 created_at=now))
    install_default_phrases()
    db.session.flush()
    for flag in content.flags:
        post, reporter = _reply(flag.thread, flag.reply), users[flag.reporter]
        if post is not None and db.session.scalar(select(Flag.id).filter_by(
                post_id=post.id, reporter_id=reporter.id)) is None:
            new_item = open_item_for(post) is None  # flags on one post share one item
            flag_post(post, reporter=reporter, reason=flag.reason, message=flag.message,
                      auto_hide_at=current_app.config["FLAGS_TO_HIDE"])
            created["review_items"] += 1 if new_item else 0
    for held in content.held_replies:
        thread = db.session.scalar(select(Thread).filter_by(title=held.thread))
        if thread is None or db.session.scalar(select(Post.id).filter_by(
                thread_id=thread.id, body_source=held.body)) is not None:
            continue
        result = submit_reply(thread, author=users[held.author], body=held.body)
        if not result.held:  # a returning member: hold it as pre-moderation would
            change_post_status(result.post, "pending")
            open_review_item(result.post, source="pre_moderation", reason="other")
        created["posts"] += 1
        created["review_items"] += 1
    db.session.flush()


def _reply(title: str, index: int) -> Post | None:
    thread = db.session.scalar(select(Thread).filter_by(title=title))
    if thread is None:
        return None
    posts = db.session.scalars(select(Post).filter_by(thread_id=thread.id)
                               .order_by(Post.created_at, Post.id)).all()
    return posts[index] if index < len(posts) else None


def _seed_categories(content: DemoContent, created: dict[str, int]) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, spec in enumerate(content.categories):
        category = db.session.scalar(select(Category).filter_by(slug=spec.slug))
        if category is None:
            category = Category(
                slug=spec.slug,
                name=spec.name,
                description=spec.description,
                position=position,
                members_only=spec.members_only,
                thread_count=0,
                post_count=0,
            )
            db.session.add(category)
            created["categories"] += 1
        categories[spec.slug] = category
    db.session.flush()
    return categories


def _seed_users(content: DemoContent, now: datetime,
                created: dict[str, int]) -> dict[str, User]:
    users: dict[str, User] = {}
    for spec in content.users:
        email = normalize_email(spec.email)
        user = db.session.scalar(select(User).filter_by(email=email))
        if user is None:
            joined = now - timedelta(days=spec.joined_days_ago)
            user = User(
                email=email,
                role=spec.role,
                bio=spec.bio,
                password_hash=hash_password(content.password),
                email_confirmed_at=joined,
                created_at=joined,
                post_count=0,
            )
            user.set_display_name(_free_display_name(spec.display_name))
            db.session.add(user)
            db.session.flush()
            created["users"] += 1
        users[spec.email] = user
    return users


def _free_display_name(name: str) -> str:
    """``name``, or ``name`` with a number if a real member already uses it."""
    candidate, number = name, 1
    while db.session.scalar(
        select(User.id).filter_by(display_name_key=display_name_key(candidate))
    ) is not None:
        number += 1
        suffix = f" {number}"
        candidate = name[: 40 - len(suffix)] + suffix
    return candidate


def _seed_thread(spec: ThreadSeed, categories: dict[str, Category], users: dict[str, User],
                 now: datetime, created: dict[str, int]) -> None:
    category = categories[spec.category]
    title = spec.title  # whitespace already collapsed by the loader
    exists = db.session.scalar(
        select(Thread.id).filter_by(category_id=category.id, title=title).limit(1)
    )
    if exists is not None:
        return

    opened_at = now - timedelta(days=spec.days_ago)
    thread = create_thread(category, author=users[spec.author], title=title,
                           body=spec.body, at=opened_at)
    opening = db.session.scalar(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.created_at, Post.id)
    )
    posts = [opening]
    for reply in spec.replies:
        posts.append(add_reply(thread, author=users[reply.author], body=reply.body,
                               at=opened_at + timedelta(hours=reply.hours_after),
                               allow_locked=True))
    created["threads"] += 1
    created["posts"] += len(posts)

    for number, seed in enumerate(spec.reactions, start=1):
        post, user, kind = posts[seed.post], users[seed.user], seed.kind
        if post.author_id == user.id or _has_reaction(post, user, kind):
            continue
        toggle_reaction(post, user=user, kind=kind)
        created["reactions"] += 1
        # Reactions trickle in after the post, never after "now".
        reaction = db.session.scalar(
            select(Reaction).filter_by(post_id=post.id, user_id=user.id, kind=kind)
        )
        reaction.created_at = min(post.created_at + timedelta(minutes=20 * number), now)

    thread.is_pinned = spec.pinned
    thread.is_locked = spec.locked
    db.session.flush()


def _has_reaction(post: Post, user: User, kind: str) -> bool:
    return db.session.scalar(
        select(Reaction.id).filter_by(post_id=post.id, user_id=user.id, kind=kind)
    ) is not None


def run_seed_demo() -> None:
    """``flask seed-demo``: seed, commit, say what was added and print the demo logins."""
    created = seed_demo()
    db.session.commit()
    if any(created.values()):
        summary = ", ".join(f"{created[key]} {key}" for key in COUNT_KEYS)
        click.echo(f"Demo content created: {summary}.")
    else:
        click.echo("Demo content is already in place; nothing was added.")
    _echo_demo_logins()


def print_demo_logins() -> None:
    """``flask demo-logins``: print the demo accounts, if this database has any of them."""
    emails = [email for _, email, _ in demo_logins()]
    if db.session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails))):
        _echo_demo_logins()


def _echo_demo_logins() -> None:
    password = demo_content().password
    click.echo("")
    click.echo(f"Demo logins (password for all: {password}):")
    rows = [("Role", "Email", "Password", "Display name")]
    rows += [(role, email, password, name) for role, email, name in demo_logins()]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  " + "  ".join(cells) + "  " + row[3])
