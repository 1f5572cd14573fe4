"""The audit log: append-only, scoped to a moderator's categories, filterable, CSV for admins."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from forum.audit import audit
from forum.extensions import db
from forum.models import AuditEntry, User
from forum.models.moderation import AuditLogIsAppendOnly
from tests.helpers import act, audit_rows, flag, open_item, text


@pytest.fixture
def history(app, client, mod_forum, login):
    """A few actions in type-1 (mod), type-2 (mod2) and admin-only ones."""
    login("bob")
    flag(client, mod_forum.reply_ann_id, "spam")
    flag(client, mod_forum.thread2_post_id, "harassment")
    with app.app_context():
        first, second = (open_item(mod_forum.reply_ann_id).id,
                         open_item(mod_forum.thread2_post_id).id)
    login("mod")
    act(client, first, "hide", reason="=HYPERLINK(\"http://evil.example\",\"click\")")
    client.post(f"/mod/threads/{mod_forum.thread_id}/pin")
    login("mod2")
    act(client, second, "warn", reason="Type-2 warning text")
    login("admin")
    client.post("/admin/phrases", data={"phrase": "admin only phrase", "action": "flag",
                                        "category": "spam"})
    return {"type1": first, "type2": second}


def _listed_actions(page: str) -> list[str]:
    return re.findall(r"<td>(hide|pin|warn|add phrase|duty on|duty off)</td>", page)


def test_entries_cannot_be_changed_or_deleted_through_the_orm(app, history):
    with app.app_context():
        entry = audit_rows()[0]
        entry.reason = "rewritten history"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        entry = audit_rows()[0]
        db.session.delete(entry)
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert len(audit_rows()) == 4
        assert "rewritten" not in audit_rows()[0].reason


def test_appending_still_works(app, mod_forum):
    with app.app_context():
        admin = db.session.get(User, mod_forum.ids["admin"])
        audit(admin, "note", target_type="user", target_id=admin.id, reason="hello")
        db.session.commit()
        assert [e.action for e in audit_rows()] == ["note"]


def test_no_route_edits_or_deletes_entries(app, client, mod_forum, login, history):
    rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule or "audit" in r.endpoint]
    assert [r.rule for r in rules] == ["/mod/audit"]
    assert rules[0].methods <= {"GET", "HEAD", "OPTIONS"}
    login("admin")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/mod/audit").status_code == 405
    with app.app_context():
        assert len(audit_rows()) == 4


def test_moderators_see_only_their_categories(client, mod_forum, login, history):
    login("mod")
    page = text(client.get("/mod/audit"))
    assert sorted(_listed_actions(page)) == ["hide", "pin"]
    assert "Type-2 warning text" not in page
    login("mod2")
    assert _listed_actions(text(client.get("/mod/audit"))) == ["warn"]
    login("admin")
    page = text(client.get("/mod/audit"))
    assert sorted(_listed_actions(page)) == ["add phrase", "hide", "pin", "warn"]
    assert "Download as CSV" in page


def test_filters(client, mod_forum, login, history):
    login("admin")
    assert _listed_actions(text(client.get("/mod/audit?action=warn"))) == ["warn"]
    page = text(client.get(f"/mod/audit?category={mod_forum.type1_id}"))
    assert sorted(_listed_actions(page)) == ["hide", "pin"]
    page = text(client.get("/mod/audit?actor=bea%20TWOMOD"))
    assert _listed_actions(page) == ["warn"]
    assert "No entries." in text(client.get("/mod/audit?actor=nobody"))
    login("mod")  # a moderator can't filter to a category they don't lead
    assert client.get(f"/mod/audit?category={mod_forum.type2_id}").status_code == 400


def test_admin_csv_export(app, client, mod_forum, login, history):
    login("admin")
    response = client.get("/mod/audit?format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["time_utc", "actor", "action", "target_type", "target_id", "category_id",
                       "reason", "before", "after"]
    body = rows[1:]
    assert sorted(r[2] for r in body) == ["add_phrase", "hide", "pin", "warn"]
    hide = next(r for r in body if r[2] == "hide")
    assert hide[1] == "Mo Derator" and hide[3] == "post"
    assert hide[6].startswith("'=HYPERLINK(")  # a formula is shown as text, never run
    with app.app_context():
        assert len(body) == len(audit_rows())

    filtered = client.get("/mod/audit?format=csv&action=warn").get_data(as_text=True)
    assert [r[2] for r in list(csv.reader(io.StringIO(filtered)))[1:]] == ["warn"]


FORMULAS = ["=1+1", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def test_csv_neutralises_formula_like_text(app, client, mod_forum, login):
    with app.app_context():
        admin = db.session.get(User, mod_forum.ids["admin"])
        for reason in FORMULAS:
            audit(admin, "note", target_type="user", target_id=admin.id, reason=reason)
        audit(admin, "note", target_type="user", target_id=admin.id, reason="plain 1+1")
        db.session.commit()
    login("admin")
    exported = client.get("/mod/audit?format=csv").get_data(as_text=True)
    reasons = sorted(row[6] for row in list(csv.reader(io.StringIO(exported)))[1:])
    assert reasons == sorted(["'" + f for f in FORMULAS] + ["plain 1+1"])


def test_moderators_cannot_export(client, mod_forum, login, history):
    login("mod")
    assert client.get("/mod/audit?format=csv").status_code == 403


def test_entries_record_who_and_when(app, client, mod_forum, login, history, frozen_clock):
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert all(e.created_at == frozen_clock.now for e in entries)
        assert [e.actor_id for e in entries] == [
            mod_forum.ids["mod"], mod_forum.ids["mod"], mod_forum.ids["mod2"],
            mod_forum.ids["admin"]]
