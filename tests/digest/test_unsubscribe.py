"""One-click unsubscribe (RFC 8058 / RFC 2369) and re-subscribing."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import DigestSubscription
from tests.helpers import body_text, parse_strict, send, summary_of


def _status(app, subscription_id: int) -> str:
    with app.app_context():
        return db.session.get(DigestSubscription, subscription_id).status


def _unsubscribe_path(mailbox, address: str) -> str:
    message = next(parse_strict(raw) for raw in mailbox.raw
                   if address.encode() in raw.split(b"\r\n\r\n")[0])
    url = re.search(r"<(https://[^>]+)>", str(message["List-Unsubscribe"])).group(1)
    assert urlsplit(url).netloc == "forum.test"
    return urlsplit(url).path


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True


def test_one_click_post_from_the_header_works_without_a_session(
        app, runner, world, mailbox, csrf_on):
    send(runner)
    path = _unsubscribe_path(mailbox, "guest@example.test")
    client = app.test_client(use_cookies=False)
    # What a mail provider sends (RFC 8058 section 3.2): no cookie, no CSRF token, and a
    # cross-site POST as far as the browser-style checks are concerned.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"},
                           headers={"Origin": "https://mail.example.com",
                                    "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert _status(app, world.subs["guest"]) == "unsubscribed"
    assert b"You&#39;re unsubscribed" in response.data or b"You're unsubscribed" in response.data
    # Idempotent, and the next week's digest leaves them out.
    assert client.post(path).status_code == 200
    assert _status(app, world.subs["guest"]) == "unsubscribed"


def test_a_get_shows_a_button_and_changes_nothing(app, runner, world, mailbox):
    send(runner)
    path = _unsubscribe_path(mailbox, "reader@example.test")
    client = app.test_client(use_cookies=False)
    for _ in range(3):  # link scanners fetch, sometimes more than once
        response = client.get(path)
        assert response.status_code == 200
        assert f'action="{path}"'.encode() in response.data
        assert b'method="post"' in response.data
    assert _status(app, world.subs["reader"]) == "confirmed"
    assert client.head(path).status_code == 200
    assert _status(app, world.subs["reader"]) == "confirmed"


def test_the_confirmation_button_unsubscribes(app, runner, world, mailbox, csrf_on):
    send(runner)
    path = _unsubscribe_path(mailbox, "reader@example.test")
    client = app.test_client()
    page = client.get(path)
    form_action = re.search(rb'<form method="post" action="([^"]+)"', page.data).group(1)
    response = client.post(form_action.decode())
    assert response.status_code == 200
    assert _status(app, world.subs["reader"]) == "unsubscribed"


@pytest.mark.parametrize("token", ["nonsense", "abc.def", "x" * 200])
def test_bad_or_tampered_tokens_get_404(app, client, world, token):
    assert client.get(f"/digest/unsubscribe/{token}").status_code == 404
    assert client.post(f"/digest/unsubscribe/{token}").status_code == 404


def test_a_token_signed_for_one_subscriber_cannot_be_edited_into_another(app, client, world):
    from forum.digest.subscriptions import unsubscribe_token

    with app.app_context():
        reader = db.session.get(DigestSubscription, world.subs["reader"])
        token = unsubscribe_token(reader)
    raw, signature = token.rsplit(".", 1)
    forged = f"{world.tokens['guest']}.{signature}"
    assert client.post(f"/digest/unsubscribe/{forged}").status_code == 404
    assert _status(app, world.subs["guest"]) == "confirmed"
    assert raw == world.tokens["reader"]  # the token carries only random bytes


def test_unsubscribed_people_get_no_more_digests(app, runner, world, mailbox):
    from forum.digest.subscriptions import unsubscribe_token

    with app.app_context():
        token = unsubscribe_token(db.session.get(DigestSubscription, world.subs["mod"]))
    app.test_client().post(f"/digest/unsubscribe/{token}")
    result = send(runner)
    assert summary_of(result.output)["sent"] == "2"
    assert not mailbox.to("mod@example.test")


def test_unsubscribing_after_being_queued_cancels_at_send_time(app, runner, world, mailbox):
    from forum.digest import sending
    from forum.digest.schedule import Schedule, period_for_key

    with app.app_context():
        sending.queue_period(period_for_key(Schedule(), "2026-W48"))
        db.session.get(DigestSubscription, world.subs["guest"]).status = "unsubscribed"
        db.session.commit()
    result = send(runner)
    assert summary_of(result.output).items() >= {"sent": "2", "cancelled": "1"}.items()
    assert not mailbox.to("guest@example.test")


def test_resubscribe_from_the_unsubscribed_page(app, runner, world, mailbox, csrf_on):
    from forum.digest.subscriptions import unsubscribe_token

    with app.app_context():
        token = unsubscribe_token(db.session.get(DigestSubscription, world.subs["guest"]))
    client = app.test_client()
    page = client.post(f"/digest/unsubscribe/{token}")
    assert f"/digest/resubscribe/{token}".encode() in page.data
    form = client.get(f"/digest/resubscribe/{token}")
    csrf = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', form.data).group(1)
    assert client.post(f"/digest/resubscribe/{token}").status_code == 400  # CSRF applies here
    response = client.post(f"/digest/resubscribe/{token}", data={"csrf_token": csrf.decode()})
    assert response.status_code == 200
    assert _status(app, world.subs["guest"]) == "confirmed"
    # They left before this week's digest went out, and came back: it covers since their
    # last digest (never more than the week before they came back), then on as usual.
    send(runner)
    [back] = mailbox.to("guest@example.test")
    assert "Night-time hypos" in body_text(back)
    from datetime import timedelta

    from forum import clock
    from tests.helpers import SEND_TIME, new_thread

    new_thread(app, category_id=world.general_id, title="Next week's news",
               at=SEND_TIME + timedelta(days=2))
    clock.freeze(SEND_TIME + timedelta(days=7))
    result = runner.invoke(args=["digest", "send"])
    assert summary_of(result.output)["period"] == "2026-W49"
    back, nxt = mailbox.to("guest@example.test")
    assert "Next week's news" in body_text(nxt)


def test_the_endpoint_is_the_only_csrf_and_cross_site_exemption(app):
    from forum.extensions import csrf
    from forum.security import CROSS_SITE_POST_ENDPOINTS

    exempt = {endpoint for endpoint, view in app.view_functions.items()
              if f"{view.__module__}.{view.__name__}" in csrf._exempt_views}
    assert "digest.unsubscribe" in exempt
    assert {e for e in exempt if e.startswith("digest.")} == {"digest.unsubscribe"}
    assert "digest.unsubscribe" in CROSS_SITE_POST_ENDPOINTS


def test_unsubscribe_keeps_the_row_for_the_ledger(app, client, world):
    from forum.digest.subscriptions import unsubscribe_token

    with app.app_context():
        token = unsubscribe_token(db.session.get(DigestSubscription, world.subs["reader"]))
    client.post(f"/digest/unsubscribe/{token}")
    with app.app_context():
        row = db.session.scalar(select(DigestSubscription).filter_by(id=world.subs["reader"]))
        assert row.unsubscribed_at is not None and row.user_id == world.ids["reader"]
