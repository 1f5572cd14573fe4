"""How many moderation notices the logged-in member has not read (the header badge)."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import ModerationNotice


def unread_count() -> int:
    """Called by the page header only when it renders: error pages and redirects that
    never show the header cost no query."""
    if not current_user.is_authenticated:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(ModerationNotice)
        .where(ModerationNotice.user_id == current_user.id, ModerationNotice.read_at.is_(None))
    ) or 0
