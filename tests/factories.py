"""Plain factory functions for test data. They flush; the test commits."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from forum.auth.passwords import hash_password
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Category, CategoryModerator, ModeratorTraining, Post, User
from forum.threads import services

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(*, email: str | None = None, display_name: str | None = None,
              password: str = PASSWORD, confirmed: bool = True, role: str = "member",
              **fields) -> User:
    n = next(_counter)
    user = User(email=(email or f"member{n}@example.test").lower(),
                password_hash=hash_password(password), role=role,
                email_confirmed_at=utcnow() if confirmed else None, **fields)
    user.set_display_name(display_name or f"Member {n}")
    db.session.add(user)
    db.session.flush()
    return user


def make_category(*, name: str | None = None, slug: str | None = None,
                  members_only: bool = False, position: int = 0) -> Category:
    n = next(_counter)
    category = Category(name=name or f"Category {n}", slug=slug or f"category-{n}",
                        description="A place to talk.", members_only=members_only,
                        position=position)
    db.session.add(category)
    db.session.flush()
    return category


def make_thread(*, category: Category | None = None, author: User | None = None,
                title: str = "Night-time hypos after exercise", body: str = "Does anyone else?",
                at: datetime | None = None):
    return services.create_thread(category or make_category(), author=author or make_user(),
                                  title=title, body=body, at=at)


def make_post(thread, *, author: User | None = None, body: str = "Same here, it helps to talk.",
              at: datetime | None = None) -> Post:
    return services.add_reply(thread, author=author or make_user(), body=body, at=at)


def make_training(user: User, *, completed_on: date | None = None,
                  valid_until: date | None = None) -> ModeratorTraining:
    """A moderator training record for ``user``, by default valid from today-30d to today+300d."""
    today = utcnow().date()
    training = ModeratorTraining(
        user_id=user.id, course_name="Peer Support Moderator Foundation",
        completed_on=completed_on or today - timedelta(days=30),
        valid_until=valid_until or today + timedelta(days=300),
        trainer="Test trainer", recorded_by_id=user.id)
    db.session.add(training)
    db.session.flush()
    return training


def make_moderator(user: User | None = None, categories=(), *, trained: bool = True,
                   completed_days_ago: int = 30, valid_days: int = 330,
                   on_duty: bool = False, **fields) -> User:
    """A peer moderator (``user``, or a new user) who leads ``categories`` (objects or
    ids), with a training record completed ``completed_days_ago`` and valid for
    ``valid_days`` from then, unless ``trained`` is False (then they have no moderator
    powers). ``completed_days_ago > valid_days`` gives a lapsed moderator."""
    user = user or make_user(**fields)
    user.role, user.is_on_duty = "moderator", on_duty
    if trained:
        completed = utcnow().date() - timedelta(days=completed_days_ago)
        make_training(user, completed_on=completed,
                      valid_until=completed + timedelta(days=valid_days))
    for category in categories:
        category_id = category if isinstance(category, int) else category.id
        db.session.add(CategoryModerator(category_id=category_id, user_id=user.id))
    db.session.flush()
    return user
