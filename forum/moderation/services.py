"""Moderation operations: flags, review items and the actions taken on them.

Every action writes exactly one audit entry, records who and when on the review
item, and tells the author the outcome (an on-site notice plus an email queued until
the commit) without ever naming who flagged. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from forum.audit import audit
from forum.clock import utcnow
from forum.email import queue_email
from forum.extensions import db
from forum.models import Post, Thread, User
from forum.models.moderation import (
    FLAG_REASONS,
    SCREENER_ONLY_REASONS,
    Flag,
    ModerationNotice,
    ReviewItem,
)
from forum.moderation import alerts
from forum.notifications import services as notifications
from forum.threads.services import change_post_status, edit_post, redact_history
from forum.urls import external_url


class AlreadyFlagged(Exception):
    """This member has already flagged this post."""


class ItemClosed(Exception):
    """The review item was already resolved: nothing more to do (409)."""


class CannotSuspendStaff(Exception):
    """Admins can't be suspended here, and only admins suspend moderators."""


class AuthorDeleted(Exception):
    """The post's author deleted it: no moderation action publishes or changes it."""


class TooLong(Exception):
    """A moderator tried to suspend for longer than they may."""


MODERATOR_MAX_SUSPENSION_DAYS = 7
PERMANENT = datetime(9999, 12, 31, tzinfo=UTC)

# What a moderator may do with an item, by the state of its post. A held (pending) post
# is approved or rejected; dismissing, hiding or removing it would leave it held with no
# open item, out of every queue. Locking, warning and suspending leave a held post's item
# open (updated, not closed), so the post still gets its decision.
HELD_ACTIONS = ("approve", "reject", "lock", "warn", "suspend")
PUBLISHED_ACTIONS = ("dismiss", "hide", "remove", "edit", "lock", "warn", "suspend")


# A post its author deleted stays deleted: nothing may publish, hide or edit it again.
DELETED_ACTIONS = ("dismiss", "lock", "warn", "suspend")


def actions_for(item: ReviewItem) -> tuple[str, ...]:
    """The actions that make sense for ``item`` now, in the order moderators see them."""
    status = item.post.status
    if status == "deleted_by_author":
        return DELETED_ACTIONS
    return HELD_ACTIONS if status == "pending" else PUBLISHED_ACTIONS


# --- review items ---------------------------------------------------------------------

def open_item_for(post: Post) -> ReviewItem | None:
    return db.session.scalar(
        select(ReviewItem).where(ReviewItem.post_id == post.id, ReviewItem.status == "open")
    )


def priority_of(reason: str, *, crisis: bool = False) -> int:
    return 0 if crisis else FLAG_REASONS.get(reason, ("", 3))[1]


def open_review_item(post: Post, *, source: str, reason: str, crisis: bool = False,
                     matched_phrase: str | None = None, risk_kind: str | None = None,
                     evidence: str | None = None) -> ReviewItem:
    """The one open item for ``post``, created if needed and raised to the most urgent reason.

    ``risk_kind`` and ``evidence`` come from the risk engine (what it saw and why) and are
    kept on the item for moderators, whichever reason ends up the most urgent.
    """
    item = open_item_for(post)
    priority = priority_of(reason, crisis=crisis)
    if item is None:
        item = ReviewItem(post=post, category_id=post.thread.category_id, source=source,
                          reason=reason, priority=priority, is_crisis=crisis,
                          matched_phrase=matched_phrase, risk_kind=risk_kind,
                          risk_evidence=evidence, status="open", created_at=utcnow())
        db.session.add(item)
    else:
        if priority < item.priority:
            item.reason, item.priority = reason, priority
            item.is_crisis = item.is_crisis or crisis
            item.matched_phrase = matched_phrase or item.matched_phrase
        if evidence:
            item.risk_kind = risk_kind or item.risk_kind
            item.risk_evidence = evidence
    db.session.flush()
    return item


def flag_post(post: Post, *, reporter: User, reason: str, message: str,
              auto_hide_at: int) -> Flag:
    """Record a member's flag; ``auto_hide_at`` distinct open flags hide the post at once."""
    if reason not in FLAG_REASONS or reason in SCREENER_ONLY_REASONS:
        raise ValueError(reason)
    exists = db.session.scalar(
        select(Flag.id).where(Flag.post_id == post.id, Flag.reporter_id == reporter.id)
    )
    if exists is not None:
        raise AlreadyFlagged(post.id)
    item = open_review_item(post, source="flags", reason=reason,
                            crisis=reason == "risk_of_harm")
    flag = Flag(post_id=post.id, reporter_id=reporter.id, item=item, reason=reason,
                message=message.strip(), created_at=utcnow())
    db.session.add(flag)
    db.session.flush()
    open_flags = db.session.scalar(
        select(func.count(func.distinct(Flag.reporter_id)))
        .where(Flag.post_id == post.id, Flag.is_open.is_(True))
    )
    if open_flags >= auto_hide_at and post.status == "visible":
        change_post_status(post, "hidden")
        audit(None, "auto_hide", target_type="post", target_id=post.id,
              category_id=item.category_id, reason=f"{open_flags} members flagged it",
              before={"status": "visible"}, after={"status": "hidden"})
        _notify(post.author, "auto_hidden",
                "Several members asked the moderators to look at your post, so it is hidden "
                "until a trained peer moderator has reviewed it. You will hear the outcome.",
                post)
    if reason == "risk_of_harm":
        _hold_for_care(post, item)
    if item.is_crisis and item.alerted_at is None:  # "at risk of harm": alert on-duty now
        alerts.alert_on_duty(item)
    return flag


def _hold_for_care(post: Post, item: ReviewItem) -> None:
    """A member fears the author is at risk: hold the post at once (so the alert's "held"
    is true), and tell the author gently, with where to find help now. The author never
    learns who flagged."""
    if post.status != "visible":
        return  # already held, hidden or removed: nothing more to hold
    change_post_status(post, "pending")
    audit(None, "hold", target_type="post", target_id=post.id, category_id=item.category_id,
          reason="a member flagged it as at risk of harm",
          before={"status": "visible"}, after={"status": "pending"})
    _notify(post.author, "held_for_care",
            "Someone in the community was worried about you after reading your post, so "
            "it is held while a trained peer moderator looks at it. You have done nothing "
            "wrong. If you need help now, the \u201cNeed help now?\u201d page at the top of "
            "every page lists who to call.", post)


def claim(item: ReviewItem, *, moderator: User) -> None:
    """Take an item so colleagues know it is being handled (records time to claim)."""
    _require_open(item)
    if item.claimed_by_id is None:
        item.claimed_by_id, item.claimed_at = moderator.id, utcnow()
        audit(moderator, "claim", target_type="review_item", target_id=item.id,
              category_id=item.category_id)
    db.session.flush()


def _require_open(item: ReviewItem) -> None:
    if item.status != "open":
        raise ItemClosed(item.id)


def _claim_if_unclaimed(item: ReviewItem, moderator: User) -> None:
    if item.claimed_by_id is None:
        item.claimed_by_id, item.claimed_at = moderator.id, utcnow()


def _close(item: ReviewItem, moderator: User, outcome: str) -> None:
    now = utcnow()
    _claim_if_unclaimed(item, moderator)
    item.status, item.outcome = "resolved", outcome
    item.resolved_by_id, item.resolved_at = moderator.id, now
    for flag in item.flags:
        flag.is_open = False


def _notify(user: User, kind: str, message: str, post: Post | None = None) -> None:
    """Tell a member privately: the decision's text (``ModerationNotice``), a line on
    their notifications page pointing at it, and an email after the commit."""
    notice = ModerationNotice(user_id=user.id, post_id=post.id if post else None,
                              kind=kind, message=message, created_at=utcnow())
    db.session.add(notice)
    notifications.moderation_decision(notice, post)
    queue_email(user.email, "moderation_notice", user=user, message=message,
                action_url=external_url("notifications.index"))


def _act_on_post(item: ReviewItem, moderator: User, *, action: str, outcome: str,
                 new_status: str | None, reason: str, notice: str | None) -> None:
    _require_open(item)
    post = item.post
    before = {"status": post.status}
    if new_status is not None and post.status == "deleted_by_author":
        raise AuthorDeleted(post.id)
    if new_status is not None and new_status != post.status:
        change_post_status(post, new_status)
    _close(item, moderator, outcome)
    audit(moderator, action, target_type="post", target_id=post.id,
          category_id=item.category_id, reason=reason, before=before,
          after={"status": post.status})
    if notice:
        _notify(post.author, outcome, notice, post)
    db.session.flush()


def _close_unless_held(item: ReviewItem, moderator: User, outcome: str) -> bool:
    """Close ``item``, unless its post is still held: then it stays open (claimed), since
    the post still needs approving or rejecting. Returns whether the item was closed."""
    if item.post.status == "pending":
        _claim_if_unclaimed(item, moderator)
        return False
    _close(item, moderator, outcome)
    return True


def dismiss(item: ReviewItem, *, moderator: User, reason: str = "") -> None:
    """Keep the post: close the flags (and show the post again if flags had hidden it)."""
    post = item.post
    restored = post.status == "hidden"
    _act_on_post(
        item, moderator, action="dismiss", outcome="dismissed",
        new_status="visible" if restored else None, reason=reason,
        notice=("A moderator reviewed your post and it is visible again. Thank you for "
                "your patience.") if restored else
               ("A moderator reviewed your post after a report and left it up as it is. "
                "There is nothing you need to do."),
    )


def approve(item: ReviewItem, *, moderator: User, reason: str = "") -> None:
    """Publish a post that was held for review (pre-moderation or a watched phrase)."""
    _act_on_post(item, moderator, action="approve", outcome="approved", new_status="visible",
                 reason=reason, notice="A moderator approved your post; it is now visible.")


def reject(item: ReviewItem, *, moderator: User, feedback: str) -> None:
    """Refuse a held post, with feedback the author sees."""
    _act_on_post(item, moderator, action="reject", outcome="rejected", new_status="removed",
                 reason=feedback,
                 notice=f"A moderator did not publish your post. Their feedback: {feedback}")


def hide(item: ReviewItem, *, moderator: User, reason: str) -> None:
    """Hide the post; the author sees it with the reason."""
    _act_on_post(item, moderator, action="hide", outcome="hidden", new_status="hidden",
                 reason=reason, notice=f"A moderator hid your post. Reason: {reason}")


def remove(item: ReviewItem, *, moderator: User, reason: str) -> None:
    """Remove the post from the forum (its author still sees it, marked removed)."""
    _act_on_post(item, moderator, action="remove", outcome="removed", new_status="removed",
                 reason=reason, notice=f"A moderator removed your post. Reason: {reason}")


def moderator_edit(item: ReviewItem, *, moderator: User, body: str, reason: str,
                   redact: bool = False) -> None:
    """Edit the post's text and keep it visible. The original stays in the post's
    history (author and moderators only) unless ``redact``: then every earlier version's
    text is removed for good, as for personal details.

    The audit entry names the revision that holds the old text rather than copying it,
    so a redaction leaves no copy behind in the append-only log.
    """
    _require_open(item)
    post = item.post
    if post.status == "deleted_by_author":
        raise AuthorDeleted(post.id)
    before = {"status": post.status}
    kept = len(post.revisions)
    edit_post(post, editor=moderator, body=body)
    if len(post.revisions) > kept:  # the text changed: name the revision holding the old one
        before["revision_id"] = post.revisions[-1].id
    if post.status != "visible":
        change_post_status(post, "visible")
    _close(item, moderator, "edited")
    audit(moderator, "edit", target_type="post", target_id=post.id,
          category_id=item.category_id, reason=reason, before=before,
          after={"status": post.status})
    if redact:
        redact_history(post, by=moderator, reason=reason)
    _notify(post.author, "edited", f"A moderator edited your post. Reason: {reason}", post)
    db.session.flush()


def lock_from_item(item: ReviewItem, *, moderator: User, reason: str) -> bool:
    """Lock the post's thread to new replies and close the item (unless the post is held).
    Returns whether the item was closed."""
    _require_open(item)
    thread = item.post.thread
    set_thread_lock(thread, moderator=moderator, locked=True, reason=reason)
    closed = _close_unless_held(item, moderator, "locked")
    _notify(item.post.author, "locked",
            f"A moderator closed the thread “{thread.title}” to new replies. Reason: {reason}",
            item.post)
    db.session.flush()
    return closed


def warn(item: ReviewItem, *, moderator: User, reason: str) -> bool:
    """Send the author a private warning and close the item (unless the post is held).
    Returns whether the item was closed."""
    _require_open(item)
    author = item.post.author
    closed = _close_unless_held(item, moderator, "warned")
    audit(moderator, "warn", target_type="user", target_id=author.id,
          category_id=item.category_id, reason=reason)
    _notify(author, "warning", f"A moderator has sent you a warning: {reason}", item.post)
    db.session.flush()
    return closed


def suspend(item: ReviewItem, *, moderator: User, days: int | None, reason: str) -> bool:
    """Suspend the author (moderators: 1-7 days; admins any length, None = permanently).
    Closes the item unless the post is held; returns whether it was closed."""
    _require_open(item)
    if not moderator.is_admin and (days is None or days > MODERATOR_MAX_SUSPENSION_DAYS):
        raise TooLong(days)
    author = item.post.author
    if author.is_admin or (author.role == "moderator" and not moderator.is_admin):
        raise CannotSuspendStaff(author.id)
    before = {"suspended_until": author.suspended_until}
    until = utcnow() + timedelta(days=days) if days else PERMANENT
    author.suspended_until = until
    closed = _close_unless_held(item, moderator, "suspended")
    audit(moderator, "suspend", target_type="user", target_id=author.id,
          category_id=item.category_id, reason=reason, before=before,
          after={"suspended_until": until})
    length = f"for {days} day{'s' if days != 1 else ''}" if days else "permanently"
    _notify(author, "suspension",
            f"Your account is suspended {length}: you can read but not post. Reason: {reason}",
            item.post)
    db.session.flush()
    return closed


# --- thread tools ---------------------------------------------------------------------

def set_thread_lock(thread: Thread, *, moderator: User, locked: bool, reason: str = "") -> None:
    before = {"is_locked": thread.is_locked}
    thread.is_locked = locked
    audit(moderator, "lock" if locked else "unlock", target_type="thread", target_id=thread.id,
          category_id=thread.category_id, reason=reason, before=before,
          after={"is_locked": locked})
    db.session.flush()


def set_thread_pin(thread: Thread, *, moderator: User, pinned: bool) -> None:
    before = {"is_pinned": thread.is_pinned}
    thread.is_pinned = pinned
    audit(moderator, "pin" if pinned else "unpin", target_type="thread", target_id=thread.id,
          category_id=thread.category_id, before=before, after={"is_pinned": pinned})
    db.session.flush()


def set_thread_guided(thread: Thread, *, moderator: User, guided: bool) -> None:
    before = {"guide_id": thread.guide_id}
    thread.guide_id = moderator.id if guided else None
    audit(moderator, "guide" if guided else "unguide", target_type="thread",
          target_id=thread.id, category_id=thread.category_id, before=before,
          after={"guide_id": thread.guide_id})
    db.session.flush()


def move_thread(thread: Thread, *, moderator: User, to_category) -> None:
    """Move a thread (and its counters) to another category."""
    from forum.threads.services import move_thread as _move

    before = {"category_id": thread.category_id}
    _move(thread, to_category)
    # Open review items follow the thread: the new category's moderators handle them,
    # and the old category's can no longer act on a post they no longer lead.
    for item in db.session.scalars(
        select(ReviewItem).join(Post, Post.id == ReviewItem.post_id)
        .where(Post.thread_id == thread.id, ReviewItem.status == "open")
    ):
        item.category_id = to_category.id
    audit(moderator, "move", target_type="thread", target_id=thread.id,
          category_id=to_category.id, before=before, after={"category_id": to_category.id})
    db.session.flush()


def set_on_duty(user: User, *, on_duty: bool) -> None:
    """Mark a moderator available (or not) for immediate crisis alerts."""
    user.is_on_duty = on_duty
    audit(user, "duty_on" if on_duty else "duty_off", target_type="user", target_id=user.id)
    db.session.flush()
