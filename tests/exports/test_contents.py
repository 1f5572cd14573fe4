"""What the ZIP holds: every section of alice's data, and nothing of bob's."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from forum.exports import services, worker
from forum.extensions import db
from forum.models import DataExport, User
from tests.exports.conftest import ALICE_EMAIL, BOB_EMAIL, BOB_FLAG_MESSAGE, BOB_TEXT


def _export_of(app, user_id: int) -> dict[str, bytes]:
    """Request and build ``user_id``'s export; the ZIP's files."""
    with app.app_context():
        services.request_export(db.session.get(User, user_id))
        db.session.commit()
        summary = worker.run()
        assert summary.built == 1, summary
        export = db.session.scalar(db.select(DataExport).filter_by(user_id=user_id))
        path = services.export_dir() / export.file_name
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
            return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def files(app, world):
    return _export_of(app, world.alice_id)


@pytest.fixture
def data(files):
    return json.loads(files["data.json"])


def test_the_zip_holds_data_json_and_index_html(files):
    assert set(files) == {"data.json", "index.html"}


def test_profile_and_settings(data):
    profile = data["profile"]
    assert profile["display_name"] == "Alice Pumps"
    assert profile["email"] == ALICE_EMAIL
    assert profile["bio"] == "Type 1 since 2001 <b>bold?</b>"
    assert profile["created_at"].endswith("Z")
    assert profile["settings"]["profile_hidden_from_visitors"] is False
    assert data["notification_settings"]["email_other_notifications"] == "never"
    assert data["notification_settings"]["quiet_hours"] is True
    assert data["about"]["format"] == "sugar-circle-data-export/1"


def test_posts_with_every_version_and_status(data, world):
    posts = {post["id"]: post for post in data["posts"]}
    assert set(posts) == {world.opening_id, world.reply_id, world.removed_id}
    opening = posts[world.opening_id]
    assert opening["text"] == "Third version, see https://example.org/x"
    assert opening["starts_thread"] is True and opening["thread_title"] == "Pump sites"
    assert [(v["text"], v["replaced_by"], v["redacted"]) for v in opening["earlier_versions"]] \
        == [("", "you", True),
            ("Second version <script>alert(1)</script>", "a moderator", False)]
    assert posts[world.removed_id]["status"] == "removed"
    assert posts[world.reply_id]["thread_title"] == "Bob's breakfast thread"
    assert posts[world.reply_id]["earlier_versions"] == []


def test_redacted_text_is_not_exported(files):
    assert b"07700 900123" not in files["data.json"] + files["index.html"]


def test_reactions_flags_follows_digest_consents_logins_names(data, world):
    assert [(r["post_id"], r["kind"]) for r in data["reactions_given"]] == [
        (world.bob_post_id, "thanks")]
    assert data["flags_raised"] == [{
        "post_id": world.bob_post_id, "reason": "spam",
        "message": "Alice's flag: looks like an advert", "open": True,
        "created_at": data["flags_raised"][0]["created_at"]}]
    # (she follows the threads she started or replied to: auto-follow)
    assert {(f["thread_id"], f["level"]) for f in data["thread_follows"]} == {
        (world.own_thread_id, "follow"), (world.bobs_thread_id, "follow")}
    assert [f["category"] for f in data["category_follows"]] == ["Food and eating"]
    digest = data["digest_subscription"]
    assert digest["status"] == "confirmed" and digest["categories"] == ["Food and eating"]
    assert "token" not in digest
    assert [c["granted"] for c in data["research_consents"]] == [True, False]
    assert data["login_history"] == [{"at": data["login_history"][0]["at"],
                                      "network": "203.0.113.0/24",
                                      "browser": "Firefox on Linux"}]
    assert [(n["old_name"], n["new_name"]) for n in data["display_name_history"]] == [
        ("Alice Old", "Alice Pumps")]


def test_nothing_of_another_member_and_no_flags_against_her(files):
    everything = (files["data.json"] + files["index.html"]).decode()
    for secret in (BOB_EMAIL, BOB_TEXT, BOB_FLAG_MESSAGE, "Bob Old", "BobOS",
                   "198.51.100.0", "mod@example.test", "personal_info", "personal info"):
        assert secret not in everything, secret
    assert "@example.test" not in everything.replace(ALICE_EMAIL, "")


def test_index_html_is_self_contained_and_escaped(files):
    html = files["index.html"].decode()
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert not re.search(r"<(script|img|iframe|link|object|embed|video|audio|source)\b",
                         html, re.I)
    assert not re.search(r"\b(src|srcset|action|formaction)\s*=", html, re.I)
    assert not re.search(r"url\(|@import", html, re.I)
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert html.count("<style>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "https://example.org/x" in html  # as text, never a link
    for heading in ("Your posts", "Reactions you gave", "Posts you flagged",
                    "Threads you follow or muted", "Categories you follow",
                    "Research consent", "Your logins", "Your earlier display names",
                    "Your weekly digest subscription", "Your notification settings"):
        assert f">{heading}</h2>" in html, heading


def test_an_empty_account_exports_cleanly(app, world):
    with app.app_context():
        from tests.factories import make_user

        user_id = make_user(email="new@example.test").id
        db.session.commit()
    files = _export_of(app, user_id)
    data = json.loads(files["data.json"])
    assert data["posts"] == [] and data["digest_subscription"] is None
    assert "None." in files["index.html"].decode()


def test_moderators_messages_and_a_suspension_are_hers_too(app, world):
    from datetime import timedelta

    from forum.clock import utcnow
    from forum.models import ModerationNotice

    with app.app_context():
        alice = db.session.get(User, world.alice_id)
        alice.suspended_until = utcnow() + timedelta(days=3)
        db.session.add_all([
            ModerationNotice(user_id=world.alice_id, kind="warning",
                             message="Please keep dose numbers out of titles."),
            ModerationNotice(user_id=world.bob_id, kind="warning",
                             message="A message for someone else entirely.")])
        db.session.commit()
    files = _export_of(app, world.alice_id)
    data = json.loads(files["data.json"])
    assert [n["message"] for n in data["moderation_notices"]] == [
        "Please keep dose numbers out of titles."]
    assert data["profile"]["suspended_until"] is not None
    assert b"someone else entirely" not in files["data.json"] + files["index.html"]
    assert b"Messages from the moderators" in files["index.html"]
