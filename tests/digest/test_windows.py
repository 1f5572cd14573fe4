"""Per-subscriber coverage: a first digest covers the week before joining, each later one
covers exactly "since your last digest" (no gap, no repeat), and ``send --to``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import DigestDelivery, DigestSubscription
from tests.helpers import (
    PERIOD,
    PERIOD_START,
    SEND_TIME,
    body_text,
    link_in,
    subscribe_email,
    summary_of,
)

PERIOD_END = PERIOD_START + timedelta(days=7)  # 2026-W48 ends Monday 30 November 08:00 UTC
NEXT_SEND = SEND_TIME + timedelta(days=7)  # 2026-W49 has ended


def new_thread(app, *, category_id: int, title: str, at=SEND_TIME - timedelta(days=3)):
    """A thread with a reply at the same instant: a new conversation of the window ``at``
    falls in (a thread with no reply would sit in "Can you help?" for four weeks)."""
    from forum.models import Category, User
    from forum.threads.services import add_reply
    from tests.factories import make_thread

    with app.app_context():
        author = db.session.scalar(select(User).filter_by(email="author@example.test"))
        thread = make_thread(category=db.session.get(Category, category_id), author=author,
                             title=title, body="Some words.", at=at)
        add_reply(thread, author=author, body="A reply.", at=at)
        db.session.commit()


def _titles(mailbox, address: str) -> list[list[str]]:
    """For each digest ``address`` received: the thread titles named in its text part."""
    found = []
    for message in mailbox.to(address):
        text = body_text(message)
        found.append(sorted(line.strip("- *").strip() for line in text.splitlines()
                            if line.strip("- *").startswith("T:")))
    return found


def _confirm_by_email(client, mailbox, address: str) -> None:
    assert client.post("/digest", data={"email": address}).status_code == 200
    link = link_in(mailbox.to(address)[-1], "/digest/confirm/")
    assert client.post(link.split("forum.test", 1)[1]).status_code == 200


def _windows(app, address: str) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(DigestDelivery.period, DigestDelivery.status, DigestDelivery.covers_from,
                   DigestDelivery.covers_until)
            .join(DigestSubscription, DigestSubscription.id == DigestDelivery.subscription_id)
            .where(DigestSubscription.email == address).order_by(DigestDelivery.id))]


def test_new_subscriber_after_the_weekly_send_gets_the_week_before_they_joined(
        app, client, runner, world, mailbox):
    first = runner.invoke(args=["digest", "send"])
    assert summary_of(first.output)["sent"] == "3"
    joined = SEND_TIME + timedelta(days=1)  # Tuesday 1 December 09:00 UTC
    new_thread(app, category_id=world.general_id, title="T: too old",
               at=joined - timedelta(days=7, seconds=1))
    new_thread(app, category_id=world.general_id, title="T: week before joining",
               at=joined - timedelta(days=7))
    new_thread(app, category_id=world.general_id, title="T: just before joining",
               at=joined - timedelta(microseconds=1))
    new_thread(app, category_id=world.general_id, title="T: as they joined", at=joined)
    clock.freeze(joined)
    _confirm_by_email(client, mailbox, "newbie@example.test")
    mailbox.clear()

    clock.freeze(joined + timedelta(minutes=15))
    second = runner.invoke(args=["digest", "run-due"])
    assert second.exit_code == 0, second.output
    assert summary_of(second.output)["sent"] == "1"  # only the newcomer: the rest had it
    assert _titles(mailbox, "newbie@example.test") == [
        ["T: just before joining", "T: week before joining"]]

    mailbox.clear()
    clock.freeze(NEXT_SEND)
    third = runner.invoke(args=["digest", "run-due"])
    assert third.exit_code == 0, third.output
    assert _titles(mailbox, "newbie@example.test") == [["T: as they joined"]]
    assert _windows(app, "newbie@example.test") == [
        (PERIOD, "sent", joined - timedelta(days=7), joined),
        ("2026-W49", "sent", joined, NEXT_SEND - timedelta(hours=1)),
    ]


def test_consecutive_digests_never_gap_or_repeat(app, runner, world, mailbox):
    with app.app_context():
        subscribe_email("steady@example.test", covered_until=PERIOD_START)
        db.session.commit()
    instants = {
        "T: at the start of W48": PERIOD_START,
        "T: just before W48 ended": PERIOD_END - timedelta(microseconds=1),
        "T: as W48 ended": PERIOD_END,
        "T: just before W49 ended": PERIOD_END + timedelta(days=7, microseconds=-1),
        "T: as W49 ended": PERIOD_END + timedelta(days=7),
    }
    for title, at in instants.items():
        new_thread(app, category_id=world.general_id, title=title, at=at)
    assert summary_of(runner.invoke(args=["digest", "send"]).output)["period"] == PERIOD
    clock.freeze(NEXT_SEND)
    assert summary_of(runner.invoke(args=["digest", "send"]).output)["period"] == "2026-W49"
    w48, w49 = _titles(mailbox, "steady@example.test")
    assert "T: at the start of W48" in w48 and "T: just before W48 ended" in w48
    assert w49 == ["T: as W48 ended", "T: just before W49 ended"]
    windows = _windows(app, "steady@example.test")
    assert [(start, end) for _key, _status, start, end in windows] == [
        (PERIOD_START, PERIOD_END), (PERIOD_END, PERIOD_END + timedelta(days=7))]


def test_a_failed_digest_leaves_its_week_for_the_next_one(app, runner, world, mailbox):
    with app.app_context():
        subscribe_email("bouncy@example.test", covered_until=PERIOD_START)
        db.session.commit()
    new_thread(app, category_id=world.general_id, title="T: in W48")
    mailbox.rcpt["bouncy@example.test"] = ["550 5.1.1 No such user"]
    runner.invoke(args=["digest", "send"])
    assert _titles(mailbox, "bouncy@example.test") == []
    mailbox.reset()
    new_thread(app, category_id=world.general_id, title="T: in W49",
               at=SEND_TIME + timedelta(days=2))
    clock.freeze(NEXT_SEND)
    runner.invoke(args=["digest", "send"])
    assert _titles(mailbox, "bouncy@example.test") == [["T: in W48", "T: in W49"]]


def test_send_to_one_subscriber_now(app, runner, world, mailbox):
    new_thread(app, category_id=world.general_id, title="T: in W48")
    result = runner.invoke(args=["digest", "send", "--to", "Reader@Example.test"])
    assert result.exit_code == 0, result.output
    assert [str(m["To"]) for m in mailbox.messages] == ["Rita Reader <reader@example.test>"] \
        or [m["To"].addresses[0].addr_spec for m in mailbox.messages] == ["reader@example.test"]
    result = runner.invoke(args=["digest", "send", "--to", "guest@example.test"])
    assert result.exit_code == 0, result.output
    assert len(mailbox.to("guest@example.test")) == 1
    mailbox.clear()
    # The weekly run does not send them the same week again; the moderator still gets it.
    runner.invoke(args=["digest", "send"])
    assert len(mailbox.to("mod@example.test")) == 1
    assert not mailbox.to("reader@example.test") and not mailbox.to("guest@example.test")
    # Nothing new since: a second try says so and sends nothing.
    clock.freeze(SEND_TIME + timedelta(hours=1))
    again = runner.invoke(args=["digest", "send", "--to", "guest@example.test"])
    assert again.exit_code == 0, again.output
    assert "nothing new" in again.output and not mailbox.to("guest@example.test")


def test_send_to_refuses_an_address_that_is_not_a_confirmed_subscriber(app, runner, world,
                                                                       mailbox):
    with app.app_context():
        subscribe_email("pending@example.test", status="pending")
        db.session.commit()
    for address in ("nobody@example.test", "pending@example.test", "author@example.test",
                    "not an address"):
        result = runner.invoke(args=["digest", "send", "--to", address])
        assert result.exit_code == 2, result.output
        assert "not a confirmed digest subscriber" in result.output \
            or "not a valid email address" in result.output
        assert "Traceback" not in result.output
    result = runner.invoke(args=["digest", "send", "--to", "guest@example.test",
                                 "--period", PERIOD])
    assert result.exit_code == 2 and "--to" in result.output
    assert mailbox.raw == []
