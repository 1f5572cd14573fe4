"""Helpers shared by the moderation tests: a trained moderator, rows by kind, forms."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    AuditEntry,
    Flag,
    ModerationNotice,
    Post,
    ReviewItem,
)
from tests.factories import make_moderator, make_user  # noqa: F401 (tests import it here)


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows(action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def items_for(post_id: int) -> list[ReviewItem]:
    return list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.post_id == post_id).order_by(ReviewItem.id)))


def open_item(post_id: int) -> ReviewItem | None:
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post_id,
                                                      ReviewItem.status == "open"))


def notices(user_id: int) -> list[ModerationNotice]:
    return list(db.session.scalars(
        select(ModerationNotice).where(ModerationNotice.user_id == user_id)
        .order_by(ModerationNotice.id)))


def flags_on(post_id: int) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.post_id == post_id)))


def newest_post() -> Post:
    return db.session.scalar(select(Post).order_by(Post.id.desc()))


def act(client, item_id: int, action: str, **fields):
    """POST one review-item action with its prefixed form fields (reason=..., days=...)."""
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(f"/mod/items/{item_id}/{action}", data=data)


def flag(client, post_id: int, reason: str, message: str = ""):
    return client.post(f"/p/{post_id}/flag", data={"reason": reason, "message": message})


def item_links(html: str) -> list[int]:
    """Review-item ids in the order the queue lists them."""
    return [int(n) for n in re.findall(r'href="/mod/items/(\d+)"', html)]


def email_text(message) -> str:
    """Subject and every text part of a received email, decoded."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)
