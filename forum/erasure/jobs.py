"""The erasure job behind ``flask erasure run``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from forum.clock import utcnow
from forum.erasure import services
from forum.extensions import db

log = logging.getLogger(__name__)


@dataclass
class Summary:
    erased: int = 0  # members erased by this run
    finished: int = 0  # erasures complete (the search index purged)
    pending: int = 0  # erasures waiting for the search index (the next run)


def run() -> Summary:
    """Erase each due member in a transaction of their own; then purge the index once
    for all of them and mark them finished. A crash at any point leaves the database
    consistent, and the next run picks up where this one stopped."""
    summary = Summary()
    done = []
    for user_id in services.due_user_ids():
        user = services.lock_user(user_id)
        if user is None or user.deletion_requested_at is None:
            db.session.rollback()  # cancelled meanwhile (the member logged in)
            continue
        if user.erased_at is None:
            if services.erase_on(user) > utcnow():
                db.session.rollback()  # asked again meanwhile: a new grace period
                continue
            services.erase(user)
            summary.erased += 1
        db.session.commit()
        done.append(user_id)
    if not done:
        return summary
    if not services.purge_index():
        summary.pending = len(done)
        log.warning("erasure: search index busy, %d erasure(s) finish next run", len(done))
        return summary
    for user_id in done:
        user = services.lock_user(user_id)
        if user is not None:
            services.mark_finished(user)
        db.session.commit()
        summary.finished += 1
    return summary
