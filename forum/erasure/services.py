"""Erasure: "Delete my account", its grace period, and the erasure itself.

A member asks (``request_deletion``); logging in during the grace period cancels it
(``cancel_deletion``, from the ``user_logged_in`` signal); once the grace period has
ended, ``flask erasure run`` erases them (``erase``), one member per transaction, and
then makes the search index's deletions final (``purge_index``). An admin may erase at once
on request (``erase_now``). What is deleted, what is kept and why: docs/erasure.md.

The users row is kept as a **tombstone** (a random pseudonym, no email, no password,
``erased_at`` set), so that review items, flags and audit entries still point at
something. Posts that are kept (the member's choice, or replies other members quoted)
are moved to one shared "A former member" account, so nothing links them to the
person or to each other.

Crash safety: ``erase`` is one database transaction (a crash rolls it all back, and
the next run starts again). Files (data exports, development ``.eml`` files) are
deleted *before* that commit, while the address that finds them is still known: a
rollback after that has lost nothing worth keeping. ``deletion_requested_at`` stays
set on the tombstone until ``purge_index`` has purged the search index, so a run that
dies between the two steps is finished by the next one.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, update

from forum import text
from forum.audit import audit
from forum.auth.sessions import revoke_sessions
from forum.clock import utcnow
from forum.email import outbox_dir, queue_email
from forum.extensions import db, sqlite_write_lock
from forum.models import (
    CategoryFollow,
    CategoryModerator,
    DataExport,
    DeletionPosts,
    DigestDelivery,
    DigestSubscription,
    DisplayNameChange,
    Flag,
    LoginEvent,
    ModerationNotice,
    ModeratorTraining,
    Notification,
    OutboxEmail,
    Post,
    PostRevision,
    PostStatus,
    Reaction,
    ResearchConsent,
    ReviewItem,
    Role,
    SearchOutbox,
    Thread,
    ThreadFollow,
    ThreadRead,
    User,
    digest_subscription_categories,
    display_name_key,
)
from forum.search.indexing import expunge_after_commit
from forum.threads import services as threads
from forum.urls import external_url

log = logging.getLogger(__name__)

# The one shared account that kept posts move to. Its name is reserved (registration
# refuses names starting with "former member" or "a former member").
FORMER_MEMBER_EMAIL = "former-member@erased.invalid"
FORMER_MEMBER_NAME = "A former member"
# What replaces an erased member's name in other members' posts ("@Name", quotes).
NAME_IN_TEXT = "a former member"
# The title of a thread whose opening post was removed by erasure.
REMOVED_TITLE = "A thread by a former member"
# Never a valid hash: ``forum.auth.passwords.verify_password`` is False for it.
UNUSABLE_PASSWORD = "!erased"
ERASED_DOMAIN = "erased.invalid"
ID_CHUNK = 500


class CannotErase(Exception):
    """Admins cannot erase themselves or another admin through the admin page."""


class AlreadyErased(Exception):
    """This account is already a tombstone."""


@dataclass
class Erased:
    """What one erasure did (counts only: nothing that names the member)."""

    user_id: int
    removed_posts: int = 0
    kept_posts: int = 0
    rewritten_posts: int = 0  # other members' posts that named them
    files: int = 0


# --- asking, cancelling -----------------------------------------------------------------

def erase_on(user: User) -> datetime | None:
    """When the grace period of ``user``'s request ends (None: no request)."""
    if user.deletion_requested_at is None:
        return None
    return user.deletion_requested_at + timedelta(days=current_app.config["ERASURE_GRACE_DAYS"])


def request_deletion(user: User, *, posts: str) -> None:
    """Schedule ``user``'s erasure after the grace period; end every session; email
    them the date and that logging in cancels it. The caller commits."""
    if posts not in DeletionPosts.__members__.values():
        raise ValueError(posts)
    user.deletion_requested_at = utcnow()
    user.deletion_posts = posts
    revoke_sessions(user)
    queue_email(user.email, "erasure_scheduled", user=user, erase_on=erase_on(user),
                keep_posts=posts == DeletionPosts.KEEP, action_url=external_url("auth.login"))
    log.info("erasure requested user=%s", user.id)


def cancel_deletion(user: User) -> bool:
    """Cancel a pending request (the member logged in); email them. True if there was
    one. The caller commits. The row is locked and read again first: a login that
    overlaps the job's erasure must not touch the tombstone."""
    if user.deletion_requested_at is None or user.erased_at is not None:
        return False
    user = lock_user(user.id)
    if user is None or user.deletion_requested_at is None or user.erased_at is not None:
        return False
    user.deletion_requested_at = None
    queue_email(user.email, "erasure_cancelled", user=user,
                action_url=external_url("accounts.settings"))
    log.info("erasure cancelled by login user=%s", user.id)
    return True


# --- the job ----------------------------------------------------------------------------

def due_user_ids(now: datetime | None = None) -> list[int]:
    """Members whose grace period has ended, and tombstones whose erasure still has
    to be finished (``purge_index``), oldest request first."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["ERASURE_GRACE_DAYS"])
    return list(db.session.scalars(
        select(User.id).where(User.deletion_requested_at.is_not(None),
                              or_(User.erased_at.is_not(None),
                                  User.deletion_requested_at <= cutoff))
        .order_by(User.deletion_requested_at, User.id)))


def lock_user(user_id: int) -> User | None:
    """``user_id``'s row, locked until the commit (two overlapping runs never erase
    the same member twice: the second sees the tombstone)."""
    sqlite_write_lock()
    return db.session.get(User, user_id, with_for_update=True, populate_existing=True)


def erase_now(user: User, *, admin: User, reason: str, posts: str) -> Erased:
    """An admin erases ``user`` at once, on the member's request (audited). The caller
    commits once; the row is locked first (a double click, or the job at the same
    time, never erases twice). After the commit the search index drops the text from
    its files if it is small (``expunge_after_commit``); the next ``flask erasure run``
    finishes the rest (``purge_index``, ``mark_finished``)."""
    user = lock_user(user.id) or user
    if user.id == admin.id or user.is_admin:
        raise CannotErase(user.id)
    if user.erased_at is not None:
        raise AlreadyErased(user.id)
    if posts not in DeletionPosts.__members__.values():
        raise ValueError(posts)
    user.deletion_posts = posts
    user.deletion_requested_at = utcnow()  # until the index is purged (``mark_finished``)
    erased = erase(user, actor=admin, reason=reason)
    expunge_after_commit()
    return erased


def purge_index(*, timeout: float = 60) -> bool:
    """After the erasures' commit, outside any transaction: make the deletions final
    on disk. The search index: queued changes applied, segments still holding deleted
    documents' terms rewritten, older generations deleted. SQLite: the write-ahead log,
    which still holds the old pages, checkpointed and truncated (deleted content itself
    is zeroed: ``secure_delete``, ``forum.extensions``). False if that cannot be done
    now (the index stays locked for ``timeout`` seconds or is being rebuilt, a reader
    holds the log): the next run retries. Rewriting segments costs time on a large
    index (seconds for 100,000 posts); erasures are rare."""
    indexer = current_app.extensions.get("forum.search")
    if indexer is not None and not indexer.expunge(timeout=timeout):
        return False
    return _truncate_sqlite_log()


def _truncate_sqlite_log() -> bool:
    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        conn.commit()
    return busy is None or not busy[0]


def mark_finished(user: User) -> None:
    """The erasure of ``user`` is complete (the index is purged): clear the tombstone's
    ``deletion_requested_at``, which kept it in the job's list. The caller commits."""
    if user.erased_at is not None:
        user.deletion_requested_at = None


# --- the erasure ------------------------------------------------------------------------

def erase(user: User, *, actor: User | None = None, reason: str = "") -> Erased:
    """Erase ``user`` in the current transaction (the caller commits, then calls
    ``purge_index`` and ``mark_finished``). See the module docstring and docs/erasure.md."""
    if user.erased_at is not None:
        raise AlreadyErased(user.id)
    report = Erased(user_id=user.id)
    address = user.email
    names = _names(user)
    keep_all = user.deletion_posts == DeletionPosts.KEEP
    former = former_member()

    report.files = _delete_files(user, address, names)
    touched = _erase_posts(user, former, keep_all, names, report)
    report.rewritten_posts = _rewrite_others(user, former, names, touched)
    _delete_rows(user, address, names)
    pseudonym = _make_tombstone(user)
    # The audit entry names the tombstone by id (the audit page shows its pseudonym);
    # an admin's free-text reason is scrubbed of the address and names.
    audit(actor, "erase", target_type="user", target_id=user.id,
          reason=_scrub(reason or "The member asked to delete their account.",
                        [address, *names], pseudonym),
          after={"posts": "keep" if keep_all else "remove",
                 "removed_posts": report.removed_posts, "kept_posts": report.kept_posts})
    if touched:
        now = utcnow()
        ids = sorted(touched)
        for start in range(0, len(ids), ID_CHUNK):
            db.session.execute(insert(SearchOutbox), [
                {"post_id": post_id, "created_at": now} for post_id in ids[start:start + ID_CHUNK]])
    db.session.flush()
    log.info("erased user=%s removed=%s kept=%s", user.id, report.removed_posts,
             report.kept_posts)
    return report


def former_member() -> User:
    """The shared account kept posts move to (created on first use; never logs in)."""
    found = db.session.scalar(select(User).where(User.email == FORMER_MEMBER_EMAIL))
    if found is not None:
        return found
    name = FORMER_MEMBER_NAME
    if db.session.scalar(select(User.id).where(
            User.display_name_key == display_name_key(name))) is not None:
        name = f"{FORMER_MEMBER_NAME} {secrets.token_hex(3)}"  # a member took it earlier
    user = User(email=FORMER_MEMBER_EMAIL, password_hash=UNUSABLE_PASSWORD, role=Role.MEMBER,
                created_at=utcnow(), erased_at=utcnow(), profile_hidden=True,
                auto_follow=False, notify_mentions=False, email_replies="never",
                email_follows="never")
    user.set_display_name(name)
    db.session.add(user)
    db.session.flush()
    return user


def _names(user: User) -> list[str]:
    """Every display name the member has had, longest first (replaced in that order)."""
    old = db.session.scalars(select(DisplayNameChange.old_name)
                             .where(DisplayNameChange.user_id == user.id))
    names = {user.display_name, *old}
    return sorted((n for n in names if n and n.strip()), key=len, reverse=True)


def _erase_posts(user: User, former: User, keep_all: bool, names: list[str],
                 report: Erased) -> set[int]:
    """Remove or keep each of the member's posts; move every post and thread of theirs
    to the shared former-member account. Returns the post ids whose search documents
    change."""
    posts = list(db.session.scalars(select(Post).where(Post.author_id == user.id)
                                    .order_by(Post.id)))
    quoted = set() if keep_all else _quoted_post_ids(user, posts, names)
    removed: list[Post] = []
    for post in posts:
        # A post the member had already deleted is never kept (nobody can see it).
        keep = post.status != PostStatus.DELETED_BY_AUTHOR and (keep_all or post.id in quoted)
        if keep:
            report.kept_posts += 1
            continue
        if post.status != PostStatus.DELETED_BY_AUTHOR:
            threads.change_post_status(post, PostStatus.DELETED_BY_AUTHOR)  # counters
        post.body_source = post.body_html = post.body_text = ""
        removed.append(post)
    report.removed_posts = len(removed)
    removed_ids = [p.id for p in removed]
    post_ids = [p.id for p in posts]
    touched = set(post_ids)
    for chunk in _chunks(removed_ids):
        db.session.execute(delete(Reaction).where(Reaction.post_id.in_(chunk)))
        # The risk engine's evidence quotes the post's words.
        db.session.execute(update(ReviewItem).where(ReviewItem.post_id.in_(chunk))
                           .values(risk_evidence=None))
    for chunk in _chunks(post_ids):
        db.session.execute(delete(PostRevision).where(PostRevision.post_id.in_(chunk)))
    # Kept posts count for the shared account now; removed ones no longer count.
    kept_visible = db.session.scalar(
        select(func.count()).select_from(Post)
        .where(Post.author_id == user.id, Post.status == PostStatus.VISIBLE))
    db.session.execute(update(Post).where(Post.author_id == user.id)
                       .values(author_id=former.id))
    former.post_count = User.post_count + kept_visible
    user.post_count = 0
    removed_set = set(removed_ids)
    for thread in db.session.scalars(select(Thread).where(Thread.author_id == user.id)):
        thread.author_id = former.id
        opening = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id,
                                                          Post.is_opening.is_(True)))
        if opening in removed_set:
            thread.title = REMOVED_TITLE
        if thread.is_listed and not _has_readable_posts(thread):
            threads.unlist_thread(thread)
        touched.update(db.session.scalars(select(Post.id).where(Post.thread_id == thread.id)))
    db.session.execute(update(Thread).where(Thread.guide_id == user.id).values(guide_id=None))
    db.session.flush()
    db.session.expire_all()  # the bulk updates above bypassed loaded objects
    return touched


def _has_readable_posts(thread: Thread) -> bool:
    return db.session.scalar(select(Post.id).where(
        Post.thread_id == thread.id, Post.status != PostStatus.DELETED_BY_AUTHOR).limit(1)) \
        is not None


_QUOTE_HEAD = re.compile(r"^[>\s]*\*\*(.{1,60}?)\*\* wrote:\s*$")


def _normal(source: str) -> str:
    """Text with quote markers and spacing removed, for comparing quotes with posts."""
    lines = (re.sub(r"^[>\s]+", "", line) for line in source.splitlines())
    return " ".join(" ".join(lines).split())


def _quoted_post_ids(user: User, posts: list[Post], names: list[str]) -> set[int]:
    """The member's posts that other members quoted (with the quote button's
    ``> **Name** wrote:`` under any name the member has had). A quote names no post,
    so the quoted text is matched against each post's text (or an earlier version)."""
    keys = {display_name_key(n) for n in names}
    quotes: list[str] = []
    candidates = db.session.scalars(
        select(Post.body_source).where(Post.author_id != user.id,
                                       Post.body_source.contains("wrote:")))
    for source in candidates:
        lines = source.splitlines()
        for i, line in enumerate(lines):
            match = _QUOTE_HEAD.match(line)
            if not match or display_name_key(match.group(1)) not in keys:
                continue
            block = []
            for following in lines[i + 1:]:
                if not following.lstrip().startswith(">"):
                    break
                if _QUOTE_HEAD.match(following):
                    break
                block.append(following)
            quoted = _normal("\n".join(block))
            if quoted:
                quotes.append(quoted)
    if not quotes:
        return set()
    found = set()
    revisions: dict[int, list[str]] = {}
    for post_id, source in db.session.execute(
            select(PostRevision.post_id, PostRevision.body_source)
            .join(Post, Post.id == PostRevision.post_id).where(Post.author_id == user.id)):
        revisions.setdefault(post_id, []).append(_normal(source))
    for post in posts:
        texts = [_normal(post.body_source), *revisions.get(post.id, [])]
        if any(q in t for q in quotes for t in texts if t):
            found.add(post.id)
    return found


def _alternatives(names: list[str]) -> str:
    return "|".join(r"\s+".join(re.escape(word) for word in name.split()) for name in names)


def _distinctive(name: str) -> bool:
    """A name unlikely to be an ordinary word: two words or more ("Sam Pumps"), or one
    with a digit or sign ("AlexT1"). "Hope" or "Tired" are not."""
    return len(name.split()) > 1 or any(not ch.isalpha() for ch in name)


def _name_pattern(names: list[str]) -> re.Pattern[str]:
    """Any of ``names`` where a member names another: an ``@Name`` mention or a quote's
    ``**Name** wrote:`` (any case, any spacing), and a distinctive name also as bare
    words. A one-word name that is an ordinary word ("Hope") is replaced only after
    an @: rewriting "I hope" would change what people said."""
    every = _alternatives(names)
    bare = _alternatives([name for name in names if _distinctive(name)])
    pattern = (rf"(?P<quote>\*\*(?:{every})\*\* wrote:)"
               rf"|(?<![\w@])@(?:{every})(?!\w)")
    if bare:
        pattern += rf"|(?<![\w@])(?:{bare})(?!\w)"
    return re.compile(pattern, re.IGNORECASE)


def _replace_names(value: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: f"**{FORMER_MEMBER_NAME}** wrote:" if m.group("quote")
                       else NAME_IN_TEXT, value)


def _mentioning(column, names: list[str]):
    """SQL: ``column`` may contain one of ``names`` (refined in Python)."""
    return or_(*(or_(column.contains(name), column.ilike(f"%{name}%")) for name in names))


def _rewrite_others(user: User, former: User, names: list[str], touched: set[int]) -> int:
    """Replace the member's names in what other members wrote (posts, earlier
    versions, thread titles, profiles' "about", flag messages, moderation notices,
    risk evidence)."""
    pattern = _name_pattern(names)
    rewritten = 0
    for post in db.session.scalars(select(Post).where(_mentioning(Post.body_source, names))):
        new = _replace_names(post.body_source, pattern)
        if new != post.body_source:
            post.body_source = new
            post.body_html, post.body_text = text.render(new)
            touched.add(post.id)
            rewritten += 1
    for revision in db.session.scalars(
            select(PostRevision).where(_mentioning(PostRevision.body_source, names))):
        revision.body_source = _replace_names(revision.body_source, pattern)
    for thread in db.session.scalars(select(Thread).where(_mentioning(Thread.title, names))):
        new = _replace_names(thread.title, pattern)
        if new != thread.title:
            thread.title = new[:150]
            touched.update(db.session.scalars(select(Post.id)
                                              .where(Post.thread_id == thread.id)))
    for other in db.session.scalars(select(User).where(User.id != user.id,
                                                        _mentioning(User.bio, names))):
        other.bio = _replace_names(other.bio, pattern)
    for flag in db.session.scalars(select(Flag).where(_mentioning(Flag.message, names))):
        flag.message = _replace_names(flag.message, pattern)
    for notice in db.session.scalars(
            select(ModerationNotice).where(_mentioning(ModerationNotice.message, names))):
        notice.message = _replace_names(notice.message, pattern)
    for item in db.session.scalars(
            select(ReviewItem).where(_mentioning(ReviewItem.risk_evidence, names))):
        item.risk_evidence = _replace_names(item.risk_evidence or "", pattern)
    return rewritten


def _delete_rows(user: User, address: str, names: list[str]) -> None:
    """Delete everything that is only about the member (see docs/erasure.md)."""
    uid = user.id
    session = db.session
    session.execute(delete(Reaction).where(Reaction.user_id == uid))
    session.execute(delete(Notification).where(
        or_(Notification.user_id == uid, Notification.actor_id == uid)))
    session.execute(delete(ModerationNotice).where(ModerationNotice.user_id == uid))
    session.execute(delete(ThreadFollow).where(ThreadFollow.user_id == uid))
    session.execute(delete(CategoryFollow).where(CategoryFollow.user_id == uid))
    session.execute(delete(ThreadRead).where(ThreadRead.user_id == uid))
    subscriptions = list(session.scalars(select(DigestSubscription.id).where(
        or_(DigestSubscription.user_id == uid, DigestSubscription.email == address))))
    if subscriptions:
        session.execute(delete(DigestDelivery)
                        .where(DigestDelivery.subscription_id.in_(subscriptions)))
        session.execute(delete(digest_subscription_categories).where(
            digest_subscription_categories.c.subscription_id.in_(subscriptions)))
        session.execute(delete(DigestSubscription)
                        .where(DigestSubscription.id.in_(subscriptions)))
    for model in (ResearchConsent, LoginEvent, DataExport, DisplayNameChange,
                  ModeratorTraining, CategoryModerator):
        session.execute(delete(model).where(model.user_id == uid))
    # Flags they raised stay (the review queue's history) without their words.
    session.execute(update(Flag).where(Flag.reporter_id == uid).values(message=""))
    # Mail to them, whatever its state (sent rows keep the address as metadata), and
    # notification emails not yet sent to others that name them (a reply or mention by
    # them; account mail, alerts and notices to others are never touched).
    session.execute(delete(OutboxEmail).where(OutboxEmail.recipient == address))
    unsent = session.execute(select(OutboxEmail.id, OutboxEmail.message).where(
        OutboxEmail.status != "sent", OutboxEmail.kind == "notifications")).all()
    naming = [row_id for row_id, message in unsent if _names_member(message, address, names)]
    for chunk in _chunks(naming):
        session.execute(delete(OutboxEmail).where(OutboxEmail.id.in_(chunk)))
    session.flush()
    session.expire_all()


def _make_tombstone(user: User) -> str:
    """Turn the users row into a tombstone; returns its pseudonym."""
    pseudonym = _new_pseudonym()
    user.email = f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}"
    user.set_display_name(pseudonym)
    user.password_hash = UNUSABLE_PASSWORD  # also kills every signed reset/confirm link
    user.bio = ""
    user.role = Role.MEMBER
    user.email_confirmed_at = user.last_seen_at = user.suspended_until = None
    user.is_on_duty = False
    user.auto_follow = user.notify_mentions = user.quiet_hours = False
    user.email_replies = user.email_follows = "never"
    user.time_zone = ""
    user.summary_sent_at = None
    user.profile_hidden = True
    user.display_name_changed_at = None
    user.deletion_posts = DeletionPosts.REMOVE
    user.erased_at = utcnow()
    revoke_sessions(user)
    return pseudonym


def _new_pseudonym() -> str:
    while True:
        name = f"Former member {secrets.token_hex(3)}"
        if db.session.scalar(select(User.id).where(
                User.display_name_key == display_name_key(name))) is None:
            return name


def _scrub(value: str, secrets_: list[str], replacement: str) -> str:
    for secret in sorted((s for s in secrets_ if s), key=len, reverse=True):
        value = re.sub(re.escape(secret), replacement, value, flags=re.IGNORECASE)
    return value


# --- files --------------------------------------------------------------------------------

def export_dir() -> Path:
    configured = current_app.config.get("EXPORT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "exports"


def _delete_files(user: User, address: str, names: list[str]) -> int:
    """Delete the member's data-export ZIPs and the development outbox's ``.eml``
    files that are addressed to them or name them. Returns how many."""
    deleted = 0
    folder = export_dir()
    for file_name in db.session.scalars(select(DataExport.file_name)
                                        .where(DataExport.user_id == user.id)):
        if file_name and "/" not in file_name and file_name not in (".", ".."):
            path = folder / file_name
            if path.is_file():
                path.unlink()
                deleted += 1
    mail = outbox_dir()
    if mail.is_dir():
        for path in mail.glob("*.eml"):
            try:
                raw = path.read_bytes()
            except OSError:
                continue
            if _names_member(raw, address, names):
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted


def _names_member(raw: bytes | None, address: str, names: list[str]) -> bool:
    """Whether a message (raw bytes) is addressed to ``address`` or names the member as
    a whole word in its decoded headers or text parts (never a substring of encoded
    bytes, where a short name would match by chance)."""
    if not raw:
        return False
    if address.lower() in raw.decode("utf-8", "replace").lower():
        return True
    words = re.compile("|".join(rf"(?<!\w){re.escape(name.lower())}(?!\w)"
                                for name in names if name.strip()))
    if not words.pattern:
        return False
    haystacks = []
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        haystacks.append(" ".join(str(v) for v in message.values()).lower())
        for part in message.walk():
            if part.get_content_maintype() == "text":
                haystacks.append(" ".join(part.get_content().split()).lower())
    except Exception:  # noqa: BLE001 - an unparseable message is judged by its address only
        return False
    return any(words.search(hay) for hay in haystacks)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start:start + ID_CHUNK]
