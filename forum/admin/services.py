"""Program staff operations: training records, appointing moderators, category leads,
watched phrases. Each writes one audit entry; the caller commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from forum.audit import audit
from forum.clock import utcnow
from forum.extensions import db
from forum.models import CategoryModerator, ModeratorTraining, User, WatchedPhrase
from forum.permissions import has_current_training


class NoCurrentTraining(Exception):
    """A member can be made moderator only with a current training record."""


class DuplicatePhrase(Exception):
    """That phrase is already watched."""


def record_training(user: User, *, admin: User, course_name: str, completed_on: date,
                    valid_until: date, trainer: str, notes: str = "") -> ModeratorTraining:
    training = ModeratorTraining(user_id=user.id, course_name=course_name.strip(),
                                 completed_on=completed_on, valid_until=valid_until,
                                 trainer=trainer.strip(), notes=(notes or "").strip(),
                                 recorded_by_id=admin.id, created_at=utcnow())
    db.session.add(training)
    db.session.flush()
    audit(admin, "record_training", target_type="user", target_id=user.id,
          after={"course_name": training.course_name, "completed_on": completed_on,
                 "valid_until": valid_until, "trainer": training.trainer})
    return training


def set_role(user: User, *, admin: User, role: str) -> None:
    """Make a member a moderator (needs current training) or back to member."""
    if role not in ("member", "moderator"):
        raise ValueError(role)
    if role == "moderator" and not has_current_training(user):
        raise NoCurrentTraining(user.id)
    before = {"role": user.role}
    user.role = role
    if role == "member":
        user.is_on_duty = False
    audit(admin, "set_role", target_type="user", target_id=user.id, before=before,
          after={"role": role})
    db.session.flush()


def set_categories(user: User, *, admin: User, category_ids: set[int]) -> None:
    """Replace the categories ``user`` leads."""
    current = {cm.category_id: cm for cm in db.session.scalars(
        select(CategoryModerator).where(CategoryModerator.user_id == user.id))}
    for category_id in set(current) - category_ids:
        db.session.delete(current[category_id])
    for category_id in category_ids - set(current):
        db.session.add(CategoryModerator(category_id=category_id, user_id=user.id,
                                         created_at=utcnow()))
    audit(admin, "assign_categories", target_type="user", target_id=user.id,
          before={"category_ids": sorted(current)}, after={"category_ids": sorted(category_ids)})
    db.session.flush()


def add_phrase(*, admin: User, phrase: str, action: str, category: str) -> WatchedPhrase:
    phrase = " ".join(phrase.split())
    # Matching ignores case, so "DKA" and "dka" are the same phrase.
    if db.session.scalar(select(WatchedPhrase.id)
                         .where(func.lower(WatchedPhrase.phrase) == phrase.lower())):
        raise DuplicatePhrase(phrase)
    watched = WatchedPhrase(phrase=phrase, action=action, category=category, created_at=utcnow())
    db.session.add(watched)
    db.session.flush()
    audit(admin, "add_phrase", target_type="watched_phrase", target_id=watched.id,
          after={"phrase": phrase, "action": action, "category": category})
    return watched


def update_phrase(watched: WatchedPhrase, *, admin: User, action: str, category: str) -> None:
    before = {"action": watched.action, "category": watched.category}
    watched.action, watched.category = action, category
    audit(admin, "edit_phrase", target_type="watched_phrase", target_id=watched.id,
          before=before, after={"action": action, "category": category, "phrase": watched.phrase})
    db.session.flush()


def delete_phrase(watched: WatchedPhrase, *, admin: User) -> None:
    audit(admin, "delete_phrase", target_type="watched_phrase", target_id=watched.id,
          before={"phrase": watched.phrase, "action": watched.action,
                  "category": watched.category})
    db.session.delete(watched)
    db.session.flush()
