"""What "Download my data" holds: one member's data, section by section.

Each section reads only rows that belong to the member (their own posts, reactions,
flags, follows, settings, consents, logins and earlier names) and yields plain dicts,
the same ones for ``data.json`` and ``index.html``. Large sections are read in chunks
(``yield_per``) as plain rows, never as ORM objects, so memory stays flat however much
the member wrote.

Left out on purpose: anything about *other* members (no one else's email, no one
else's posts' text), who flagged the member or anything about flags against them,
moderators' private notes and tokens of any kind (the digest's unsubscribe token
included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    Category,
    CategoryFollow,
    DigestSubscription,
    DisplayNameChange,
    Flag,
    LoginEvent,
    ModerationNotice,
    Post,
    PostRevision,
    Reaction,
    ResearchConsent,
    Thread,
    ThreadFollow,
    User,
    digest_subscription_categories,
)

CHUNK = 1000  # rows per round trip for the long sections
FORMAT = "sugar-circle-data-export/1"


@dataclass(frozen=True)
class Section:
    """One part of the export: ``key`` in data.json, ``title`` in index.html, and
    ``rows(user_id)``, a fresh iterator of dicts each time it is called (the JSON and
    the HTML each read it once)."""

    key: str
    title: str
    about: str
    rows: Callable[[int], Iterator[dict]]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def about(user_id: int, forum_name: str) -> dict:
    """The header of the file: what it is, for whom, when."""
    return {"format": FORMAT, "forum": forum_name, "member_id": user_id,
            "generated_at": _iso(utcnow()),
            "times": "UTC, ISO 8601",
            "note": "Everything this forum stores about you that belongs to you. Other "
                    "members' details are never included."}


def profile(user_id: int) -> dict:
    """The account: name, email, bio, dates and every setting the member chose."""
    user = db.session.get(User, user_id)
    return {
        "display_name": user.display_name,
        "email": user.email,
        "email_confirmed_at": _iso(user.email_confirmed_at),
        "bio": user.bio,
        "role": user.role,
        "created_at": _iso(user.created_at),
        "last_seen_at": _iso(user.last_seen_at),
        "post_count": user.post_count,
        "suspended_until": _iso(user.suspended_until),
        "settings": {
            "profile_hidden_from_visitors": user.profile_hidden,
            "display_name_changed_at": _iso(user.display_name_changed_at),
            "deletion_requested_at": _iso(user.deletion_requested_at),
            "posts_on_deletion": user.deletion_posts,
        },
    }


def notification_settings(user_id: int) -> dict:
    user = db.session.get(User, user_id)
    return {
        "follow_threads_i_start_or_reply_to": user.auto_follow,
        "notify_me_of_mentions_and_quotes": user.notify_mentions,
        "email_replies_to_my_threads": user.email_replies,
        "email_other_notifications": user.email_follows,
        "quiet_hours": user.quiet_hours,
        "time_zone": user.time_zone,
    }


def digest_subscription(user_id: int) -> dict | None:
    """The member's weekly digest subscription and its settings (not its token)."""
    subscription = db.session.execute(
        select(DigestSubscription.id, DigestSubscription.status,
               DigestSubscription.all_categories, DigestSubscription.created_at,
               DigestSubscription.subscribed_at, DigestSubscription.unsubscribed_at,
               DigestSubscription.suppressed_at)
        .where(DigestSubscription.user_id == user_id)).first()
    if subscription is None:
        return None
    chosen = db.session.scalars(
        select(Category.name).join(digest_subscription_categories,
                                   digest_subscription_categories.c.category_id == Category.id)
        .where(digest_subscription_categories.c.subscription_id == subscription.id)
        .order_by(Category.position, Category.name)).all()
    return {
        "status": subscription.status,
        "all_categories": subscription.all_categories,
        "categories": [] if subscription.all_categories else list(chosen),
        "created_at": _iso(subscription.created_at),
        "subscribed_at": _iso(subscription.subscribed_at),
        "unsubscribed_at": _iso(subscription.unsubscribed_at),
        "suppressed_at": _iso(subscription.suppressed_at),
    }


def _stream(stmt):
    """Rows of ``stmt`` read ``CHUNK`` at a time, as lists (one list per round trip)."""
    return db.session.execute(stmt.execution_options(yield_per=CHUNK)).partitions()


def posts(user_id: int) -> Iterator[dict]:
    """Every post the member wrote, whatever its status, with every earlier version."""
    stmt = (select(Post.id, Post.thread_id, Thread.title, Category.name.label("category"),
                   Post.created_at, Post.edited_at, Post.status, Post.is_opening,
                   Post.body_source)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Category, Category.id == Thread.category_id)
            .where(Post.author_id == user_id)
            .order_by(Post.id))
    for chunk in _stream(stmt):
        ids = [row.id for row in chunk]
        earlier = {post_id: list(group) for post_id, group in groupby(
            db.session.execute(
                select(PostRevision.post_id, PostRevision.body_source,
                       PostRevision.created_at, PostRevision.editor_id,
                       PostRevision.redacted_at)
                .where(PostRevision.post_id.in_(ids))
                .order_by(PostRevision.post_id, PostRevision.created_at, PostRevision.id)),
            key=lambda revision: revision.post_id)}
        for row in chunk:
            yield {
                "id": row.id,
                "thread_id": row.thread_id,
                "thread_title": row.title,
                "category": row.category,
                "starts_thread": row.is_opening,
                "status": row.status,
                "created_at": _iso(row.created_at),
                "edited_at": _iso(row.edited_at),
                "text": row.body_source,
                "earlier_versions": [{
                    "text": revision.body_source,
                    "replaced_at": _iso(revision.created_at),
                    "replaced_by": "you" if revision.editor_id == user_id else "a moderator",
                    "redacted": revision.redacted_at is not None,
                } for revision in earlier.get(row.id, ())],
            }


def reactions(user_id: int) -> Iterator[dict]:
    """The "Thanks" and "Me too" the member gave."""
    stmt = (select(Reaction.id, Reaction.post_id, Reaction.kind, Reaction.created_at,
                   Post.thread_id, Thread.title)
            .join(Post, Post.id == Reaction.post_id)
            .join(Thread, Thread.id == Post.thread_id)
            .where(Reaction.user_id == user_id).order_by(Reaction.id))
    for chunk in _stream(stmt):
        for row in chunk:
            yield {"post_id": row.post_id, "thread_id": row.thread_id,
                   "thread_title": row.title, "kind": row.kind,
                   "created_at": _iso(row.created_at)}


def flags_raised(user_id: int) -> Iterator[dict]:
    """Flags the member raised: the post, the reason, their message and when. Nothing
    about flags other people raised, on the member's posts or anywhere else."""
    stmt = (select(Flag.id, Flag.post_id, Flag.reason, Flag.message, Flag.is_open,
                   Flag.created_at)
            .where(Flag.reporter_id == user_id).order_by(Flag.id))
    for chunk in _stream(stmt):
        for row in chunk:
            yield {"post_id": row.post_id, "reason": row.reason, "message": row.message,
                   "open": row.is_open, "created_at": _iso(row.created_at)}


def thread_follows(user_id: int) -> Iterator[dict]:
    stmt = (select(ThreadFollow.id, ThreadFollow.thread_id, ThreadFollow.level,
                   ThreadFollow.created_at, Thread.title)
            .join(Thread, Thread.id == ThreadFollow.thread_id)
            .where(ThreadFollow.user_id == user_id).order_by(ThreadFollow.id))
    for chunk in _stream(stmt):
        for row in chunk:
            yield {"thread_id": row.thread_id, "thread_title": row.title,
                   "level": row.level, "since": _iso(row.created_at)}


def category_follows(user_id: int) -> Iterator[dict]:
    stmt = (select(CategoryFollow.id, Category.name, Category.slug, CategoryFollow.created_at)
            .join(Category, Category.id == CategoryFollow.category_id)
            .where(CategoryFollow.user_id == user_id).order_by(CategoryFollow.id))
    for row in db.session.execute(stmt):
        yield {"category": row.name, "slug": row.slug, "since": _iso(row.created_at)}


def research_consents(user_id: int) -> Iterator[dict]:
    """Every grant and withdrawal of research consent, oldest first (the newest decides)."""
    stmt = (select(ResearchConsent.version, ResearchConsent.granted, ResearchConsent.at)
            .where(ResearchConsent.user_id == user_id)
            .order_by(ResearchConsent.at, ResearchConsent.id))
    for row in db.session.execute(stmt):
        yield {"consent_version": row.version, "granted": row.granted, "at": _iso(row.at)}


def login_history(user_id: int) -> Iterator[dict]:
    stmt = (select(LoginEvent.at, LoginEvent.network, LoginEvent.browser)
            .where(LoginEvent.user_id == user_id)
            .order_by(LoginEvent.at.desc(), LoginEvent.id.desc()))
    for chunk in _stream(stmt):
        for row in chunk:
            yield {"at": _iso(row.at), "network": row.network, "browser": row.browser}


def moderation_notices(user_id: int) -> Iterator[dict]:
    """The moderators' messages to the member about their posts or account (warnings,
    suspensions, decisions), as the member saw them."""
    stmt = (select(ModerationNotice.kind, ModerationNotice.message, ModerationNotice.post_id,
                   ModerationNotice.created_at, ModerationNotice.read_at)
            .where(ModerationNotice.user_id == user_id)
            .order_by(ModerationNotice.created_at, ModerationNotice.id))
    for row in db.session.execute(stmt):
        yield {"kind": row.kind, "message": row.message, "post_id": row.post_id,
               "sent_at": _iso(row.created_at), "read_at": _iso(row.read_at)}


def display_names(user_id: int) -> Iterator[dict]:
    stmt = (select(DisplayNameChange.old_name, DisplayNameChange.new_name,
                   DisplayNameChange.changed_at)
            .where(DisplayNameChange.user_id == user_id)
            .order_by(DisplayNameChange.changed_at, DisplayNameChange.id))
    for row in db.session.execute(stmt):
        yield {"old_name": row.old_name, "new_name": row.new_name,
               "changed_at": _iso(row.changed_at)}


# How index.html names the fields of the single records (others: "Like this").
LABELS = {
    "email_confirmed_at": "Email confirmed",
    "created_at": "Joined",
    "last_seen_at": "Last seen",
    "post_count": "Visible posts",
    "suspended_until": "Suspended until",
    "profile_hidden_from_visitors": "Profile hidden from visitors",
    "display_name_changed_at": "Display name last changed",
    "deletion_requested_at": "Account deletion requested",
    "posts_on_deletion": "Your posts if you delete your account",
    "follow_threads_i_start_or_reply_to": "Follow the threads I start or reply to",
    "notify_me_of_mentions_and_quotes": "Tell me when I'm mentioned or quoted",
    "email_replies_to_my_threads": "Email me replies to my threads",
    "email_other_notifications": "Email me other notifications",
    "quiet_hours": "Quiet hours (no email at night)",
    "time_zone": "Time zone",
    "all_categories": "Every category",
    "subscribed_at": "Subscribed",
    "unsubscribed_at": "Unsubscribed",
    "suppressed_at": "Stopped after delivery failures",
}

# The single records, then the lists, in the order both files show them.
RECORDS: tuple[tuple[str, str, Callable[[int], dict | None]], ...] = (
    ("profile", "Your profile and account", profile),
    ("notification_settings", "Your notification settings", notification_settings),
    ("digest_subscription", "Your weekly digest subscription", digest_subscription),
)
LISTS: tuple[Section, ...] = (
    Section("posts", "Your posts",
            "Every post you wrote, whatever happened to it, with the earlier versions of "
            "any you (or a moderator) edited.", posts),
    Section("reactions_given", "Reactions you gave", "“Thanks” and “Me too”.", reactions),
    Section("flags_raised", "Posts you flagged",
            "Flags you raised for moderators, with your reason and message.", flags_raised),
    Section("thread_follows", "Threads you follow or muted", "", thread_follows),
    Section("category_follows", "Categories you follow", "", category_follows),
    Section("research_consents", "Research consent",
            "Each time you gave or withdrew consent to de-identified research use of your "
            "posts. The newest entry is the one that counts.", research_consents),
    Section("login_history", "Your logins",
            "When you logged in, from roughly where (the address with its last part "
            "removed) and with which browser.", login_history),
    Section("display_name_history", "Your earlier display names", "", display_names),
    Section("moderation_notices", "Messages from the moderators",
            "What the moderators told you about your posts or your account.",
            moderation_notices),
)
