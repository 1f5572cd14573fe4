"""The audit writer: one append-only entry per staff action or system decision.

Shared by moderation, admin and digest (every feature that acts on members' content
or accounts), so it sits below all of them and imports no feature.
"""

from __future__ import annotations

import json

from forum.clock import utcnow
from forum.extensions import db
from forum.models import AuditEntry, User


def audit(actor: User | None, action: str, *, target_type: str, target_id: int | None,
          category_id: int | None = None, reason: str = "", before=None, after=None) -> AuditEntry:
    """Append one audit entry (before/after as JSON); the caller's transaction commits it."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None, action=action, target_type=target_type,
        target_id=target_id, category_id=category_id, reason=reason or "",
        before=json.dumps(before, sort_keys=True, default=str) if before is not None else "",
        after=json.dumps(after, sort_keys=True, default=str) if after is not None else "",
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry
