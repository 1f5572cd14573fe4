"""Login history: one ``LoginEvent`` per successful login, so members can spot a login
that was not theirs (shown on ``/settings/export`` and in the data export).

Only a rough place and a short browser name are kept, never the whole address or
user-agent string: the address with its last part zeroed (IPv4 /24, IPv6 /48) and a
summary such as "Firefox on Linux". The address is the one the app already believes
(``request.remote_addr`` after ``ProxyFix``, which trusts ``TRUSTED_PROXIES`` proxies).
Rows older than ``RETAIN_LOGIN_HISTORY_DAYS`` are deleted by the retention job.
"""

from __future__ import annotations

import ipaddress
import re

from forum.clock import utcnow
from forum.extensions import db
from forum.models import LoginEvent, User

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def network_of(address: str | None) -> str:
    """``address`` with its host part zeroed: "203.0.113.0/24", "2001:db8:1::/48";
    "" for anything that is not an IP address (a Unix socket, a test client)."""
    try:
        ip = ipaddress.ip_address((address or "").strip().split("%", 1)[0])
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", and
# every iPhone browser runs on Safari's engine but names itself (CriOS, FxiOS, EdgiOS).
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\bFirefox/|\bFxiOS/")),
    ("Chrome", re.compile(r"\b(?:Headless)?Chrome/|\bCriOS/|\bChromium/")),
    ("Safari", re.compile(r"\bSafari/")),
)
_SYSTEMS = (
    ("iOS", re.compile(r"\biPhone\b|\biPad\b|\biPod\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMacintosh\b|\bMac OS X\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)


def browser_of(user_agent: str | None) -> str:
    """A short, human summary of a User-Agent header: "Firefox on Linux", "Safari on
    iOS", "Chrome", "Unknown browser". Never the raw string (it is near-unique)."""
    agent = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(agent)), "")
    system = next((name for name, pattern in _SYSTEMS if pattern.search(agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"A browser on {system}"
    return "Unknown browser"


def record_login(user: User, *, address: str | None, user_agent: str | None) -> LoginEvent:
    """Add ``user``'s login to their history (the caller commits)."""
    event = LoginEvent(user_id=user.id, at=utcnow(), network=network_of(address),
                       browser=browser_of(user_agent)[:80])
    db.session.add(event)
    return event


def recent_logins(user: User, limit: int = 10) -> list[LoginEvent]:
    """``user``'s newest logins, newest first."""
    return list(db.session.scalars(
        db.select(LoginEvent).where(LoginEvent.user_id == user.id)
        .order_by(LoginEvent.at.desc(), LoginEvent.id.desc()).limit(limit)))
