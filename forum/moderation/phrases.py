"""The shipped starting list of watched phrases, installed by ``flask moderation
install-phrases`` and by the demo seed."""

from __future__ import annotations

from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import WatchedPhrase
from forum.moderation.default_phrases import DEFAULT_PHRASES


def install_default_phrases() -> int:
    """Add the shipped starting list (phrases already present are left alone); returns
    how many were added. The caller commits."""
    existing = set(db.session.scalars(select(WatchedPhrase.phrase)))
    added = 0
    for phrase, action, category in DEFAULT_PHRASES:
        if phrase not in existing:
            db.session.add(WatchedPhrase(phrase=phrase, action=action, category=category,
                                         created_at=utcnow()))
            added += 1
    db.session.flush()
    return added
