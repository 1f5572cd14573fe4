"""Research consent: the versioned text, the page, the append-only ledger, and who
counts as taking part (withdrawal in force at once)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import ResearchConsent
from forum.research import consent, services
from tests.factories import make_user
from tests.helpers import text

V1 = consent.Version("1", date(2026, 11, 1), "Helping us learn", "The first text.")
V2 = consent.Version("2", date(2027, 3, 1), "Helping us learn", "The second text.",
                     changes="Files may now also be shared with the university team.")


@pytest.fixture
def ann(app):
    with app.app_context():
        user = make_user(email="ann@example.test", display_name="Ann Walker")
        db.session.commit()
        return user.id


def ledger(app) -> list[tuple]:
    with app.app_context():
        return [(r.id, r.user_id, r.version, r.granted, r.at) for r in db.session.scalars(
            select(ResearchConsent).order_by(ResearchConsent.id))]


def consenting(app) -> set[int]:
    with app.app_context():
        return services.consenting_user_ids()


def with_versions(monkeypatch, *versions):
    monkeypatch.setattr(consent, "versions", lambda: tuple(versions))


# --- the consent texts -------------------------------------------------------------------

def test_the_shipped_texts_load_and_the_last_is_current():
    versions = consent.load()
    assert versions == consent.versions()
    assert consent.current() == versions[-1]
    assert all(v.paragraphs for v in versions)
    assert consent.counted_ids() == tuple(v.id for v in versions)


@pytest.mark.parametrize(("toml", "problem"), [
    ("", "has no [[versions]]"),
    ('[[versions]]\nid = "1"\ndate = 2026-11-01\ntitle = "T"\n', "needs an id"),
    ('[[versions]]\nid = "1"\ntitle = "T"\ntext = "x"\n', "needs a date"),
    ('[[versions]]\nid = "1"\ndate = 2026-11-01\ntitle = "T"\ntext = "x"\n'
     '[[versions]]\nid = "2"\ndate = 2026-12-01\ntitle = "T"\ntext = "y"\n', "needs `changes`"),
    ('[[versions]]\nid = "1"\ndate = 2026-11-01\ntitle = "T"\ntext = "x"\n'
     '[[versions]]\nid = "2"\ndate = 2026-10-01\ntitle = "T"\ntext = "y"\nchanges = "c"\n',
     "dated before"),
    ('[[versions]]\nid = "1"\ndate = 2026-11-01\ntitle = "T"\ntext = "x"\n'
     '[[versions]]\nid = "1"\ndate = 2026-12-01\ntitle = "T"\ntext = "y"\nchanges = "c"\n',
     "repeats an id"),
])
def test_a_bad_consent_file_is_refused(tmp_path, toml, problem):
    path = tmp_path / "consent.toml"
    path.write_text(toml)
    with pytest.raises(ValueError, match=problem.replace("[", r"\[")):
        consent.load(path)


def test_a_reconsent_version_stops_earlier_agreements_counting():
    v3 = consent.Version("3", date(2027, 6, 1), "T", "x", changes="c", reconsent=True)
    v4 = consent.Version("4", date(2027, 9, 1), "T", "y", changes="d")
    assert consent.counted_ids((V1, V2)) == ("1", "2")
    assert consent.counted_ids((V1, V2, v3, v4)) == ("3", "4")


# --- the page ----------------------------------------------------------------------------

def test_visitors_are_asked_to_log_in(client):
    for response in (client.get("/settings/research"),
                     client.post("/settings/research/agree"),
                     client.post("/settings/research/withdraw")):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


def test_settings_links_to_the_research_page(app, client, login, ann):
    login("ann@example.test")
    page = text(client.get("/settings"))
    assert 'href="/settings/research"' in page
    assert "not used for research unless you agree" in page


def test_agree_then_withdraw_appends_two_rows_and_never_changes_one(app, client, login, ann):
    login("ann@example.test")
    page = text(client.get("/settings/research"))
    assert "You have not agreed" in page and consent.current().title in page
    assert "I agree to version 1" in page and "Withdraw my agreement" not in page

    response = client.post("/settings/research/agree")
    assert response.status_code == 302 and response.headers["Location"] == "/settings/research"
    first = ledger(app)
    assert [row[1:4] for row in first] == [(ann, "1", True)]
    assert consenting(app) == {ann}
    page = text(client.get("/settings/research", follow_redirects=True))
    assert "You agreed to version 1 on" in page and "I agree to version" not in page
    assert "your public posts can now be included" in page  # the flash, once
    assert "can now be included" not in text(client.get("/settings/research"))
    assert "you agreed to version 1" in text(client.get("/settings")).lower()

    client.post("/settings/research/agree")  # already agreed: no second row
    assert ledger(app) == first

    page = text(client.post("/settings/research/withdraw", follow_redirects=True))
    assert "You have withdrawn" in page and "You withdrew on" in page
    rows = ledger(app)
    assert rows[0] == first[0]  # the grant is untouched
    assert [row[1:4] for row in rows] == [(ann, "1", True), (ann, "1", False)]
    assert consenting(app) == set()

    client.post("/settings/research/withdraw")  # nothing to withdraw: no row
    assert len(ledger(app)) == 2
    client.post("/settings/research/agree")  # agreeing again is a third row
    assert [row[3] for row in ledger(app)] == [True, False, True]
    assert consenting(app) == {ann}


def test_a_member_who_agreed_to_an_older_version_still_counts_and_sees_what_changed(
        app, client, login, ann, monkeypatch):
    login("ann@example.test")
    with_versions(monkeypatch, V1)
    client.post("/settings/research/agree")
    with_versions(monkeypatch, V1, V2)
    assert consenting(app) == {ann}
    page = text(client.get("/settings/research"))
    assert "You agreed to version 1 on" in page and "still counts" in page
    assert V2.changes in page and "The second text." in page
    assert "I agree to version 2" in page

    client.post("/settings/research/agree")
    assert [row[2:4] for row in ledger(app)] == [("1", True), ("2", True)]
    assert "You agreed to version 2 on" in text(client.get("/settings/research"))


def test_after_a_material_change_older_agreements_stop_counting(app, client, login, ann,
                                                                monkeypatch):
    login("ann@example.test")
    with_versions(monkeypatch, V1)
    client.post("/settings/research/agree")
    material = consent.Version("2", date(2027, 3, 1), "T", "A new purpose.",
                               changes="A new purpose.", reconsent=True)
    with_versions(monkeypatch, V1, material)
    assert consenting(app) == set()
    page = text(client.get("/settings/research"))
    assert "need to ask you again" in page and "Withdraw my agreement" in page
    assert "no longer counts" in text(client.get("/settings"))
    client.post("/settings/research/agree")
    assert consenting(app) == {ann}


# --- who takes part ----------------------------------------------------------------------

def test_the_newest_row_decides_at_any_moment(app, frozen_clock):
    with app.app_context():
        ann, bob, cat = (make_user() for _ in range(3))
        services.grant(ann)
        services.grant(bob)
        granted_at = utcnow()
        frozen_clock.advance(days=1)
        services.withdraw(bob)
        # cat agrees and withdraws within the same instant: the later row (by id) wins
        services.grant(cat)
        services.withdraw(cat)
        db.session.commit()
        assert services.consenting_user_ids() == {ann.id}
        assert services.consenting_user_ids(at=granted_at) == {ann.id, bob.id}
        assert services.consenting_user_ids(at=granted_at - timedelta(seconds=1)) == set()


def test_members_erased_or_waiting_for_erasure_do_not_take_part(app):
    with app.app_context():
        ann, bob, cat = (make_user() for _ in range(3))
        for user in (ann, bob, cat):
            services.grant(user)
        bob.deletion_requested_at = utcnow()
        cat.erased_at = utcnow()
        db.session.commit()
        assert services.consenting_user_ids() == {ann.id}
