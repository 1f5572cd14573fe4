"""What a digest shows and leaves out, checked in the emails a real SMTP server receives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, DigestDelivery, DigestFeature, Post, Thread, User
from tests.factories import make_post
from tests.helpers import (
    BEFORE_PERIOD,
    IN_PERIOD,
    PERIOD,
    body_text,
    new_thread,
    send,
    subscribe_email,
    summary_of,
)


def _digest(mailbox, address: str) -> str:
    messages = mailbox.to(address)
    assert len(messages) == 1, f"{len(messages)} digests for {address}"
    return body_text(messages[0])


def _user(email: str) -> User:
    return db.session.scalar(select(User).filter_by(email=email))


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "deleted_by_author"])
def test_threads_whose_opening_post_is_not_visible_are_left_out(
        app, runner, world, mailbox, status):
    from forum.threads.services import change_post_status

    _thread_id, post_id = new_thread(app, category_id=world.general_id, title="Status check")
    with app.app_context():
        change_post_status(db.session.get(Post, post_id), status)
        db.session.commit()
    send(runner)
    for address in ("reader@example.test", "mod@example.test", "guest@example.test"):
        text = _digest(mailbox, address)
        assert "Night-time hypos" in text and "Status check" not in text


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "deleted_by_author"])
def test_replies_that_are_not_visible_do_not_count(app, runner, world, mailbox, status):
    from forum.threads.services import change_post_status

    old_id, _ = new_thread(app, category_id=world.general_id, title="Older thread",
                           at=BEFORE_PERIOD)
    with app.app_context():
        reply = make_post(db.session.get(Thread, old_id), author=_user("reader@example.test"),
                          at=IN_PERIOD)
        change_post_status(reply, status)
        db.session.commit()
    send(runner)
    text = _digest(mailbox, "mod@example.test")
    assert "MOST ACTIVE" not in text  # it still waits for a visible first reply
    assert text.index("Older thread") > text.index("CAN YOU HELP?")


def test_visible_replies_make_a_thread_active(app, runner, world, mailbox):
    old_id, _ = new_thread(app, category_id=world.general_id, title="Older thread",
                           at=BEFORE_PERIOD)
    with app.app_context():
        make_post(db.session.get(Thread, old_id), author=_user("reader@example.test"),
                  at=IN_PERIOD)
        db.session.commit()
    send(runner)
    text = _digest(mailbox, "guest@example.test")
    assert "MOST ACTIVE THIS WEEK" in text
    assert text.index("Older thread") > text.index("MOST ACTIVE THIS WEEK")
    assert "1 reply" in text


def test_posts_with_open_flags_are_left_out_until_reviewed(app, runner, world, mailbox):
    from forum.moderation.services import dismiss, flag_post, open_item_for

    _thread_id, post_id = new_thread(app, category_id=world.general_id, title="Flagged one")
    with app.app_context():
        flag_post(db.session.get(Post, post_id), reporter=_user("reader@example.test"),
                  reason="spam", message="", auto_hide_at=99)
        db.session.commit()
    send(runner)
    assert "Flagged one" not in _digest(mailbox, "reader@example.test")

    with app.app_context():
        post = db.session.get(Post, post_id)
        dismiss(open_item_for(post), moderator=_user("mod@example.test"))
        db.session.commit()
    mailbox.clear()
    runner.invoke(args=["digest", "send", "--period", PERIOD])
    assert not mailbox.raw  # already sent this week: reviewing later sends nothing extra
    with app.app_context():
        from forum.digest.content import Selection
        from forum.digest.schedule import Schedule, period_for_key

        selection = Selection(period_for_key(Schedule(), PERIOD), "public")
        assert "Flagged one" in [item.title for item in selection.sections["help"]]


def test_posts_under_review_for_a_watched_phrase_are_left_out(app, runner, world, mailbox):
    from forum.moderation.services import open_review_item

    _thread_id, post_id = new_thread(app, category_id=world.general_id, title="Phrase match")
    with app.app_context():
        open_review_item(db.session.get(Post, post_id), source="watched_phrase", reason="spam")
        db.session.commit()
    send(runner)
    assert "Phrase match" not in _digest(mailbox, "mod@example.test")


def test_threads_locked_for_moderation_are_left_out(app, runner, world, mailbox):
    thread_id, _ = new_thread(app, category_id=world.general_id, title="Locked one")
    with app.app_context():
        db.session.get(Thread, thread_id).is_locked = True
        db.session.commit()
    send(runner)
    assert "Locked one" not in _digest(mailbox, "reader@example.test")


def test_members_only_categories_never_reach_email_only_subscribers(app, runner, world,
                                                                    mailbox):
    new_thread(app, category_id=world.lounge_id, title="Lounge chat",
               body="Only for members to read.")
    send(runner)
    assert "Lounge chat" not in _digest(mailbox, "guest@example.test")
    assert "Only for members" not in _digest(mailbox, "guest@example.test")
    member = _digest(mailbox, "reader@example.test")
    assert "Lounge chat" in member and "Only for members to read." in member


def test_a_moderator_reads_the_digest_as_a_member(app, runner, world, mailbox):
    from forum.threads.services import change_post_status

    _thread_id, post_id = new_thread(app, category_id=world.general_id, title="Held post")
    with app.app_context():
        change_post_status(db.session.get(Post, post_id), "pending")
        db.session.commit()
    send(runner)
    assert "Held post" not in _digest(mailbox, "mod@example.test")


@pytest.mark.parametrize(("mode", "setting", "shown", "excerpt"), [
    ("sensitive", "title_only", True, False),
    ("sensitive", "exclude", False, False),
    ("title_only", "exclude", True, False),
    ("excluded", "title_only", False, False),
    ("full", "exclude", True, True),
])
def test_sensitive_categories(app, runner, world, mailbox, mode, setting, shown, excerpt):
    app.config["DIGEST_SENSITIVE_MODE"] = setting
    with app.app_context():
        db.session.get(Category, world.general_id).digest_mode = mode
        db.session.commit()
    send(runner)
    text = _digest(mailbox, "reader@example.test") if mailbox.to("reader@example.test") else ""
    assert ("Night-time hypos" in text) is shown
    assert ("wake up low after exercise" in text) is excerpt
    if not shown:  # nothing else was new that week
        with app.app_context():
            statuses = set(db.session.scalars(select(DigestDelivery.status)))
        assert statuses == {"skipped"}


def test_an_empty_week_is_skipped_and_recorded(app, runner, world, mailbox):
    with app.app_context():
        db.session.get(Thread, world.thread_id).created_at = BEFORE_PERIOD - timedelta(days=40)
        db.session.commit()
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert summary_of(result.output).items() >= {"sent": "0", "skipped_empty": "3"}.items()
    assert mailbox.raw == []
    with app.app_context():
        rows = db.session.scalars(select(DigestDelivery)).all()
        assert {(row.status, row.item_count) for row in rows} == {("skipped", 0)}
    again = send(runner)
    assert summary_of(again.output)["skipped_empty"] == "0"  # recorded: not reconsidered


def test_old_unanswered_threads_alone_are_not_news(app, runner, world, mailbox):
    with app.app_context():
        db.session.get(Thread, world.thread_id).created_at = BEFORE_PERIOD
        db.session.commit()
    result = send(runner)
    assert summary_of(result.output)["skipped_empty"] == "3"


def test_can_you_help_lists_unanswered_threads(app, runner, world, mailbox):
    new_thread(app, category_id=world.general_id, title="Still waiting", at=BEFORE_PERIOD)
    answered_id, _ = new_thread(app, category_id=world.general_id, title="Got an answer",
                                at=BEFORE_PERIOD)
    with app.app_context():
        make_post(db.session.get(Thread, answered_id), author=_user("reader@example.test"),
                  at=BEFORE_PERIOD + timedelta(hours=1))
        db.session.commit()
    send(runner)
    text = _digest(mailbox, "guest@example.test")
    help_at = text.index("CAN YOU HELP?")
    assert text.index("Still waiting") > help_at
    assert text.index("Night-time hypos") > help_at  # new and unanswered: listed once, here
    assert text.count("Night-time hypos") == 1
    assert "Got an answer" not in text


def test_moderator_picks_come_first(app, runner, world, mailbox):
    old_id, _ = new_thread(app, category_id=world.general_id, title="A classic thread",
                           at=BEFORE_PERIOD - timedelta(days=60))
    with app.app_context():
        db.session.add(DigestFeature(thread_id=old_id, period=PERIOD,
                                     featured_by_id=world.ids["mod"]))
        db.session.commit()
    send(runner)
    text = _digest(mailbox, "guest@example.test")
    assert text.index("PICKED BY OUR MODERATORS") < text.index("A classic thread") \
        < text.index("CAN YOU HELP?")


def test_each_section_is_capped(app, runner, world, mailbox):
    app.config["DIGEST_ITEMS_PER_SECTION"] = 3
    for n in range(6):
        new_thread(app, category_id=world.general_id, title=f"Thread number {n}",
                   at=IN_PERIOD + timedelta(hours=n))
    send(runner)
    text = _digest(mailbox, "guest@example.test")
    assert sum(f"Thread number {n}" in text for n in range(6)) == 3
    assert "Thread number 5" in text  # newest first


def test_subject_counts_new_conversations(app, runner, world, mailbox):
    for n in range(4):
        new_thread(app, category_id=world.general_id, title=f"More news {n}")
    send(runner)
    assert mailbox.to("guest@example.test")[0]["Subject"] == \
        "Your weekly digest: 5 new conversations"


def test_hidden_after_the_run_started_is_left_out_at_send_time(app, runner, world, mailbox,
                                                               monkeypatch):
    """The rule is applied again right before each message, not only at selection."""
    from sqlalchemy import create_engine, text

    from forum.email import BulkSender

    second_id, second_post = new_thread(app, category_id=world.general_id, title="Soon hidden")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    original, sent = BulkSender.send, []

    def send_then_hide(self, msg):
        outcome = original(self, msg)
        sent.append(msg.recipients[0])
        if len(sent) == 1:  # a moderator hides the post while the run is going
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("UPDATE posts SET status = 'hidden' WHERE id = :id"),
                             {"id": second_post})
            engine.dispose()
        return outcome

    monkeypatch.setattr(BulkSender, "send", send_then_hide)
    result = send(runner)
    assert summary_of(result.output)["sent"] == "3", result.output
    first, *rest = sent
    assert "Soon hidden" in _digest(mailbox, first)
    for address in rest:
        assert "Soon hidden" not in _digest(mailbox, address)
        assert "Night-time hypos" in _digest(mailbox, address)
    assert second_id


def test_a_subscriber_who_subscribed_after_the_week_ended_gets_the_week_before(
        app, runner, world, mailbox):
    from tests.helpers import SEND_TIME

    with app.app_context():
        subscribe_email("late@example.test", since=SEND_TIME - timedelta(minutes=30))
        db.session.commit()
    send(runner)
    [first] = mailbox.to("late@example.test")
    assert "Night-time hypos" in body_text(first)


def test_keeping_a_few_per_category_changes_no_digest(app, world):
    """Only each section's first few threads per category are kept (and excerpted);
    every choice of categories still gets exactly what a full ranking would give."""
    from itertools import combinations

    from forum import clock
    from forum.digest.content import SECTIONS, Selection
    from forum.digest.schedule import Schedule, latest_ended_period
    from tests.factories import make_category, make_thread, make_user

    with app.app_context():
        author = make_user(email="many@example.test", display_name="Many Threads")
        categories = [world.general_id] + [make_category(position=3 + n).id for n in range(3)]
        for n in range(24):
            category = db.session.get(Category, categories[n % 4])
            thread = make_thread(category=category, author=author, title=f"Thread {n}",
                                 body=f"Opening words {n}.",
                                 at=IN_PERIOD - timedelta(days=n % 9, hours=n))
            for _ in range(n % 5):  # replies make some threads active, some unanswered
                make_post(thread, author=author, at=IN_PERIOD + timedelta(hours=1))
        db.session.commit()
        period = latest_ended_period(Schedule.from_config(app.config), clock.utcnow())
        app.config["DIGEST_ITEMS_PER_SECTION"] = 2
        pruned = Selection(period, "members")
        app.config["DIGEST_ITEMS_PER_SECTION"] = 1000
        full = Selection(period, "members")
        assert sum(map(len, pruned.sections.values())) < sum(map(len, full.sections.values()))
        choices = [None] + [frozenset(chosen) for size in range(1, len(categories) + 1)
                            for chosen in combinations(categories, size)]
        for chosen in choices:  # None: every category
            expected = []
            for key, _heading in SECTIONS:
                items = [item for item in full.sections[key]
                         if chosen is None or item.category_id in chosen][:2]
                if items:
                    expected.append((key, items))
            got = [(key, items) for key, _heading, items
                   in pruned.digest_for(chosen).sections]
            assert got == expected, chosen
