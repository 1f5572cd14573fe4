"""No newcomer left unanswered: the "Newcomers waiting" list (who is on it, scope,
order, access), the welcome shortcut, and the dashboard's time-to-first-reply figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from types import SimpleNamespace

import pytest

from forum import clock
from forum.admin.queries import reply_times
from forum.extensions import db
from forum.models import Category, Thread, User
from forum.threads import services as thread_services
from tests.factories import make_category, make_post, make_thread, make_user
from tests.helpers import count_queries, text

HOURS = 12


def waiting_ids(html: str) -> list[int]:
    """Thread ids on the "Newcomers waiting" page, in page order."""
    listing = html.split('<ol class="newcomer-list">', 1)
    if len(listing) == 1:
        return []
    return [int(i) for i in re.findall(
        r'<li class="thread-row">\s*<div class="thread-title">\s*<a href="/t/(\d+)"',
        listing[1])]


@pytest.fixture
def newcomers(app, mod_forum, frozen_clock):
    """On top of ``mod_forum`` (whose threads get a peer reply here, so they are out):
    threads in Type 1 (led by ``mod``) and Type 2 (led by ``mod2``), all at least 13 hours
    old once the fixture is done, except ``young``."""
    with app.app_context():
        type1 = db.session.get(Category, mod_forum.type1_id)
        type2 = db.session.get(Category, mod_forum.type2_id)
        cat = db.session.get(User, mod_forum.ids["cat"])
        bob = db.session.get(User, mod_forum.ids["bob"])
        for thread_id in (mod_forum.thread2_id, mod_forum.thread3_id):
            make_post(db.session.get(Thread, thread_id), author=cat, body="Welcome!")

        def member(name):
            address = name.replace(" ", ".").lower()
            return make_user(display_name=name, email=f"{address}@example.test")

        start = clock.utcnow()
        nora, sam, vera, tess, uma = (member(n) for n in (
            "Nora Newcomer", "Sam Selfreply", "Vera Veteran", "Tess Twotype", "Uma Unlucky"))
        old = make_thread(category=type1, author=cat, title="An old thread",
                          at=start - timedelta(days=60))
        for _ in range(3):
            make_post(old, author=vera, body="Vera again", at=start - timedelta(days=59))
        # Uma's three earlier posts were all removed: she is still a newcomer.
        for _ in range(3):
            thread_services.change_post_status(
                make_post(old, author=uma, body="Spammy", at=start - timedelta(days=50)),
                "removed")

        def thread(author, title, category=type1, minutes=0):
            return make_thread(category=category, author=author, title=title,
                               body="I was diagnosed last month and feel lost.",
                               at=start + timedelta(minutes=minutes))

        t = SimpleNamespace()
        t.nora = thread(nora, "Newly diagnosed, feeling lost", minutes=10)
        t.sam = thread(sam, "Pump or pens?", minutes=5)
        make_post(t.sam, author=sam, body="Anyone? Still wondering.",
                  at=start + timedelta(minutes=30))
        t.vera = thread(vera, "Veteran asks about sensors", minutes=1)
        t.answered = thread(member("Ann Answered"), "Got an answer", minutes=2)
        make_post(t.answered, author=bob, body="Hello and welcome!", at=start + timedelta(hours=1))
        t.held = thread(member("Hal Heldreply"), "Only a held reply", minutes=3)
        thread_services.add_reply(t.held, author=bob, body="Pending words", status="pending")
        hidden = make_post(t.held, author=cat, body="Hidden words")
        thread_services.change_post_status(hidden, "hidden")
        t.type2 = thread(tess, "Type 2 and tablets", category=type2, minutes=4)
        t.uma = thread(uma, "Trying again", minutes=6)
        t.locked = thread(member("Lou Locked"), "Locked thread", minutes=7)
        t.locked.is_locked = True
        t.pending_opening = make_thread(category=type1, author=member("Pat Pending"),
                                        title="Waiting for approval",
                                        at=start + timedelta(minutes=8))
        thread_services.change_post_status(t.pending_opening.posts[0], "pending")
        frozen_clock.advance(hours=13)
        t.young = thread(member("Yan Young"), "Just posted", minutes=13 * 60)
        db.session.commit()
        return SimpleNamespace(**{name: th.id for name, th in vars(t).items()})


def test_who_waits_oldest_first_in_the_moderators_categories(client, login, newcomers):
    login("mod")
    ids = waiting_ids(text(client.get("/mod/newcomers")))
    # Oldest first: Held (3 min), Sam (5), Uma (6), Nora (10). Not: the veteran, the
    # answered one, Type 2, the locked one, the held opening post, the young one.
    assert ids == [newcomers.held, newcomers.sam, newcomers.uma, newcomers.nora]


def test_other_moderators_see_their_categories_and_admins_everything(client, login, newcomers):
    login("mod2")
    assert waiting_ids(text(client.get("/mod/newcomers"))) == [newcomers.type2]
    login("admin")
    ids = waiting_ids(text(client.get("/mod/newcomers")))
    assert ids == [newcomers.held, newcomers.type2, newcomers.sam, newcomers.uma, newcomers.nora]


def test_a_reply_by_someone_else_takes_a_thread_off_the_list(app, client, login, newcomers,
                                                             mod_forum):
    with app.app_context():
        make_post(db.session.get(Thread, newcomers.nora),
                  author=db.session.get(User, mod_forum.ids["dan"]), body="You're not alone.")
        db.session.commit()
    login("mod")
    assert newcomers.nora not in waiting_ids(text(client.get("/mod/newcomers")))


def test_hours_are_configurable_and_young_threads_wait_their_turn(app, client, login,
                                                                  newcomers, frozen_clock):
    login("mod")
    assert newcomers.young not in waiting_ids(text(client.get("/mod/newcomers")))
    app.config["NEWCOMER_REPLY_HOURS"] = 0
    assert newcomers.young in waiting_ids(text(client.get("/mod/newcomers")))
    app.config["NEWCOMER_REPLY_HOURS"] = 24
    assert waiting_ids(text(client.get("/mod/newcomers"))) == []
    frozen_clock.advance(hours=12)
    assert waiting_ids(text(client.get("/mod/newcomers")))[-1] == newcomers.nora


def test_the_moderation_navigation_shows_the_count(client, login, newcomers):
    login("mod")
    page = text(client.get("/mod/"))
    link = re.search(r'<a href="/mod/newcomers">Newcomers waiting (.*?)</a>', page).group(1)
    assert re.sub(r"<[^>]+>", "", link).strip() == "4 threads"
    page = text(client.get("/mod/newcomers"))
    assert 'href="/mod/newcomers" aria-current="page"' in page


def test_members_are_refused_and_visitors_sent_to_log_in(client, login, newcomers):
    response = client.get("/mod/newcomers")
    assert response.status_code == 302 and response.location.startswith("/auth/login")
    login("bob")
    assert client.get("/mod/newcomers").status_code == 403
    login("lapsed")
    assert client.get("/mod/newcomers").status_code == 403


def test_a_bad_page_number_is_a_404_not_a_500(client, login, newcomers):
    login("mod")
    assert client.get("/mod/newcomers?page=abc").status_code == 404
    assert client.get("/mod/newcomers?page=99").status_code == 200


def test_the_welcome_shortcut_posts_a_reply_and_the_thread_leaves(app, client, login,
                                                                  newcomers):
    login("mod")
    page = text(client.get("/mod/newcomers"))
    form = re.search(rf'<form method="post" action="/t/{newcomers.nora}/reply".*?</form>',
                     page, re.S).group(0)
    body = unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1))
    assert body.startswith("Welcome to Sugar Circle, Nora Newcomer!")
    assert f'<label for="welcome-{newcomers.nora}">' in form

    response = client.post(f"/t/{newcomers.nora}/reply",
                           data={"body": body + "\n\nI'm Mo, one of the moderators."})
    assert response.status_code == 302
    with app.app_context():
        thread = db.session.get(Thread, newcomers.nora)
        assert thread.reply_count == 1
        assert thread.posts[-1].body_source.startswith("Welcome to Sugar Circle")
    ids = waiting_ids(text(client.get("/mod/newcomers")))
    assert newcomers.nora not in ids and len(ids) == 3


def test_the_full_reply_page_is_prefilled_for_moderators_only(client, login, newcomers):
    login("mod")
    page = text(client.get(f"/t/{newcomers.nora}/reply?welcome=1"))
    assert "Welcome to Sugar Circle, Nora Newcomer!" in unescape(page)
    assert "Welcome to Sugar" not in text(client.get(f"/t/{newcomers.nora}/reply"))
    login("bob")
    page = text(client.get(f"/t/{newcomers.nora}/reply?welcome=1"))
    assert "Welcome to Sugar Circle, Nora" not in unescape(page)


def test_an_empty_list_says_so(client, login, newcomers):
    login("mod2")
    client.application.config["NEWCOMER_REPLY_HOURS"] = 1000
    page = text(client.get("/mod/newcomers"))
    assert "Every newcomer has had a reply" in page


# --- the dashboard: time to a first reply --------------------------------------------------

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)  # a Thursday in 2026-W45


@pytest.fixture
def reply_world(app, frozen_clock):
    """Threads over two ISO weeks (W44, W45 so far) with known first-reply times."""
    clock.freeze(NOW)
    with app.app_context():
        category = make_category()
        nora, nick, nell, vera, bob, cat = (make_user() for _ in range(6))
        old = make_thread(category=category, author=vera, at=datetime(2026, 9, 1, tzinfo=UTC))
        for _ in range(3):
            make_post(old, author=vera, at=datetime(2026, 9, 2, tzinfo=UTC))

        def at(day, hour=10):
            return datetime(2026, 10, day, hour, tzinfo=UTC) if day > 20 else datetime(
                2026, 11, day, hour, tzinfo=UTC)

        # W44 (26 Oct - 1 Nov)
        t1 = make_thread(category=category, author=nora, at=at(27))  # newcomer: 2 h
        make_post(t1, author=nora, at=at(27, 11))  # her own reply doesn't count
        make_post(t1, author=bob, at=at(27, 12))
        t2 = make_thread(category=category, author=vera, at=at(28))  # veteran: 30 h
        make_post(t2, author=bob, at=at(29, 16))
        t3 = make_thread(category=category, author=vera, at=at(29))  # unanswered
        thread_services.add_reply(t3, author=bob, body="Held", status="pending", at=at(29, 11))
        thread_services.change_post_status(make_post(t3, author=cat, at=at(29, 12)), "hidden")
        t4 = make_thread(category=category, author=nick, at=at(30))  # newcomer: 6 h
        make_post(t4, author=bob, at=at(30, 16))
        make_post(t4, author=cat, at=at(30, 17))
        thread_services.create_thread(category, author=make_user(), title="Spam", body="Spam",
                                      at=at(28), status="hidden")  # counts nowhere
        # W45 (from 2 Nov)
        t6 = make_thread(category=category, author=vera, at=at(2, 8))  # veteran: 3 h
        make_post(t6, author=nora, at=at(2, 11))
        make_thread(category=category, author=nell, at=at(5, 2))  # newcomer, 10 h old
        db.session.commit()


def test_reply_times_per_week(app, reply_world):
    with app.app_context():
        weeks = reply_times()
    assert [w["week"] for w in weeks] == [f"2026-W{n}" for n in range(45, 37, -1)]
    this, last = weeks[0], weeks[1]
    assert last["starts"] == datetime(2026, 10, 26, tzinfo=UTC)
    assert last["all"] == {"threads": 4, "answered": 3, "median_hours": 6.0, "p90_hours": 30.0,
                           "within_24h": 2, "judged": 4, "share_24h": 50}
    assert last["newcomers"] == {"threads": 2, "answered": 2, "median_hours": 4.0,
                                 "p90_hours": 6.0, "within_24h": 2, "judged": 2,
                                 "share_24h": 100}
    # Nell's thread is 10 hours old and unanswered: counted, but not judged yet.
    assert this["all"] == {"threads": 2, "answered": 1, "median_hours": 3.0, "p90_hours": 3.0,
                           "within_24h": 1, "judged": 1, "share_24h": 100}
    assert this["newcomers"] == {"threads": 1, "answered": 0, "median_hours": None,
                                 "p90_hours": None, "within_24h": 0, "judged": 0,
                                 "share_24h": None}
    assert all(w["all"]["threads"] == 0 for w in weeks[2:])


def test_a_young_unanswered_thread_counts_against_the_share_once_a_day_old(app, reply_world,
                                                                         frozen_clock):
    clock.freeze(NOW + timedelta(hours=15))  # Nell's thread is now 25 hours old
    with app.app_context():
        this = reply_times()[0]
    assert this["newcomers"]["judged"] == 1 and this["newcomers"]["share_24h"] == 0
    assert this["all"]["share_24h"] == 50


def test_reply_times_take_one_query_however_many_threads(app, reply_world):
    with app.app_context():
        with count_queries(app) as before:
            reply_times()
        category = make_category()
        for hour in range(20):
            thread = make_thread(category=category, at=NOW - timedelta(hours=hour + 30))
            make_post(thread, at=NOW - timedelta(hours=hour))
        db.session.commit()
        with count_queries(app) as after:
            weeks = reply_times()
    assert before[0] == after[0] == 1
    assert sum(w["all"]["threads"] for w in weeks) == 6 + 20


def test_the_dashboard_shows_the_tables(app, client, login, reply_world):
    with app.app_context():
        make_user(email="boss@example.test", role="admin")
        db.session.commit()
    login("boss@example.test")
    page = text(client.get("/admin/"))
    assert "<caption>All threads</caption>" in page
    assert "<caption>Newcomers&#39; threads</caption>" in page
    assert '<th scope="col">Median wait</th>' in page
    row = re.search(r'<th scope="row"><time datetime="2026-W44">.*?</tr>', page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells == ["4", "3", "6.0 h", "30.0 h", "50% (2 of 4)"]
