"""Notifications by email, through the durable outbox (``flask notifications send``,
cron every minute).

Each member chooses, for replies in the threads they started (``email_replies``,
default immediately) and for everything else they are told about (``email_follows``:
other followed threads, quotes, mentions; default daily):

- ``immediately``: one email per thread, at most one per thread every
  ``NOTIFY_EMAIL_BATCH_MINUTES`` (15), holding every reply since the last one;
- ``daily``: one summary a day, after ``NOTIFY_EMAIL_SUMMARY_HOUR`` in their time zone;
- ``never``.

A notification is emailed only while it is unread and not yet emailed, once it is
``NOTIFY_EMAIL_DELAY`` seconds old (a line read on the site meanwhile is not emailed)
and at most ``NOTIFY_EMAIL_MAX_AGE`` old. Visibility is checked again when sending,
through the very query the notifications page uses (``queries.unemailed``): posts
held, hidden or removed since, and threads the member may no longer see, are not
emailed; suspended members and unconfirmed addresses get nothing. Quiet hours (22:00 to
07:00 in the member's time zone, off by default) defer everything to the morning.

Only reply, mention and quote lines are emailed (moderators' decisions have their own
email; reactions stay on the site). Each member is handled in their own transaction,
their row locked first (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two runs never
email the same line; the email is queued in the outbox and ``emailed_at`` set in that
same transaction. Emails have a text and an HTML part, link to each post's permalink,
carry no tracking, and show no post text from a members-only or sensitive category
(title and link only). Each has RFC 8058 one-click unsubscribe for its kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update

from forum.clock import utcnow
from forum.email import msgid_domain, one_line, queue_email
from forum.extensions import db, sqlite_write_lock
from forum.models import Notification, NotificationKind, User
from forum.notifications import queries
from forum.permissions import not_suspended_filter
from forum.text import excerpt
from forum.urls import external_url

IMMEDIATELY, DAILY, NEVER = "immediately", "daily", "never"
# The two kinds of email a member can unsubscribe from, and the setting each one is.
REPLIES, FOLLOWS = "replies", "follows"
KIND_SETTING = {REPLIES: "email_replies", FOLLOWS: "email_follows"}
EMAILED_KINDS = (NotificationKind.REPLY, NotificationKind.MENTION, NotificationKind.QUOTE)
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(7, 0)
_UNSUBSCRIBE_SALT = "notification-email-unsubscribe"


# --- unsubscribe tokens ----------------------------------------------------------------

def _signer() -> Signer:
    return Signer(str(current_app.config["SECRET_KEY"]), salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, kind: str) -> str:
    """A permanent, signed token that turns ``kind`` emails off for ``user``."""
    if kind not in KIND_SETTING:
        raise ValueError(kind)
    return _signer().sign(f"{user.id}-{kind}").decode()


def by_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The member and kind a token names, or None if it is not one of ours."""
    try:
        raw = _signer().unsign(token).decode()
    except (BadSignature, UnicodeError, ValueError):
        return None
    user_id, _, kind = raw.partition("-")
    if kind not in KIND_SETTING or not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return None if user is None else (user, kind)


def unsubscribe(user: User, kind: str) -> None:
    setattr(user, KIND_SETTING[kind], NEVER)
    db.session.flush()


# --- time -------------------------------------------------------------------------------

def zone_of(user: User) -> ZoneInfo:
    for name in (user.time_zone, current_app.config["NOTIFY_EMAIL_TIMEZONE"], "UTC"):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def in_quiet_hours(user: User, now: datetime) -> bool:
    if not user.quiet_hours:
        return False
    local = now.astimezone(zone_of(user)).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def summary_due(user: User, now: datetime) -> bool:
    """Whether the daily summary may go out now: past the summary hour in the member's
    zone, and none sent yet on that local day."""
    zone = zone_of(user)
    local = now.astimezone(zone)
    if local.hour < current_app.config["NOTIFY_EMAIL_SUMMARY_HOUR"]:
        return False
    last = user.summary_sent_at
    return last is None or last.astimezone(zone).date() < local.date()


# --- what goes in an email --------------------------------------------------------------

@dataclass
class Line:
    kind: str
    actor: str
    url: str
    excerpt: str  # "" in members-only and sensitive categories


@dataclass
class ThreadNews:
    title: str
    url: str
    category: str
    lines: list[Line] = field(default_factory=list)


def _title_only(category) -> bool:
    """No post text from members-only or sensitive categories: mail leaves the forum."""
    return category.members_only or category.digest_mode != "full"


def _group(rows: list[Notification]) -> list[ThreadNews]:
    threads: dict[int, ThreadNews] = {}
    for n in rows:
        post, thread = n.post, n.post.thread
        news = threads.get(thread.id)
        if news is None:
            news = threads[thread.id] = ThreadNews(
                title=thread.title, category=thread.category.name,
                url=external_url("threads.show", thread_id=thread.id))
        news.lines.append(Line(
            kind=n.kind, actor=n.actor.display_name if n.actor else "Someone",
            url=external_url("threads.permalink", post_id=post.id),
            excerpt="" if _title_only(thread.category) else excerpt(post.body_text, 300)))
    return list(threads.values())


def _headers(unsubscribe_url: str, kind: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers, as the digest sends them."""
    name = "".join(ch for ch in current_app.config["FORUM_NAME"] if ch not in '<>"\\')
    return {
        "List-Id": f"{one_line(name)} notifications <{kind}.notifications.{msgid_domain()}>",
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def _queue(user: User, kind: str, threads: list[ThreadNews], *, summary: bool) -> None:
    token = unsubscribe_token(user, kind)
    unsubscribe_url = external_url("notifications.unsubscribe", token=token)
    count = sum(len(t.lines) for t in threads)
    if summary:
        subject = f"Your daily summary: {count} new in {len(threads)} " \
                  f"thread{'' if len(threads) == 1 else 's'}"
    else:
        subject = f"{count} new in “{threads[0].title}”" if count > 1 \
            else f"New in “{threads[0].title}”"
    queue_email(user.email, "notifications", headers=_headers(unsubscribe_url, kind),
                action_url=threads[0].url if not summary else
                external_url("notifications.index"),
                user=user, threads=threads, summary=summary, subject=subject,
                kind=kind, unsubscribe_url=unsubscribe_url,
                settings_url=external_url("accounts.settings"),
                notifications_url=external_url("notifications.index"))


# --- sending ----------------------------------------------------------------------------

@dataclass
class Summary:
    emails: int = 0
    lines: int = 0
    deferred: int = 0  # members in quiet hours


def _kind_of(n: Notification, user: User) -> str:
    own = n.kind == NotificationKind.REPLY and n.post.thread.author_id == user.id
    return REPLIES if own else FOLLOWS


def send_due(now: datetime | None = None) -> Summary:
    """Email every member what is due now; commits once per member."""
    now = now or utcnow()
    config = current_app.config
    newest = now - timedelta(seconds=config["NOTIFY_EMAIL_DELAY"])
    oldest = now - timedelta(seconds=config["NOTIFY_EMAIL_MAX_AGE"])
    member_ids = list(db.session.scalars(
        select(Notification.user_id).distinct()
        .join(User, User.id == Notification.user_id)
        .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None),
               Notification.kind.in_(EMAILED_KINDS),
               Notification.created_at <= newest, Notification.created_at >= oldest,
               User.email_confirmed_at.is_not(None), not_suspended_filter(now),
               (User.email_replies != NEVER) | (User.email_follows != NEVER))
        .order_by(Notification.user_id)))
    db.session.commit()
    summary = Summary()
    for user_id in member_ids:
        try:
            _send_member(user_id, now, newest, oldest, summary)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return summary


def _lock(user_id: int, now: datetime) -> User | None:
    """The member, locked for this run (another run skips them), or None."""
    sqlite_write_lock()
    stmt = select(User).where(User.id == user_id, User.email_confirmed_at.is_not(None),
                              not_suspended_filter(now))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=User)
    return db.session.scalar(stmt.execution_options(populate_existing=True))


def _send_member(user_id: int, now: datetime, newest: datetime, oldest: datetime,
                 summary: Summary) -> None:
    user = _lock(user_id, now)
    if user is None:  # suspended, unconfirmed, gone, or another run has them
        return
    if in_quiet_hours(user, now):
        summary.deferred += 1
        return
    rows = queries.unemailed(user, EMAILED_KINDS, newest=newest, oldest=oldest)
    settings = {REPLIES: user.email_replies, FOLLOWS: user.email_follows}
    immediate: dict[int, list[Notification]] = {}
    daily: list[Notification] = []
    for n in rows:
        setting = settings[_kind_of(n, user)]
        if setting == IMMEDIATELY:
            immediate.setdefault(n.post.thread_id, []).append(n)
        elif setting == DAILY:
            daily.append(n)
    sent: list[int] = []
    if immediate:
        window = timedelta(minutes=current_app.config["NOTIFY_EMAIL_BATCH_MINUTES"])
        last = queries.last_emailed(user, list(immediate))
        for thread_id, lines in immediate.items():
            if thread_id in last and last[thread_id] > now - window:
                continue  # emailed about this thread less than 15 minutes ago: wait
            kinds = {_kind_of(n, user) for n in lines}
            _queue(user, REPLIES if kinds == {REPLIES} else FOLLOWS, _group(lines),
                   summary=False)
            sent += [n.id for n in lines]
            summary.emails += 1
    if daily and summary_due(user, now):
        _queue(user, FOLLOWS if any(_kind_of(n, user) == FOLLOWS for n in daily) else REPLIES,
               _group(daily), summary=True)
        user.summary_sent_at = now
        sent += [n.id for n in daily]
        summary.emails += 1
    if sent:
        db.session.execute(update(Notification).where(Notification.id.in_(sent))
                           .values(emailed_at=now))
        summary.lines += len(sent)
