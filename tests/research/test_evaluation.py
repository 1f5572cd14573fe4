"""Programme evaluation on the admin dashboard: the weekly figures and their definitions,
the de-identified weekly CSV (no count from 1 to 4, no identifier) and the research CSV
of consenting members' posts (pseudonyms, audit, withdrawal in force at once)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from forum.admin import evaluation
from forum.extensions import db
from forum.models import (
    DigestDelivery,
    DigestSubscription,
    Flag,
    Reaction,
    ReviewItem,
)
from forum.research import services as research
from tests.factories import make_category, make_moderator, make_post, make_thread, make_user
from tests.helpers import audit_rows, count_queries, text

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday: the evaluated weeks end at 00:00
B = datetime(2026, 10, 26, 10, 0, tzinfo=UTC)  # in 2026-W44, the newest evaluated week
A = datetime(2026, 10, 19, 10, 0, tzinfo=UTC)  # in 2026-W43
CRISIS_TEXT = "I keep thinking everyone would be better off without me"


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture
def world(app, frozen_clock):
    """Week B: 6 posters (new that week) start 5 threads, 4 answered (3 within 24 h),
    and dana one in a members-only category; 2 members from week A only react; crisis
    items, flags and digests. Week A: one thread, two crisis items. Consent: p1 yes, p2
    agreed then withdrew, dana agreed but posts only members-only or pending."""
    assert frozen_clock.now == NOW
    with app.app_context():
        admin = make_user(email="admin@example.test", display_name="Hannah Admin", role="admin")
        public = make_category(name="Day-to-day life")
        private = make_category(name="Carers only", members_only=True)
        moderator = make_moderator(categories=[public], email="mod@example.test",
                                   display_name="Priya Moderator")
        p = [make_user(email=f"poster{i}@example.test", display_name=f"Poster Person{i}",
                       created_at=B) for i in range(1, 7)]
        r = [make_user(email=f"reader{i}@example.test", display_name=f"Reader Person{i}",
                       created_at=A) for i in range(1, 3)]
        dana = make_user(email="dana@example.test", display_name="Dana Private", created_at=A)

        t1 = make_thread(category=public, author=p[0], body=CRISIS_TEXT, at=B)
        make_post(t1, author=p[1], at=B + hours(1))
        t2 = make_thread(category=public, author=p[2], at=B + hours(2))
        make_post(t2, author=p[3], at=B + hours(30))
        t3 = make_thread(category=public, author=p[4], at=B + hours(3))
        t4 = make_thread(category=public, author=p[5], at=B + hours(4))
        make_post(t4, author=p[0], body="Same here, it helps to talk.", at=B + hours(5))
        t5 = make_thread(category=public, author=p[1], at=B + hours(6))
        make_post(t5, author=p[2], at=B + hours(7))
        hidden = make_post(t5, author=p[5], at=B + hours(8))
        hidden.status = "hidden"
        make_post(t1, author=p[0], body="A reply this week, not yet evaluated.",
                  at=NOW - hours(1))
        make_thread(category=public, author=r[0], at=A)
        make_thread(category=private, author=dana, body="Only members read this.", at=B)
        pending = make_post(t3, author=dana, body="Waiting for a moderator.", at=B + hours(9))
        pending.status = "pending"

        opening = t3.posts[0]
        for who in (r[0], r[1], p[0]):
            db.session.add(Reaction(post_id=opening.id, user_id=who.id, kind="thanks",
                                    created_at=B + hours(9)))

        def item(created, claimed=None, crisis=True, **fields):
            row = ReviewItem(post=opening, category_id=public.id, source="flags",
                             reason=fields.pop("reason", "risk_of_harm"), priority=0,
                             is_crisis=crisis, created_at=created,
                             claimed_at=created + timedelta(minutes=claimed)
                             if claimed is not None else None, **fields)
            db.session.add(row)
            db.session.flush()
            return row

        for minutes in (1, 2, 3, 4, 10, None):
            item(B + hours(10), minutes)
        for minutes in (5, 6):
            item(A, minutes)
        open_item = item(B, crisis=False, reason="spam", status="open")
        hidden_item = item(B, crisis=False, reason="harassment", status="resolved",
                           outcome="hidden")
        dismissed = item(B, crisis=False, reason="other", status="resolved", outcome="dismissed")
        flags = [(open_item, r[0], "spam"), (open_item, r[1], "spam"),
                 (hidden_item, p[0], "harassment")] + [
                (dismissed, who, "other") for who in p[1:]]
        for review, reporter, reason in flags:
            db.session.add(Flag(post_id=opening.id if review is not dismissed else t4.posts[0].id,
                                reporter_id=reporter.id, item_id=review.id, reason=reason,
                                created_at=B + hours(11)))

        for i, who in enumerate(p + r[:1]):
            subscription = DigestSubscription(user_id=who.id, token=f"token-{i}",
                                              status="confirmed")
            if who is r[0]:
                subscription.status, subscription.unsubscribed_at = "unsubscribed", B + hours(48)
            db.session.add(subscription)
            db.session.flush()
            db.session.add(DigestDelivery(subscription_id=subscription.id, period="2026-W44",
                                          status="failed" if who is r[0] else "sent",
                                          finished_at=B + hours(24)))

        for who in (p[0], p[1], dana):
            research.grant(who)
        research.withdraw(p[1])
        db.session.commit()
        people = [admin, moderator, *p, *r, dana]
        return SimpleNamespace(
            admin=admin.email, moderator=moderator.email, p1=p[0].id,
            emails=[u.email for u in people], names=[u.display_name for u in people],
            ids=[u.id for u in people], p1_texts={CRISIS_TEXT, "Same here, it helps to talk."})


def week(rows, label):
    return next(row for row in rows if row["week"] == label)


# --- the figures -------------------------------------------------------------------------

def test_weekly_figures_follow_their_definitions(app, world):
    with app.app_context():
        rows = evaluation.weekly()
    assert [row["week"] for row in rows] == [f"2026-W{n}" for n in range(33, 45)]
    assert rows[0]["starts"] == datetime(2026, 8, 10, tzinfo=UTC)
    b = week(rows, "2026-W44")
    assert (b["active_members"], b["new_members"], b["posts"]) == (9, 6, 10)
    replies = b["replies"]
    assert (replies["threads"], replies["answered"], replies["judged"],
            replies["within_24h"], replies["median_hours"]) == (6, 4, 6, 3, 1.0)
    assert b["crisis"] == {"items": 6, "claimed": 5, "median_minutes": 3.0, "p90_minutes": 10.0}
    assert b["flags"] == 8
    assert b["flags_by_reason"] == {"risk_of_harm": 0, "medical_advice": 0, "prescriptions": 0,
                                    "harassment": 1, "personal_info": 0, "spam": 2, "other": 5}
    assert {k: v for k, v in b["flags_by_outcome"].items() if v} == {
        "open": 2, "hidden": 1, "dismissed": 5}
    assert (b["digests_sent"], b["digest_unsubscribes"]) == (6, 1)
    a = week(rows, "2026-W43")
    assert (a["active_members"], a["new_members"], a["posts"]) == (1, 3, 1)
    assert a["crisis"] == {"items": 2, "claimed": 2, "median_minutes": 5.5, "p90_minutes": 6.0}
    assert all(row["posts"] == 0 for row in rows[:-2])


def test_the_figures_take_a_fixed_handful_of_queries(app, world):
    with count_queries(app) as queries:
        with app.app_context():
            evaluation.weekly()
    assert queries[0] <= 10


def test_the_dashboard_shows_the_evaluation(app, client, login, world):
    login(world.admin)
    page = text(client.get("/admin/"))
    assert "Programme evaluation" in page and "Flags by reason" in page
    assert "2026-W44" in page and "50% <span class=\"meta\">(3 of 6)</span>" in page
    assert 'href="/admin/evaluation/weekly.csv"' in page
    assert 'action="/admin/evaluation/posts.csv"' in page
    assert "<strong>2</strong> members take part now." in page  # p1 and dana


# --- the weekly CSV ----------------------------------------------------------------------

CELL = re.compile(r"\d{4}-W\d{2}|\d{4}-\d{2}-\d{2}|0|<5|withheld|[1-9]\d*|\d+\.\d+|")


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(text(response))))


def test_the_weekly_csv_has_no_small_count_and_no_identifier(app, client, login, world):
    login(world.admin)
    response = client.get("/admin/evaluation/weekly.csv")
    header, *rows = read_csv(response)
    assert tuple(header) == evaluation.WEEKLY_COLUMNS
    assert len(rows) == 12
    for row in rows:
        assert len(row) == len(header)
        for cell in row:
            assert CELL.fullmatch(cell), cell
            assert not (cell.isdigit() and 1 <= int(cell) <= 4), (row, cell)
    body = text(response)
    assert "@" not in body
    for value in world.emails + world.names:
        assert value.lower() not in body.lower()
    assert not any(name in ("id", "user", "email", "name") or name.endswith("_id")
                   for name in header)

    b = dict(zip(header, rows[-1], strict=True))
    assert b["week"] == "2026-W44" and b["week_starts"] == "2026-10-26"
    assert (b["active_members"], b["new_members"], b["posts"], b["threads_started"]) == (
        "9", "6", "10", "6")
    assert (b["share_answered_24h"], b["threads_answered"],
            b["median_hours_to_first_reply"]) == ("", "<5", "")  # 3 of 6: both small
    assert (b["crisis_items"], b["crisis_items_claimed"], b["median_minutes_to_claim_crisis"],
            b["p90_minutes_to_claim_crisis"]) == ("6", "withheld", "3.0", "10.0")  # 1 unclaimed
    assert (b["flags_reason_spam"], b["flags_reason_harassment"], b["flags_reason_other"],
            b["flags_reason_risk_of_harm"]) == ("<5", "<5", "5", "0")
    # Two small outcomes: their sum is known, neither is (nothing more withheld).
    assert (b["flags_outcome_open"], b["flags_outcome_dismissed"]) == ("<5", "5")
    assert (b["digests_sent"], b["digest_unsubscribes"]) == ("6", "<5")
    a = dict(zip(header, rows[-2], strict=True))
    assert (a["active_members"], a["crisis_items"], a["median_minutes_to_claim_crisis"]) == (
        "<5", "<5", "")


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (12, "12")])
def test_count_cells(n, shown):
    assert evaluation.count_cell(n) == shown


def test_nothing_small_comes_back_by_subtraction():
    assert evaluation.part_cell(8, 10) == "withheld"  # 2 of the 10 are not
    assert evaluation.part_cell(5, 10) == "5"
    assert evaluation.part_cell(3, 4) == "<5"
    assert evaluation.group_cells([3, 9, 12, 0]) == ["<5", "withheld", "12", "0"]
    assert evaluation.group_cells([3, 2, 12]) == ["<5", "<5", "12"]
    assert evaluation.share_cell(8, 10) == ""  # 2 unanswered
    assert evaluation.share_cell(3, 10) == ""
    assert evaluation.share_cell(5, 10) == "0.50"


def test_derived_cells_need_five_items_and_always_have_a_decimal_point():
    assert evaluation.derived_cell(3.0, 4, 1) == ""
    assert evaluation.derived_cell(None, 9, 1) == ""
    assert evaluation.derived_cell(3.0, 5, 1) == "3.0"
    assert evaluation.derived_cell(1, 7, 2) == "1.00"


# --- the research CSV --------------------------------------------------------------------

def export(client, **data):
    return read_csv(client.post("/admin/evaluation/posts.csv", data=data))


def test_the_posts_csv_holds_only_consenting_members_public_posts(app, client, login, world):
    login(world.admin)
    header, *rows = export(client)
    assert header == ["author", "category", "week", "words", "screening"]
    assert sorted(rows, key=lambda row: int(row[3])) == [
        [rows[0][0], "Day-to-day life", "2026-W44", "6", "none"],
        [rows[0][0], "Day-to-day life", "2026-W44", "10", "crisis"],
    ]
    pseudonym = rows[0][0]
    assert re.fullmatch(r"M-[0-9a-f]{8}", pseudonym)
    body = " ".join(",".join(row) for row in rows)
    for value in world.emails + world.names:
        assert value not in body
    for post_text in world.p1_texts:
        assert post_text not in body

    _, *again = export(client)
    assert {row[0] for row in again} != {pseudonym}  # a fresh mapping every export

    with app.app_context():
        entry, _ = audit_rows("research_export")  # one per export
        assert entry.actor.email == world.admin and entry.target_id is None
        assert json.loads(entry.after) == {"rows": 2, "include_text": False,
                                           "weeks": "2026-W33 to 2026-W44"}


def test_text_only_when_ticked_and_audited(app, client, login, world):
    login(world.admin)
    header, *rows = export(client, include_text="y")
    assert header[-1] == "text"
    assert {row[-1] for row in rows} == world.p1_texts
    with app.app_context():
        [entry] = audit_rows("research_export")
        assert json.loads(entry.after)["include_text"] is True
        assert json.loads(entry.after)["rows"] == 2


def test_a_withdrawal_takes_effect_for_the_very_next_export(app, client, login, world):
    login(world.admin)
    assert len(export(client)) == 3
    with app.app_context():
        research.withdraw(db.session.get(research.User, world.p1))
        db.session.commit()
    assert export(client) == [["author", "category", "week", "words", "screening"]]


def test_formulas_in_text_are_neutralised():
    out = evaluation.to_csv(["a", "b"], [["=HYPERLINK(1)", "-2+3"], ["plain", "@x"]])
    assert out.splitlines()[1:] == ["'=HYPERLINK(1),'-2+3", "plain,'@x"]


# --- who may see it ----------------------------------------------------------------------

def test_moderators_get_403_and_visitors_are_asked_to_log_in(app, client, login, world):
    requests = [("get", "/admin/"), ("get", "/admin/evaluation/weekly.csv"),
                ("post", "/admin/evaluation/posts.csv")]
    for method, url in requests:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login"), url
    login(world.moderator)
    for method, url in requests:
        assert getattr(client, method)(url).status_code == 403, url
    with app.app_context():
        assert audit_rows("research_export") == []


def test_the_text_holds_only_the_authors_own_words(app):
    """Quoted lines (someone else's words) are dropped, and the members a post names
    are written @member: they did not consent."""
    with app.app_context():
        make_user(email="named@example.test", display_name="Nora Named")
        db.session.commit()
        own = evaluation._OwnWords()
        source = ("> **Nora Named** wrote:\n>\n> My own private story.\n\n"
                  "Thanks @nora  named, and hi @Nobody Here!")
        assert own(source) == "Thanks @member, and hi @Nobody Here!"
