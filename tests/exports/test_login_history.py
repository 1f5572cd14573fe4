"""Login history: one row per successful login, with a truncated address and a short
browser name."""

from __future__ import annotations

import pytest

from forum.auth.login_history import browser_of, network_of
from forum.extensions import db
from forum.models import LoginEvent
from tests.exports.conftest import ALICE_EMAIL
from tests.helpers import login

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("10.1.2.3", "10.1.2.0/24"),
    ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"),
    ("fe80::1%eth0", "fe80::/48"),
    ("", ""), (None, ""), ("not an address", ""), ("unix:/run/sock", ""),
])
def test_network_keeps_only_the_first_parts(address, network):
    assert network_of(address) == network


@pytest.mark.parametrize(("agent", "summary"), [
    (FIREFOX_LINUX, "Firefox on Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36", "Chrome on Windows"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1", "Chrome on iOS"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
     "Samsung Internet on Android"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36", "Chrome on ChromeOS"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/126.0.0.0 Safari/537.36", "Chrome on Linux"),
    ("curl/8.5.0", "Unknown browser"), ("", "Unknown browser"), (None, "Unknown browser"),
    ("x" * 10_000, "Unknown browser"),
])
def test_browser_is_a_short_summary(agent, summary):
    assert browser_of(agent) == summary


def _events(app) -> list[LoginEvent]:
    with app.app_context():
        return list(db.session.scalars(db.select(LoginEvent).order_by(LoginEvent.id)))


def test_a_login_is_recorded_with_a_truncated_address(app, client, world):
    response = login(client, ALICE_EMAIL, headers={"User-Agent": FIREFOX_LINUX},
                     environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 302
    event = _events(app)[-1]
    assert event.user_id == world.alice_id
    assert (event.network, event.browser) == ("203.0.113.0/24", "Firefox on Linux")
    assert "203.0.113.77" not in repr(vars(event))


def test_a_failed_login_records_nothing(app, client, world):
    before = len(_events(app))
    response = login(client, ALICE_EMAIL, "wrong password",
                     environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 401
    assert len(_events(app)) == before


@pytest.mark.parametrize("app_overrides", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_the_forwarded_address_counts(app, client, world, tmp_path):
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    login(client, ALICE_EMAIL, environ_base={"REMOTE_ADDR": "127.0.0.1"},
          headers={"X-Forwarded-For": "2001:db8:abcd:12::7"})
    assert _events(app)[-1].network == "2001:db8:abcd::/48"


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(app, client, world):
    login(client, ALICE_EMAIL, environ_base={"REMOTE_ADDR": "192.0.2.10"},
          headers={"X-Forwarded-For": "2001:db8:abcd:12::7"})
    assert _events(app)[-1].network == "192.0.2.0/24"
