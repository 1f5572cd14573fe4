"""The rules in force: the shipped ``rules.toml`` plus the admins' local additions.

Admins read the shipped rules and add their own (terms for a lexicon, a new rule...) from
the admin pages; each save is a new ``ScreeningRules`` row, validated before it is stored
and audited. Every web worker compiles the newest version once and reuses it until a newer
one appears (one small query per screened post tells it), so an addition takes effect
everywhere at the next post without a restart.

If stored additions stop compiling (a later release renamed a lexicon they extend), the
screener falls back to the shipped rules and logs a warning: posting never breaks, and the
admin page says so.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from forum.audit import audit
from forum.clock import utcnow
from forum.extensions import db
from forum.models import ScreeningRules, User
from forum.moderation.screening.rules import (
    RulesError,
    RuleSet,
    default_rules,
    rules_with_additions,
)

log = logging.getLogger(__name__)
_lock = threading.Lock()
# (version id, its text) -> compiled rules: the text is part of the key, so a database
# rebuilt with new ids (tests, a restore) never reuses another version's rules.
_compiled: dict[tuple[int, str], RuleSet | RulesError] = {}


def current_version() -> ScreeningRules | None:
    """The additions in force (the newest saved version), or None if there are none."""
    return db.session.scalar(select(ScreeningRules).order_by(ScreeningRules.id.desc()).limit(1))


def history(limit: int = 20) -> list[ScreeningRules]:
    """The newest saved versions, newest first."""
    return list(db.session.scalars(
        select(ScreeningRules).order_by(ScreeningRules.id.desc()).limit(limit)))


def _compiled_version(version_id: int, additions: str) -> RuleSet | RulesError:
    with _lock:
        key = (version_id, additions)
        found = _compiled.get(key)
        if found is None:
            try:
                found = rules_with_additions(additions)
            except RulesError as error:
                found = error
                log.warning("screening rules version %s no longer compile; using the "
                            "shipped rules", version_id)
            _compiled.clear()  # keep one: versions only move forward
            _compiled[key] = found
        return found


def active_rules() -> RuleSet:
    """The rule set to screen with now: shipped rules plus the newest additions."""
    row = db.session.execute(
        select(ScreeningRules.id, ScreeningRules.additions)
        .order_by(ScreeningRules.id.desc()).limit(1)).first()
    if row is None or not row.additions.strip():
        return default_rules()
    found = _compiled_version(row.id, row.additions)
    return default_rules() if isinstance(found, RulesError) else found


def problem_with_current() -> str | None:
    """Why the additions in force don't compile (the screener is using the shipped rules
    alone), or None when they are fine."""
    row = current_version()
    if row is None or not row.additions.strip():
        return None
    found = _compiled_version(row.id, row.additions)
    return str(found) if isinstance(found, RulesError) else None


def check_additions(additions: str) -> RuleSet:
    """Compile ``additions`` on top of the shipped rules; raises ``RulesError``."""
    if not additions.strip():
        return default_rules()
    return rules_with_additions(additions)


def save_additions(additions: str, *, admin: User, note: str) -> ScreeningRules:
    """Store a new version of the local additions (validated first: raises ``RulesError``)
    and audit it. The caller commits."""
    check_additions(additions)
    previous = current_version()
    row = ScreeningRules(additions=additions, note=note.strip(), created_by_id=admin.id,
                         created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit(admin, "screening_rules", target_type="screening_rules", target_id=row.id,
          reason=note.strip(),
          before={"version": previous.id if previous else None}, after={"version": row.id})
    return row
