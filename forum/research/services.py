"""The research-consent ledger: every grant and every withdrawal is a new
``ResearchConsent`` row, never updated or deleted (erasure deletes a member's rows with
the rest of their data). A member's newest row decides.

``consenting_ids`` is the one definition of who takes part, for every export: members
whose newest row, at the moment of the export, is a grant under a version that still
counts (``consent.counted_ids``), and who are not erased or waiting for erasure. A
withdrawal is therefore in force for the very next export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from forum.clock import utcnow
from forum.extensions import db
from forum.models import ResearchConsent, User
from forum.research import consent


@dataclass(frozen=True)
class Status:
    """A member's consent as their newest ledger row has it."""

    granted: bool = False
    version: str | None = None  # the version the newest row names
    at: datetime | None = None  # when that row was written
    withdrawn: bool = False  # the newest row is a withdrawal

    @property
    def counts(self) -> bool:
        """Whether the member's posts go into research exports now."""
        return self.granted and self.version in consent.counted_ids()

    @property
    def is_current(self) -> bool:
        """Agreed to the text shown now."""
        return self.granted and self.version == consent.current().id


def _newer(row, other, at: datetime | None):
    """SQL: ``other`` is a ledger row of the same member newer than ``row`` (by time,
    then by id), written by ``at`` if given."""
    criteria = [other.user_id == row.user_id,
                or_(other.at > row.at, and_(other.at == row.at, other.id > row.id))]
    if at is not None:
        criteria.append(other.at <= at)
    return select(other.id).where(*criteria).exists()


def newest_row(user: User) -> ResearchConsent | None:
    return db.session.scalar(
        select(ResearchConsent).where(ResearchConsent.user_id == user.id)
        .order_by(ResearchConsent.at.desc(), ResearchConsent.id.desc()).limit(1))


def status(user: User) -> Status:
    row = newest_row(user)
    if row is None:
        return Status()
    return Status(granted=row.granted, version=row.version, at=row.at,
                  withdrawn=not row.granted)


def grant(user: User) -> ResearchConsent | None:
    """Record the member's agreement to the current text; None (no row) if their newest
    row already is one."""
    if status(user).is_current:
        return None
    row = ResearchConsent(user_id=user.id, version=consent.current().id, granted=True,
                          at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def withdraw(user: User) -> ResearchConsent | None:
    """Record the member's withdrawal (naming the version they withdraw from); None (no
    row) if they have not agreed."""
    current = status(user)
    if not current.granted:
        return None
    row = ResearchConsent(user_id=user.id, version=current.version, granted=False,
                          at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def consenting_ids(at: datetime | None = None):
    """A ``SELECT user_id`` of the members taking part at ``at`` (default: now), for
    ``column.in_(...)``: newest ledger row (written by ``at``) a grant under a counted
    version; account neither erased nor waiting for erasure."""
    row, other = aliased(ResearchConsent), aliased(ResearchConsent)
    stmt = (select(row.user_id)
            .join(User, User.id == row.user_id)
            .where(row.granted.is_(True), row.version.in_(consent.counted_ids()),
                   User.erased_at.is_(None), User.deletion_requested_at.is_(None),
                   ~_newer(row, other, at)))
    if at is not None:
        stmt = stmt.where(row.at <= at)
    return stmt


def consenting_user_ids(at: datetime | None = None) -> set[int]:
    """The ids ``consenting_ids`` selects."""
    return set(db.session.scalars(consenting_ids(at)))


def consenting_count() -> int:
    """How many members take part now (for the admin dashboard)."""
    return db.session.scalar(select(func.count()).select_from(consenting_ids().subquery()))
