"""Shared column types and helpers for the models.

Timestamp convention: every datetime is stored as UTC *without* a zone (portable
across SQLite and PostgreSQL) and comes back as an aware UTC datetime. Python code
only ever handles aware UTC values from ``forum.clock.utcnow``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from forum.clock import utcnow


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as naive UTC; load them back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use forum.clock.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def now() -> datetime:
    """Column default: the current aware UTC time."""
    return utcnow()
