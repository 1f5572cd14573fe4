"""Domain operations: counters, activity times, revisions and reactions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Post, PostRevision
from forum.threads import services
from tests.factories import make_category, make_post, make_thread, make_user
from tests.helpers import T0, counter_mismatches


def test_create_thread_counts_everything(app_ctx):
    category = make_category()
    author = make_user()

    thread = services.create_thread(category, author=author, title="  First   thread  ",
                                    body="Hello", at=T0)
    db.session.commit()

    db.session.expire_all()
    assert (thread.title, thread.post_count, thread.last_post_at, thread.created_at) == \
        ("First thread", 1, T0, T0)
    assert (category.thread_count, category.post_count, category.last_post_at) == (1, 1, T0)
    assert author.post_count == 1
    assert [p.status for p in thread.posts] == ["visible"]
    assert counter_mismatches() == []


def test_add_reply_counts_and_bumps_activity(app_ctx):
    thread = make_thread(at=T0)
    replier = make_user()

    post = services.add_reply(thread, author=replier, body="Me too", at=T0 + timedelta(hours=3))
    db.session.commit()

    db.session.expire_all()
    assert (thread.post_count, thread.reply_count, thread.last_post_at) == \
        (2, 1, T0 + timedelta(hours=3))
    assert (thread.category.post_count, thread.category.thread_count) == (2, 1)
    assert thread.category.last_post_at == T0 + timedelta(hours=3)
    assert replier.post_count == 1
    assert post.body_html == "<p>Me too</p>\n" and post.body_text == "Me too"
    assert counter_mismatches() == []


def test_add_reply_dated_in_the_past_does_not_move_activity_back(app_ctx):
    thread = make_thread(at=T0)

    make_post(thread, at=T0 - timedelta(days=1))
    db.session.commit()

    db.session.expire_all()
    assert thread.last_post_at == T0
    assert thread.category.last_post_at == T0


def test_add_reply_to_locked_thread_needs_allow_locked(app_ctx):
    thread = make_thread()
    thread.is_locked = True

    with pytest.raises(services.ThreadLocked):
        services.add_reply(thread, author=make_user(), body="Let me in")
    post = services.add_reply(thread, author=make_user(), body="Staff note", allow_locked=True)

    assert post.id is not None


def test_counters_stay_right_across_many_operations(app_ctx):
    members = [make_user() for _ in range(3)]
    categories = [make_category(), make_category(members_only=True)]
    threads = []
    for n in range(4):
        threads.append(make_thread(category=categories[n % 2], author=members[n % 3],
                                   at=T0 + timedelta(hours=n)))
    posts = []
    for n in range(12):
        posts.append(make_post(threads[n % 4], author=members[n % 3],
                               at=T0 + timedelta(days=1, hours=n)))
    services.delete_post_by_author(posts[11], author=members[11 % 3])
    services.delete_post_by_author(posts[2], author=members[2])
    services.delete_post_by_author(threads[1].posts[0], author=members[1])
    db.session.commit()

    assert counter_mismatches() == []
    assert sum(c.post_count for c in categories) == 4 + 12 - 3
    assert sum(m.post_count for m in members) == 4 + 12 - 3


def test_delete_post_by_author_decrements_once(app_ctx):
    thread = make_thread(at=T0)
    reply = make_post(thread, at=T0 + timedelta(hours=1))
    author = reply.author

    services.delete_post_by_author(reply, author=author)
    services.delete_post_by_author(reply, author=author)
    db.session.commit()

    db.session.expire_all()
    assert (thread.post_count, thread.category.post_count, author.post_count) == (1, 1, 0)
    assert thread.last_post_at == T0 and thread.category.last_post_at == T0
    assert counter_mismatches() == []


@pytest.mark.parametrize("held_as", ["pending", "hidden"])
def test_deleting_a_held_or_hidden_opening_post_never_lists_its_thread(app_ctx, held_as):
    """The title of a thread whose opening post was never published stays unpublished."""
    thread = make_thread(at=T0)
    opening = thread.posts[0]
    services.change_post_status(opening, held_as)
    db.session.commit()
    assert not thread.is_listed and thread.category.thread_count == 0

    services.delete_post_by_author(opening, author=opening.author)
    db.session.commit()

    db.session.expire_all()
    assert (opening.status, thread.is_listed, thread.category.thread_count) == \
        ("deleted_by_author", False, 0)
    assert counter_mismatches() == []


def test_deleting_a_published_opening_post_keeps_its_thread_listed(app_ctx):
    thread = make_thread(at=T0)
    services.delete_post_by_author(thread.posts[0], author=thread.author)
    db.session.commit()

    db.session.expire_all()
    assert thread.is_listed and thread.category.thread_count == 1
    assert counter_mismatches() == []


def test_delete_of_every_post_falls_back_to_thread_creation_time(app_ctx):
    thread = make_thread(at=T0)

    services.delete_post_by_author(thread.posts[0], author=thread.author)
    db.session.commit()

    db.session.expire_all()
    assert (thread.post_count, thread.last_post_at) == (0, T0)
    category = thread.category
    assert (category.post_count, category.thread_count, category.last_post_at) == (0, 1, None)


def test_delete_of_an_older_post_keeps_latest_activity(app_ctx):
    thread = make_thread(at=T0)
    early = make_post(thread, at=T0 + timedelta(hours=1))
    make_post(thread, at=T0 + timedelta(hours=2))

    services.delete_post_by_author(early, author=early.author)
    db.session.commit()

    db.session.expire_all()
    assert thread.last_post_at == T0 + timedelta(hours=2)
    assert counter_mismatches() == []


def test_delete_of_pending_post_leaves_counters_alone(app_ctx):
    thread = make_thread()
    reply = make_post(thread)
    reply.status = "pending"
    thread.post_count = 1
    thread.category.post_count = 1
    reply.author.post_count = 0
    db.session.commit()

    services.delete_post_by_author(reply, author=reply.author)
    db.session.commit()

    db.session.expire_all()
    assert (thread.post_count, thread.category.post_count, reply.author.post_count) == (1, 1, 0)
    assert reply.status == "deleted_by_author"


def test_delete_by_someone_else_is_refused(app_ctx):
    thread = make_thread()

    with pytest.raises(services.NotAllowed):
        services.delete_post_by_author(thread.posts[0], author=make_user())
    assert thread.posts[0].status == "visible"


def test_edit_post_keeps_a_revision(app_ctx, frozen_clock):
    thread = make_thread(body="first words")
    post = thread.posts[0]
    editor = post.author

    services.edit_post(post, editor=editor, body="second *words*")
    db.session.commit()

    assert post.body_source == "second *words*"
    assert post.body_html == "<p>second <em>words</em></p>\n"
    assert post.edited_at == frozen_clock.now
    assert [(r.body_source, r.editor_id) for r in post.revisions] == [("first words", editor.id)]


def test_edit_post_unchanged_body_keeps_no_revision(app_ctx):
    post = make_thread(body="same words").posts[0]

    services.edit_post(post, editor=post.author, body="same words")

    assert db.session.query(PostRevision).count() == 0
    assert post.edited_at is None


def test_edit_post_title_applies_to_opening_post_only(app_ctx):
    thread = make_thread(title="Original title")
    reply = make_post(thread)

    services.edit_post(reply, editor=reply.author, body=reply.body_source,
                       title="Reply tries a title")
    assert thread.title == "Original title"
    services.edit_post(thread.posts[0], editor=thread.author, body="x", title="  Better   title ")
    assert thread.title == "Better title"


def test_toggle_reaction_adds_and_removes(app_ctx):
    post = make_thread().posts[0]
    fan = make_user()

    assert services.toggle_reaction(post, user=fan, kind="thanks") is True
    assert services.toggle_reaction(post, user=fan, kind="me_too") is True
    assert services.reaction_counts([post.id]) == {post.id: {"thanks": 1, "me_too": 1}}
    assert services.reactions_by(fan, [post.id]) == {(post.id, "thanks"), (post.id, "me_too")}
    assert services.toggle_reaction(post, user=fan, kind="thanks") is False
    assert services.reaction_counts([post.id, 999]) == {post.id: {"me_too": 1}, 999: {}}
    assert services.reactions_by(None, [post.id]) == set()


def test_toggle_reaction_rejects_unknown_kind(app_ctx):
    post = make_thread().posts[0]

    with pytest.raises(ValueError):
        services.toggle_reaction(post, user=make_user(), kind="angry")


def test_is_opening_post(app_ctx):
    thread = make_thread(at=T0)
    reply = make_post(thread, at=T0 + timedelta(minutes=1))

    assert services.is_opening_post(thread.posts[0])
    assert not services.is_opening_post(reply)
    assert db.session.get(Post, reply.id).thread_id == thread.id


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "deleted_by_author"])
def test_change_post_status_moves_counters_out_and_back(app_ctx, status):
    thread = make_thread(at=T0)
    reply = make_post(thread, at=T0 + timedelta(hours=1))
    author = reply.author

    services.change_post_status(reply, status)
    db.session.commit()
    db.session.expire_all()
    hidden = (thread.post_count, thread.category.post_count, author.post_count, thread.last_post_at)
    assert counter_mismatches() == []
    services.change_post_status(reply, "visible")
    db.session.commit()
    db.session.expire_all()

    assert hidden == (1, 1, 0, T0)
    assert (thread.post_count, thread.category.post_count, author.post_count) == (2, 2, 1)
    assert thread.last_post_at == thread.category.last_post_at == T0 + timedelta(hours=1)
    assert counter_mismatches() == []


def test_change_post_status_between_hidden_states_leaves_counters_alone(app_ctx):
    reply = make_post(make_thread())
    services.change_post_status(reply, "pending")
    services.change_post_status(reply, "hidden")
    services.change_post_status(reply, "removed")
    services.change_post_status(reply, "removed")
    db.session.commit()

    assert reply.status == "removed"
    assert counter_mismatches() == []


def test_change_post_status_rejects_unknown_status(app_ctx):
    reply = make_post(make_thread())

    with pytest.raises(ValueError):
        services.change_post_status(reply, "spam")
    assert reply.status == "visible"


def test_move_thread_carries_its_counts_and_activity(app_ctx):
    source, target = make_category(), make_category()
    moving = make_thread(category=source, at=T0 + timedelta(days=2))
    make_post(moving, at=T0 + timedelta(days=3))
    hidden = make_post(moving, at=T0 + timedelta(days=4))
    services.change_post_status(hidden, "hidden")
    make_thread(category=source, at=T0)
    make_thread(category=target, at=T0 + timedelta(days=1))

    services.move_thread(moving, target)
    db.session.commit()

    db.session.expire_all()
    assert moving.category_id == target.id
    assert (source.thread_count, source.post_count, source.last_post_at) == (1, 1, T0)
    assert (target.thread_count, target.post_count, target.last_post_at) == \
        (2, 3, T0 + timedelta(days=3))
    assert counter_mismatches() == []


def test_move_thread_to_its_own_category_changes_nothing(app_ctx):
    thread = make_thread()

    services.move_thread(thread, thread.category)
    db.session.commit()

    assert counter_mismatches() == []
