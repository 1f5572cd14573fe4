"""``/settings/export``: asking, the page's states, and the single-use download that
only its owner, logged in, can use."""

from __future__ import annotations

import io
import re
import zipfile

from forum.exports import services, worker
from forum.extensions import db
from forum.models import DataExport, ExportStatus
from tests.exports.conftest import ALICE_EMAIL, BOB_EMAIL
from tests.factories import PASSWORD
from tests.helpers import text


def _build(app) -> DataExport:
    with app.app_context():
        assert worker.run().built == 1
        row = db.session.scalar(db.select(DataExport).order_by(DataExport.id.desc()))
        db.session.expunge(row)
        return row


def _token_on_page(client) -> str:
    page = text(client.get("/settings/export"))
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'type="hidden" name="token" value="([^"]+)"', page) or re.search(
        r'id="token" name="token" type="hidden" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _files(app) -> list:
    with app.app_context():
        folder = services.export_dir()
    return list(folder.iterdir()) if folder.exists() else []


def test_visitors_are_asked_to_log_in(client, world):
    response = client.get("/settings/export")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_asking_once_then_again_while_pending(app, client, login, world):
    login(ALICE_EMAIL)
    page = text(client.get("/settings/export"))
    assert "You haven't asked for a copy of your data yet." in page
    refused = client.post("/settings/export", data={"password": "not my password"})
    assert refused.status_code == 400 and "That is not your password." in text(refused)
    assert client.post("/settings/export").status_code == 400  # none given
    response = client.post("/settings/export", data={"password": PASSWORD})
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert "We're preparing your data" in page
    again = client.post("/settings/export", data={"password": PASSWORD})
    assert again.status_code == 409
    assert "already preparing your data" in text(again)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DataExport)) == 1
    assert "preparing a copy of your data" in text(client.get("/settings"))


def test_the_owner_downloads_once(app, client, login, world):
    login(ALICE_EMAIL)
    client.post("/settings/export", data={"password": PASSWORD})
    row = _build(app)
    settings = text(client.get("/settings"))
    assert "Your data is ready to download." in settings
    page = text(client.get("/settings/export"))
    assert "Your data is ready." in page and "Download my data (ZIP" in page
    token = _token_on_page(client)
    response = client.post("/settings/export/download", data={"token": token})
    assert response.status_code == 200, text(response)
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert set(archive.namelist()) == {"data.json", "index.html"}
    response.close()
    assert _files(app) == []  # deleted at once
    with app.app_context():
        used = db.session.get(DataExport, row.id)
        assert used.status == ExportStatus.DOWNLOADED and used.downloaded_at is not None
    again = client.post("/settings/export/download", data={"token": token})
    assert again.status_code == 410
    assert "already downloaded" in text(again)
    assert "You downloaded your data on" in text(client.get("/settings/export"))


def test_another_member_or_a_visitor_gets_404(app, client, login, world):
    login(ALICE_EMAIL)
    client.post("/settings/export", data={"password": PASSWORD})
    _build(app)
    token = _token_on_page(client)
    login(BOB_EMAIL)
    assert client.post("/settings/export/download", data={"token": token}).status_code == 404
    assert "Your data is ready" not in text(client.get("/settings/export"))
    visitor = app.test_client()
    assert visitor.post("/settings/export/download", data={"token": token}).status_code == 404
    login(ALICE_EMAIL)
    for wrong in ("", "x" * 43, token[:-1], "x" * 500):
        response = client.post("/settings/export/download", data={"token": wrong})
        assert response.status_code == 404, wrong
    assert len(_files(app)) == 1  # still there for alice
    assert client.post("/settings/export/download", data={"token": token}).status_code == 200


def test_an_expired_download_is_gone(app, client, login, world, frozen_clock):
    login(ALICE_EMAIL)
    client.post("/settings/export", data={"password": PASSWORD})
    _build(app)
    token = _token_on_page(client)
    frozen_clock.advance(days=7, seconds=1)
    login(ALICE_EMAIL)  # (the frozen clock aged the session too)
    response = client.post("/settings/export/download", data={"token": token})
    assert response.status_code == 410 and "expired" in text(response)
    assert "expired on" in text(client.get("/settings/export"))
    assert len(_files(app)) == 1
    with app.app_context():
        worker.run()
    assert _files(app) == []


def test_the_download_is_a_post(client, login, world):
    login(ALICE_EMAIL)
    assert client.get("/settings/export/download").status_code == 405


def test_the_page_shows_the_last_ten_logins(app, client, login, world):
    for _ in range(12):
        login(ALICE_EMAIL)
    page = text(client.get("/settings/export"))
    assert "Your last 10 logins, newest first" in page
    assert page.count("<tr><td>") == 10
