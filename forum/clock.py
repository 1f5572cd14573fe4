"""The one source of "now" for the forum, so tests can move time without sleeping.

All timestamps are timezone-aware UTC in Python and stored as UTC in the database
(see ``forum.models.base.UTCDateTime``).
"""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (or the frozen time in tests)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware), or unfreeze it with ``None``. Tests only."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment


def timestamp() -> float:
    """Seconds since the epoch according to ``utcnow()`` (for signed tokens)."""
    return utcnow().timestamp()
