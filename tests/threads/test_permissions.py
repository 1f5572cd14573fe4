"""The visibility rule in forum.permissions, checked in SQL and on loaded rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from forum import permissions
from forum.clock import utcnow
from forum.extensions import db
from forum.models import POST_STATUSES, Post, Thread, User
from forum.threads import services
from tests.factories import (
    make_category,
    make_moderator,
    make_post,
    make_thread,
    make_training,
    make_user,
)


@pytest.fixture
def cast(app_ctx):
    """Five posts by ``author``, one per status, plus a visible one by ``other``."""
    author = make_user(display_name="Author")
    other = make_user(display_name="Other")
    thread = make_thread(author=other, body="opening by other")
    people = {
        "visitor": AnonymousUserMixin(),
        "none": None,
        "author": author,
        "other": other,
        "moderator": make_moderator(display_name="Moderator", categories=[thread.category]),
        "admin": make_user(display_name="Admin", role="admin"),
        "untrained": make_moderator(display_name="Untrained", categories=[thread.category],
                                    trained=False),
        "lapsed": _lapsed_moderator(thread.category),
        "other_category": make_moderator(display_name="Elsewhere",
                                         categories=[make_category()]),
    }
    posts = {}
    for status in POST_STATUSES:
        post = make_post(thread, author=author, body=f"a {status} post")
        post.status = status
        posts[status] = post.id
    posts["opening"] = thread.posts[0].id
    db.session.commit()
    return people, posts


def _lapsed_moderator(category):
    """Role moderator, lead of ``category``, but the training ran out yesterday."""
    user = make_moderator(display_name="Lapsed", categories=[category], trained=False)
    today = utcnow().date()
    make_training(user, completed_on=today - timedelta(days=400),
                  valid_until=today - timedelta(days=1))
    return user


EXPECTED = {
    "visitor": {"opening", "visible"},
    "none": {"opening", "visible"},
    "other": {"opening", "visible"},
    "author": {"opening", "visible", "pending", "hidden", "removed"},
    "moderator": {"opening", "visible", "pending", "hidden", "removed"},
    "admin": {"opening", "visible", "pending", "hidden", "removed"},
    # Moderators without powers here read what a member reads.
    "untrained": {"opening", "visible"},
    "lapsed": {"opening", "visible"},
    "other_category": {"opening", "visible"},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_visible_post_filter_selects_exactly_the_readable_posts(cast, who):
    people, posts = cast

    stmt = select(Post.id).where(permissions.visible_post_filter(people[who]))

    ids = set(db.session.scalars(stmt))

    assert ids == {posts[name] for name in EXPECTED[who]}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_can_view_post_agrees_with_the_sql_filter(cast, who):
    people, posts = cast

    readable = {name for name, post_id in posts.items()
                if permissions.can_view_post(people[who], db.session.get(Post, post_id))}

    assert readable == EXPECTED[who]


def test_visible_post_filter_combines_with_category_visibility(app_ctx):
    secret = make_thread(category=make_category(members_only=True), body="members only words")
    public = make_thread(category=make_category(), body="public words")
    member = make_user()
    db.session.commit()
    stmt = select(Post.id).join(Post.thread).join(Thread.category)

    def ids(user):
        return set(db.session.scalars(stmt.where(permissions.visible_post_filter(user),
                                                 permissions.visible_category_filter(user))))

    assert ids(AnonymousUserMixin()) == {public.posts[0].id}
    assert ids(member) == {public.posts[0].id, secret.posts[0].id}


def test_members_only_posts_are_unreadable_for_visitors_whatever_their_status(app_ctx):
    thread = make_thread(category=make_category(members_only=True))
    member = make_user()
    db.session.commit()

    assert not permissions.can_view_post(AnonymousUserMixin(), thread.posts[0])
    assert not permissions.can_view_thread(None, thread)
    assert permissions.can_view_post(member, thread.posts[0])


def test_can_reply_rules(app_ctx):
    thread = make_thread()
    member = make_user()
    unconfirmed = make_user(confirmed=False)
    suspended = make_user(suspended_until=datetime(2999, 1, 1, tzinfo=UTC))
    moderator = make_moderator(categories=[thread.category])
    untrained = make_moderator(categories=[thread.category], trained=False)
    elsewhere = make_moderator(categories=[make_category()])
    admin = make_user(role="admin")

    assert permissions.can_reply(member, thread)
    assert not permissions.can_reply(AnonymousUserMixin(), thread)
    assert not permissions.can_reply(unconfirmed, thread)
    assert not permissions.can_reply(suspended, thread)
    thread.is_locked = True
    assert not permissions.can_reply(member, thread)
    assert permissions.can_reply(moderator, thread)
    assert permissions.can_reply(admin, thread)
    assert not permissions.can_reply(untrained, thread)
    assert not permissions.can_reply(elsewhere, thread)


def test_why_cannot_post_explains_each_case(app_ctx):
    assert permissions.why_cannot_post(None).startswith("Log in")
    assert "confirm your email" in permissions.why_cannot_post(make_user(confirmed=False))
    assert "suspended" in permissions.why_cannot_post(
        make_user(suspended_until=datetime(2999, 1, 1, tzinfo=UTC)))
    assert permissions.why_cannot_post(make_user()) is None


def test_can_edit_and_delete_only_own_posts(app_ctx):
    thread = make_thread()
    author = thread.posts[0].author
    other = make_user()
    moderator = make_moderator(categories=[thread.category])
    post = thread.posts[0]

    assert permissions.can_edit_post(author, post) and permissions.can_delete_post(author, post)
    for user in (other, moderator, AnonymousUserMixin()):
        assert not permissions.can_edit_post(user, post)
        assert not permissions.can_delete_post(user, post)
    post.status = "deleted_by_author"
    assert not permissions.can_edit_post(author, post)
    assert not permissions.can_delete_post(author, post)


def test_can_react_to_others_visible_posts_only(app_ctx):
    thread = make_thread()
    post = thread.posts[0]
    other = make_user()

    assert permissions.can_react(other, post)
    assert not permissions.can_react(post.author, post)
    assert not permissions.can_react(AnonymousUserMixin(), post)
    post.status = "hidden"
    assert not permissions.can_react(other, post)


def test_user_objects_are_used_not_just_ids(app_ctx):
    user = make_user()
    assert isinstance(user, User) and permissions.is_active_moderator(user) is False
    assert permissions.is_active_moderator(make_user(role="admin"))


def test_moderator_powers_need_training_and_a_led_category(app_ctx):
    led, other = make_category(), make_category()
    trained = make_moderator(categories=[led])
    untrained = make_moderator(categories=[led], trained=False)
    lapsed = _lapsed_moderator(led)
    no_category = make_moderator()
    admin = make_user(role="admin")
    member = make_user()

    assert permissions.is_active_moderator(trained)
    assert permissions.can_moderate(trained, led) and permissions.can_moderate(trained, led.id)
    assert not permissions.can_moderate(trained, other)
    assert permissions.moderated_category_ids(trained) == {led.id}
    for user in (untrained, lapsed, no_category, member, None, AnonymousUserMixin()):
        assert not permissions.is_active_moderator(user)
        assert not permissions.can_moderate(user, led)
        assert permissions.moderated_category_ids(user) == set()
    assert permissions.moderated_category_ids(admin) is permissions.ALL
    assert permissions.can_moderate(admin, led) and permissions.can_moderate(admin, other)


@pytest.mark.parametrize("status", ["pending", "hidden", "removed"])
def test_unlisted_thread_is_seen_by_its_author_and_its_category_moderators(app_ctx, status):
    """A thread whose opening post is not visible: shown only to its author and to the
    category's moderators (admins everywhere), in SQL and on the loaded row alike."""
    author = make_user()
    thread = make_thread(author=author, body="opening words")
    services.change_post_status(thread.posts[0], status)
    people = {
        "author": author,
        "member": make_user(),
        "visitor": AnonymousUserMixin(),
        "moderator": make_moderator(categories=[thread.category]),
        "admin": make_user(role="admin"),
        "untrained": make_moderator(categories=[thread.category], trained=False),
        "other_category": make_moderator(categories=[make_category()]),
    }
    db.session.commit()
    assert thread.is_listed is False
    readers = {"author", "moderator", "admin"}

    for who, user in people.items():
        listed = db.session.scalar(select(Thread.id).where(
            Thread.id == thread.id, permissions.listed_thread_filter(user)))
        post_ids = set(db.session.scalars(select(Post.id).where(
            permissions.visible_post_filter(user))))
        assert permissions.can_view_thread(user, thread) is (who in readers), who
        assert (listed is not None) is (who in readers), who
        assert permissions.can_view_post(user, thread.posts[0]) is (who in readers), who
        assert (thread.posts[0].id in post_ids) is (who in readers), who
