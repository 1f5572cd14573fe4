"""Member profiles: display name, join date, post count and bio; never the email.

A member who hid their profile from visitors shows visitors their display name only.
Staff also see earlier display names. Profiles are never indexed by search engines
(no ``allow_indexing``)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import DisplayNameChange, Thread, User
from forum.permissions import (
    can_see_former_names,
    can_view_full_profile,
    listed_thread_filter,
    visible_category_filter,
)
from forum.web import ID

bp = Blueprint("users", __name__, url_prefix="/members")

RECENT_THREADS = 10


@bp.get(f"/<{ID}:user_id>")
def profile(user_id):
    """A member's public profile with the recent threads they started that the viewer may see."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.erased_at is not None:  # a deleted account: its name, nothing else
        return render_template("users/erased.html", user=user)
    if not can_view_full_profile(current_user, user):
        return render_template("users/profile.html", user=user, threads=[], hidden=True)
    former_names = []
    if can_see_former_names(current_user):
        former_names = db.session.scalars(
            select(DisplayNameChange).where(DisplayNameChange.user_id == user.id)
            .order_by(DisplayNameChange.changed_at.desc())).all()
    threads = db.session.scalars(
        select(Thread).join(Thread.category).options(joinedload(Thread.category))
        .where(Thread.author_id == user.id, visible_category_filter(current_user),
               listed_thread_filter(current_user))
        .order_by(Thread.created_at.desc()).limit(RECENT_THREADS)
    ).all()
    return render_template("users/profile.html", user=user, threads=threads,
                           former_names=former_names, hidden=False)
