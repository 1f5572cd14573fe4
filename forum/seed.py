"""Demo data for Sugar Circle: ``flask --app forum seed-demo``.

``seed_demo`` adds the categories, members and conversations in
``forum.seed_content`` through the same services the site uses, so every counter
(thread, category and member post counts, last-post times) is right. It is
idempotent: categories are matched by slug, members by email and threads by title
within their category, and anything already there is left alone. It flushes but
never commits; the caller (the CLI command below, or a test) commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from forum.admin.services import install_default_phrases
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
from forum.moderation.services import flag_post, open_item_for, open_review_item
from forum.seed_content import (
    ADMIN,
    CATEGORIES,
    CATEGORY_LEADS,
    DEMO_PASSWORD,
    FLAGS,
    HELD_REPLIES,
    MODERATOR,
    THREADS,
    TRAININGS,
    USERS,
    ThreadSeed,
)
from forum.threads.posting import submit_reply
from forum.threads.services import add_reply, change_post_status, create_thread, toggle_reaction

# (role, email, display name) of every demo account; all share DEMO_PASSWORD.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (user["role"], user["email"], user["display_name"]) for user in USERS
]

COUNT_KEYS = ("categories", "users", "threads", "posts", "reactions", "review_items")


def seed_demo() -> dict[str, int]:
    """Add whatever demo content is missing; return how many of each thing was created."""
    check_content()
    now = utcnow()
    created = dict.fromkeys(COUNT_KEYS, 0)
    categories = _seed_categories(created)
    users = _seed_users(now, created)
    # Oldest first, so ids follow the order in which conversations started.
    for spec in sorted(THREADS, key=lambda thread: -thread["days_ago"]):
        _seed_thread(spec, categories, users, now, created)
    db.session.flush()
    _seed_moderation(categories, users, now, created)
    _seed_digest(categories, users, now)
    return created


# Demo digest readers: most members (one with a choice of categories), two email-only
# subscribers, one request still waiting for confirmation; "Feelings & burnout" is
# marked sensitive, and a moderator has picked a thread.
DIGEST_MEMBERS = {email: None for email in ("admin@example.org", "moderator@example.org",
                                            "tom@example.org", "mum@example.org",
                                            "ravi@example.org", "nadia@example.org")}
DIGEST_MEMBERS["liz@example.org"] = ("type-1", "tech", "food-activity", "feelings")
DIGEST_EMAIL_ONLY = ("reader@example.org", "carer@example.org")
DIGEST_PENDING = "pending.reader@example.org"
DIGEST_SENSITIVE = "feelings"
DIGEST_PICK = "Skin reactions to pump infusion sets — anyone found a fix?"


def _seed_digest(categories: dict[str, Category], users: dict[str, User],
                 now: datetime) -> None:
    """Digest subscribers and settings, added once (when there are no subscribers yet)."""
    from forum.digest.schedule import Schedule, latest_ended_period
    from forum.digest.subscriptions import new_token
    from forum.models import DigestFeature, DigestSubscription

    if db.session.scalar(select(DigestSubscription.id).limit(1)) is not None:
        return
    since = now - timedelta(days=28)
    for email, slugs in DIGEST_MEMBERS.items():
        db.session.add(DigestSubscription(
            user_id=users[email].id, token=new_token(), status="confirmed",
            all_categories=slugs is None, created_at=since, subscribed_at=since,
            categories=[categories[slug] for slug in slugs or ()]))
    for email in DIGEST_EMAIL_ONLY:
        db.session.add(DigestSubscription(
            email=email, token=new_token(), status="confirmed", created_at=since,
            requested_at=since, subscribed_at=since))
    db.session.add(DigestSubscription(email=DIGEST_PENDING, token=new_token(), status="pending",
                                      created_at=now, requested_at=now))
    categories[DIGEST_SENSITIVE].digest_mode = "sensitive"
    pick = db.session.scalar(select(Thread).filter_by(title=DIGEST_PICK))
    if pick is not None:
        period = latest_ended_period(Schedule.from_config(current_app.config), now)
        db.session.add(DigestFeature(thread_id=pick.id, period=period.key,
                                     featured_by_id=users[MODERATOR].id, created_at=now))
    db.session.flush()


def _seed_moderation(categories: dict[str, Category], users: dict[str, User], now: datetime,
                     created: dict[str, int]) -> None:
    """Trainings (one current, one lapsed), category leads, watched phrases and a few
    open review items, so the review queue and admin pages have something to show."""
    for email, course, done_days_ago, valid_days, trainer in TRAININGS:
        user = users[email]
        if db.session.scalar(select(ModeratorTraining.id).filter_by(user_id=user.id)) is None:
            completed = (now - timedelta(days=done_days_ago)).date()
            db.session.add(ModeratorTraining(
                user_id=user.id, course_name=course, completed_on=completed,
                valid_until=completed + timedelta(days=valid_days), trainer=trainer,
                notes="Demo record.", recorded_by_id=users[ADMIN].id, created_at=now))
    users[MODERATOR].is_on_duty = True
    for email, slugs in CATEGORY_LEADS.items():
        user = users[email]
        for slug in slugs:
            category = categories[slug]
            if db.session.scalar(select(CategoryModerator.id).filter_by(
                    user_id=user.id, category_id=category.id)) is None:
                db.session.add(CategoryModerator(user_id=user.id, category_id=category.id,
                                                 created_at=now))
    install_default_phrases()
    db.session.flush()
    for title, index, reporter, reason, message in FLAGS:
        post = _reply(title, index)
        if post is not None and db.session.scalar(select(Flag.id).filter_by(
                post_id=post.id, reporter_id=users[reporter].id)) is None:
            new_item = open_item_for(post) is None  # flags on one post share one item
            flag_post(post, reporter=users[reporter], reason=reason, message=message,
                      auto_hide_at=current_app.config["FLAGS_TO_HIDE"])
            created["review_items"] += 1 if new_item else 0
    for title, email, body in HELD_REPLIES:
        thread = db.session.scalar(select(Thread).filter_by(title=title))
        if thread is None or db.session.scalar(
                select(Post.id).filter_by(thread_id=thread.id, body_source=body)) is not None:
            continue
        result = submit_reply(thread, author=users[email], body=body)
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


def _seed_categories(created: dict[str, int]) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, spec in enumerate(CATEGORIES):
        category = db.session.scalar(select(Category).filter_by(slug=spec["slug"]))
        if category is None:
            category = Category(
                slug=spec["slug"],
                name=spec["name"],
                description=spec["description"],
                position=position,
                members_only=spec["members_only"],
                thread_count=0,
                post_count=0,
            )
            db.session.add(category)
            created["categories"] += 1
        categories[spec["slug"]] = category
    db.session.flush()
    return categories


def _seed_users(now: datetime, created: dict[str, int]) -> dict[str, User]:
    users: dict[str, User] = {}
    for spec in USERS:
        email = normalize_email(spec["email"])
        user = db.session.scalar(select(User).filter_by(email=email))
        if user is None:
            joined = now - timedelta(days=spec["joined_days_ago"])
            user = User(
                email=email,
                role=spec["role"],
                bio=spec["bio"],
                password_hash=hash_password(DEMO_PASSWORD),
                email_confirmed_at=joined,
                created_at=joined,
                post_count=0,
            )
            user.set_display_name(_free_display_name(spec["display_name"]))
            db.session.add(user)
            db.session.flush()
            created["users"] += 1
        users[spec["email"]] = user
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
    category = categories[spec["category"]]
    title = " ".join(spec["title"].split())
    exists = db.session.scalar(
        select(Thread.id).filter_by(category_id=category.id, title=title).limit(1)
    )
    if exists is not None:
        return

    opened_at = now - timedelta(days=spec["days_ago"])
    thread = create_thread(category, author=users[spec["author"]], title=title,
                           body=spec["body"], at=opened_at)
    opening = db.session.scalar(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.created_at, Post.id)
    )
    posts = [opening]
    for reply in spec["replies"]:
        posts.append(add_reply(thread, author=users[reply["author"]], body=reply["body"],
                               at=opened_at + timedelta(hours=reply["hours_after"]),
                               allow_locked=True))
    created["threads"] += 1
    created["posts"] += len(posts)

    for number, (target, email, kind) in enumerate(spec["reactions"], start=1):
        post, user = posts[target], users[email]
        if post.author_id == user.id or _has_reaction(post, user, kind):
            continue
        toggle_reaction(post, user=user, kind=kind)
        created["reactions"] += 1
        # Reactions trickle in after the post, never after "now".
        reaction = db.session.scalar(
            select(Reaction).filter_by(post_id=post.id, user_id=user.id, kind=kind)
        )
        reaction.created_at = min(post.created_at + timedelta(minutes=20 * number), now)

    thread.is_pinned = spec.get("pinned", False)
    thread.is_locked = spec.get("locked", False)
    db.session.flush()


def _has_reaction(post: Post, user: User, kind: str) -> bool:
    return db.session.scalar(
        select(Reaction.id).filter_by(post_id=post.id, user_id=user.id, kind=kind)
    ) is not None


def check_content() -> None:
    """Raise ValueError if ``forum.seed_content`` is inconsistent (a typo in the data)."""
    slugs = {category["slug"] for category in CATEGORIES}
    emails = {user["email"] for user in USERS}
    titles: set[tuple[str, str]] = set()
    for spec in THREADS:
        where = f"seed thread {spec['title']!r}"
        key = (spec["category"], " ".join(spec["title"].split()))
        if spec["category"] not in slugs or key in titles:
            raise ValueError(f"{where}: unknown category or duplicate title")
        titles.add(key)
        if not 5 <= len(key[1]) <= 150 or not 0.2 <= spec["days_ago"] <= 27:
            raise ValueError(f"{where}: title length or days_ago out of range")
        authors = [spec["author"]] + [reply["author"] for reply in spec["replies"]]
        if not set(authors) <= emails:
            raise ValueError(f"{where}: unknown author")
        hours = [0.0] + [reply["hours_after"] for reply in spec["replies"]]
        if hours != sorted(set(hours)) or hours[-1] >= spec["days_ago"] * 24:
            raise ValueError(f"{where}: replies out of order or in the future")
        seen: set[tuple[int, str, str]] = set()
        for reaction in spec["reactions"]:
            target, email, kind = reaction
            if not 0 <= target < len(authors) or email not in emails:
                raise ValueError(f"{where}: reaction {reaction} points nowhere")
            if kind not in ("thanks", "me_too"):
                raise ValueError(f"{where}: reaction {reaction} has an unknown kind")
            if authors[target] == email:
                raise ValueError(f"{where}: reaction {reaction} is to one's own post")
            if reaction in seen:
                raise ValueError(f"{where}: reaction {reaction} is repeated")
            seen.add(reaction)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Add demo categories, members and conversations (safe to run more than once)."""
    created = seed_demo()
    db.session.commit()
    if any(created.values()):
        summary = ", ".join(f"{created[key]} {key}" for key in COUNT_KEYS)
        click.echo(f"Demo content created: {summary}.")
    else:
        click.echo("Demo content is already in place; nothing was added.")
    _echo_demo_logins()


def _echo_demo_logins() -> None:
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    rows = [("Role", "Email", "Password", "Display name")]
    rows += [(role, email, DEMO_PASSWORD, name) for role, email, name in DEMO_LOGINS]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  " + "  ".join(cells) + "  " + row[3])


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the demo accounts that exist in this database (used by `make run`)."""
    emails = [email for _, email, _ in DEMO_LOGINS]
    if db.session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails))):
        _echo_demo_logins()
