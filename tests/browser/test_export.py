""""Download my data", end to end in a real browser with a real SMTP server.

Alex asks for his data on the settings page; ``flask exports run`` builds it (as cron
would); the "ready" email arrives and links to the export page (not to the file); he
downloads the ZIP once, in his own session, and it holds data.json with his posts and a
readable index.html, which opens offline and passes axe too. Axe also runs on the export
page while the export is being prepared and once it is ready.
Screenshots: test-artifacts/screenshots/export-*.png.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.helpers import browser_login, check_page, email_text, wait_for_mail


@pytest.fixture(scope="module")
def export_site(live_server, tmp_path_factory):
    """The live forum, keeping its exports in a temporary folder."""
    live_server.app.config["EXPORT_DIR"] = str(tmp_path_factory.mktemp("exports"))
    return live_server


def _run_exports(app) -> str:
    result = app.test_cli_runner().invoke(args=["exports", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_member_downloads_their_data(page, export_site, mailbox, screenshot, tmp_path):
    live_server, app = export_site, export_site.app
    email = live_server.seed["alex_email"]
    browser_login(page, live_server.url, email)

    # Settings → Download my data → Prepare my data
    page.goto(live_server("/settings"))
    section = page.get_by_role("region", name="Your data")
    section.get_by_role("link", name="Download my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Download my data")
    expect(page.get_by_role("table", name="Your last 1 login, newest first")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Prepare my data").click()
    expect(page.get_by_text("We're preparing your data", exact=False).first).to_be_visible()
    check_page(page, "export-pending", screenshot)

    # The job runs (cron); the email says it's ready and links to the page, not the file.
    assert "built=1" in _run_exports(app)
    message = wait_for_mail(mailbox, email)
    body = email_text(message)
    assert "ready" in str(message["Subject"])
    assert f"{live_server.url}/settings/export" in body
    assert ".zip" not in body
    page.goto(f"{live_server.url}/settings/export")
    expect(page.get_by_text("Your data is ready.")).to_be_visible()
    check_page(page, "export-ready", screenshot)

    # Download it: once.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data (ZIP").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".zip"
    with zipfile.ZipFile(saved) as archive:
        assert set(archive.namelist()) == {"data.json", "index.html"}
        data = json.loads(archive.read("data.json"))
        archive.extract("index.html", tmp_path)
    assert data["profile"]["email"] == email
    titles = {post["thread_title"] for post in data["posts"]}
    assert live_server.seed["thread_title"] in titles
    assert any(post["earlier_versions"] for post in data["posts"])  # his edited post
    assert live_server.seed["sam_email"] not in saved.read_bytes().decode("latin-1")

    page.goto(f"{live_server.url}/settings/export")
    expect(page.get_by_text("You downloaded your data on")).to_be_visible()
    expect(page.get_by_role("button", name="Download my data (ZIP")).to_have_count(0)
    screenshot(page, "export-downloaded")
    assert list(Path(app.config["EXPORT_DIR"]).iterdir()) == []

    # The readable copy opens offline, loads nothing from anywhere, and passes axe.
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((tmp_path / "index.html").as_uri())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your data from")
    expect(page.get_by_role("heading", name="Your posts")).to_be_visible()
    assert all(url.startswith("file://") for url in requests), requests
    check_page(page, "export-index-html", screenshot)
