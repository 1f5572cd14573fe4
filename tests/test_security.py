"""HTTP hardening, caching, third parties, inline code, SQL building and log injection.

SECURITY.md items 23 (SQL), 26 (GET never changes state), 27 (headers on every
response), 28 (no-store, no third parties) and 32 (log injection).
"""

from __future__ import annotations

import ast
import io
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.auth import tokens
from forum.clock import utcnow
from forum.digest.subscriptions import confirm_token, new_token, unsubscribe_token
from forum.extensions import db
from forum.logs import OneLineFormatter, safe
from forum.models import DigestSubscription, ModerationNotice, Notification, WatchedPhrase
from forum.moderation.services import open_review_item
from forum.notifications.emails import unsubscribe_token as notification_unsubscribe_token
from forum.notifications.services import moderation_decision
from tests.factories import make_category, make_post, make_thread, make_user
from tests.helpers import force_login

ROOT = Path(__file__).resolve().parent.parent
SECRET = "secret-xyz"
REQUIRED_CSP = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
VOLATILE_COLUMNS = {("users", "last_seen_at")}


# --- fixtures and helpers ---------------------------------------------------------------

@pytest.fixture
def app_overrides():
    return {"MAX_CONTENT_LENGTH": 1024 * 1024}


@pytest.fixture
def world(app):
    """A member with a thread and post of their own, someone else's post (under review),
    a moderation notice the member has read, an admin, a watched phrase, the member's
    confirmed digest subscription, and a tripwire route that fails."""

    @app.get("/__boom")
    def boom():
        raise RuntimeError(SECRET)

    with app.app_context():
        member = make_user(email="sec.member@example.test", display_name="Sec Member")
        admin = make_user(email="sec.admin@example.test", display_name="Sec Admin", role="admin")
        pending = make_user(email="sec.pending@example.test", display_name="Sec Pending",
                            confirmed=False)
        category = make_category(slug="type-2", name="Type 2")
        make_category(slug="type-1", name="Type 1")  # somewhere to move the thread to
        thread = make_thread(category=category, author=member, title="Carb counting apps",
                             body="Which ones do you use?")
        post = make_post(thread, author=member)
        other_post = make_post(thread, author=make_user(display_name="Sec Other"))
        item = open_review_item(other_post, source="flags", reason="spam")
        notice = ModerationNotice(user_id=member.id, post_id=post.id, kind="warning",
                                  message="A moderator has sent you a warning.",
                                  read_at=utcnow(), created_at=utcnow())
        db.session.add(notice)
        moderation_decision(notice, post)
        db.session.flush()
        db.session.scalar(select(Notification)).read_at = utcnow()
        phrase = WatchedPhrase(phrase="swap my pens", action="block",
                               category="prescription_trading")
        db.session.add(phrase)
        subscription = DigestSubscription(user_id=member.id, token=new_token(),
                                          status="confirmed", created_at=utcnow(),
                                          subscribed_at=utcnow())
        db.session.add(subscription)
        db.session.commit()
        return {
            "session_id": member.get_id(),
            "admin_session_id": admin.get_id(),
            "user_id": member.id,
            "slug": category.slug,
            "thread_id": thread.id,
            "post_id": post.id,
            "other_post_id": other_post.id,
            "item_id": item.id,
            "phrase_id": phrase.id,
            "subscription_id": subscription.id,
            "tokens": {
                "auth.confirm": tokens.make_confirm_token(pending),
                "auth.reset_password": tokens.make_reset_token(member),
                "accounts.confirm_email_change": tokens.make_email_change_token(
                    member, "new.address@example.test"),
                "accounts.undo_email_change": tokens.make_undo_email_change_token(
                    member, old_email="old.address@example.test", new_email=member.email),
                "digest.confirm": confirm_token(subscription),
                "digest.resubscribe": unsubscribe_token(subscription),
                "digest.unsubscribe": unsubscribe_token(subscription),
                "notifications.unsubscribe": notification_unsubscribe_token(member, "replies"),
            },
        }


def get_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules()
         if "GET" in rule.methods and rule.endpoint != "static"
         and not rule.rule.startswith("/__")),
        key=lambda rule: rule.rule,
    )


def for_staff(rule) -> bool:
    """Moderator and admin pages: the walks visit them as an admin."""
    return rule.rule.startswith(("/admin/", "/mod/"))


def build(rule, world) -> str:
    values = {}
    for name in rule.arguments:
        if name == "token":
            values[name] = world["tokens"].get(rule.endpoint, "dummy-token")
        elif name == "post_id" and rule.endpoint == "moderation.flag":
            values[name] = world["other_post_id"]  # members flag other people's posts
        else:
            values[name] = world[name]
    return rule.build(values, append_unknown=False)[1]


def parse_csp(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def check_headers(response, what: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{what}: no Content-Security-Policy"
    directives = parse_csp(csp)
    for name, source in REQUIRED_CSP.items():
        assert directives.get(name) == [source], f"{what}: {name} is {directives.get(name)}"
    sources = [source for values in directives.values() for source in values]
    for source in sources:
        lowered = source.lower()
        assert lowered not in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"), what
        assert "://" not in lowered and lowered not in ("http:", "https:", "*", "data:"), \
            f"{what}: CSP allows {source}"
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    # no-referrer (SECURITY.md 27) or same-origin: either way nothing leaks to other sites.
    assert headers.get("Referrer-Policy") in ("no-referrer", "same-origin"), what
    assert headers.get("X-Frame-Options") == "DENY", what


def snapshot(app) -> dict:
    state = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS]
            rows = db.session.execute(select(*columns)).all()
            state[table.name] = sorted(map(repr, rows))
        db.session.remove()
    return state


class ResourceParser(HTMLParser):
    """Collects every URL a page makes the browser fetch or submit to."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.embeds: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
            if attrs.get("src") is not None:
                self.urls.append((tag, attrs["src"]))
        if tag == "link" and attrs.get("href") is not None:
            self.urls.append((tag, attrs["href"]))
        if tag == "form" and attrs.get("action") is not None:
            self.urls.append((tag, attrs["action"]))
        if tag in ("iframe", "object", "embed", "base"):
            self.embeds.append(tag)


# --- headers on every kind of response --------------------------------------------------

def test_headers_on_every_parameterless_get_route(app, client, world):
    rules = [rule for rule in get_rules(app) if not rule.arguments]
    assert len(rules) >= 6
    for rule in rules:
        response = client.get(rule.rule)
        assert response.status_code in (200, 302), rule.rule
        check_headers(response, rule.rule)


def test_headers_on_pages_errors_and_static_files(app, client, world):
    responses = {
        "thread": client.get(f"/t/{world['thread_id']}"),
        "404": client.get("/no-such-page"),
        "405": client.delete("/help"),
        "500": client.get("/__boom"),
        "413": client.post("/auth/login", data={"email": "x" * (2 * 1024 * 1024)}),
        "static": client.get("/static/css/forum.css"),
    }
    expected = {"thread": 200, "404": 404, "405": 405, "500": 500, "413": 413, "static": 200}
    for what, response in responses.items():
        assert response.status_code == expected[what], what
        check_headers(response, what)
    responses["static"].close()


def test_hsts_over_https(app, world):
    client = app.test_client()
    for url in ("/", "/no-such-page", "/static/css/forum.css"):
        response = client.get(url, base_url="https://localhost")
        hsts = response.headers.get("Strict-Transport-Security", "")
        match = re.search(r"max-age=(\d+)", hsts)
        assert match and int(match.group(1)) >= 31536000, url
        assert "includesubdomains" in hsts.lower(), url
        response.close()


def test_check_headers_catches_a_weak_policy():
    """The header check itself can fail."""

    class Fake:
        headers = {
            "Content-Security-Policy": (
                "default-src 'self' https://cdn.example; object-src 'none'; "
                "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
            ),
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        }

    with pytest.raises(AssertionError):
        check_headers(Fake(), "fake")


# --- caching --------------------------------------------------------------------------------

def test_member_pages_are_never_stored(app, client, world):
    force_login(client, world["session_id"])
    staff = app.test_client()
    force_login(staff, world["admin_session_id"])
    rules = get_rules(app)
    assert len(rules) >= 27
    assert sum(map(for_staff, rules)) >= 8
    for rule in rules:
        url = build(rule, world)
        response = (staff if for_staff(rule) else client).get(url)
        assert response.status_code in (200, 302), f"{url} -> {response.status_code}"
        assert "no-store" in response.headers.get("Cache-Control", ""), url
        check_headers(response, url)
    for url in ("/no-such-page", "/__boom"):
        response = client.get(url)
        assert "no-store" in response.headers.get("Cache-Control", ""), url


def test_get_requests_change_nothing(app, client, world):
    """GET handlers never change state (SECURITY.md 26): every GET page, as a member and
    (moderator and admin pages included) as an admin."""
    force_login(client, world["session_id"])
    staff = app.test_client()
    force_login(staff, world["admin_session_id"])
    for who in (client, staff):
        who.get("/")  # the once-per-few-minutes last_seen_at stamp is not state
    before = snapshot(app)
    for rule in get_rules(app):
        for who in (client, staff):
            who.get(build(rule, world))
    assert snapshot(app) == before


def test_reading_notifications_by_get_changes_nothing(app, client, world):
    with app.app_context():
        db.session.scalar(select(Notification)).read_at = None
        db.session.commit()
    force_login(client, world["session_id"])
    client.get("/")
    before = snapshot(app)

    assert client.get("/notifications").status_code == 200
    assert client.get("/notices").location == "/notifications"  # the old "Messages" page
    assert snapshot(app) == before


def test_mark_all_as_read_is_a_post_button(app, client, world):
    with app.app_context():
        db.session.scalar(select(Notification)).read_at = None
        db.session.commit()
    force_login(client, world["session_id"])
    page = client.get("/notifications").data
    assert b'action="/notifications/read"' in page and b"Mark all as read" in page
    assert client.get("/notifications/read").status_code == 405
    response = client.post("/notifications/read")
    assert response.status_code == 302 and response.location.endswith("/notifications")
    with app.app_context():
        assert db.session.scalar(select(Notification)).read_at is not None
    assert b"Mark all as read" not in client.get("/notifications").data


# --- no third parties, no inline code -----------------------------------------------------

@pytest.mark.parametrize("page", ["home", "thread", "register"])
def test_pages_load_nothing_from_other_origins(app, client, world, page):
    url = {"home": "/", "thread": f"/t/{world['thread_id']}", "register": "/auth/register"}[page]
    response = client.get(url)
    assert response.status_code == 200
    parser = ResourceParser()
    parser.feed(response.get_data(as_text=True))
    assert parser.urls, "no resources found: the parser is broken"
    assert ("link", "/static/css/forum.css") in parser.urls
    for tag, target in parser.urls:
        assert target.startswith("/") and not target.startswith("//"), f"<{tag}> {target}"
        assert "\\" not in target, f"<{tag}> {target}"
    assert not parser.embeds
    # A <meta name="referrer"> overrides the header, so the two must agree.
    metas = re.findall(r'<meta name="referrer" content="([^"]*)"', response.get_data(as_text=True))
    assert all(meta == response.headers["Referrer-Policy"] for meta in metas), metas


def template_files():
    base = ROOT / "templates"
    return sorted(
        path for path in base.rglob("*")
        if path.is_file() and "email" not in path.relative_to(base).parts[:1]
    )


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc\s*=)", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_no_inline_script_or_style():
    files = template_files()
    assert any(path.name == "base.html" for path in files)
    problems = []
    for path in files:
        text = path.read_text()
        for pattern, what in INLINE_CODE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not problems, "\n".join(problems)


def test_inline_code_patterns_match_what_they_should():
    samples = ['<script>alert(1)</script>', '<p style="color:red">', '<a onclick="x()">',
               '<style>p{}</style>', '<a href="javascript:x">']
    for sample in samples:
        assert any(p.search(sample) for p, _ in INLINE_CODE), sample
    assert not any(p.search('<script src="/static/x.js"></script>') for p, _ in INLINE_CODE)
    assert not any(p.search('<form action="/x" method="post">') for p, _ in INLINE_CODE)


# --- SQL is never built from strings (item 23) ---------------------------------------------

SQL_WORDS = re.compile(r"\b(select|insert|update|delete|create|drop|alter|truncate|where)\b", re.I)
SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript"}


def _is_dynamic_string(node) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def sql_problems(source: str, filename: str) -> list[str]:
    problems = []
    for lineno, line in enumerate(source.splitlines(), 1):
        for needle in ('text(f"', "text(f'", '.execute(f"', ".execute(f'"):
            if needle in line:
                problems.append(f"{filename}:{lineno}: {needle}")
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and _call_name(node) in SQL_CALLS and node.args:
            if _is_dynamic_string(node.args[0]):
                problems.append(f"{filename}:{node.lineno}: {_call_name(node)}() of a built string")
        # "... WHERE x = '%s'" % value, or "SELECT ...".format(...)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            left = node.left
            if isinstance(left, ast.Constant) and isinstance(left.value, str) \
                    and SQL_WORDS.search(left.value) and "%" in left.value:
                problems.append(f"{filename}:{node.lineno}: % formatting of SQL")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
                and isinstance(node.func.value.value, str)
                and SQL_WORDS.search(node.func.value.value)
                and re.search(r"\b(from|into|set|where|table)\b", node.func.value.value, re.I)):
            problems.append(f"{filename}:{node.lineno}: str.format of SQL")
    return problems


def test_no_sql_is_built_with_string_formatting():
    files = sorted((ROOT / "forum").rglob("*.py")) + sorted((ROOT / "migrations").rglob("*.py"))
    assert len(files) > 10
    problems = []
    for path in files:
        problems += sql_problems(path.read_text(), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("snippet", [
    'db.session.execute(text(f"SELECT * FROM users WHERE id = {uid}"))',
    "conn.execute(f'DELETE FROM posts WHERE id={pid}')",
    'db.session.execute(text("SELECT * FROM users WHERE email = \'%s\'" % email))',
    'db.session.execute(text("SELECT * FROM users WHERE id = {}".format(uid)))',
    'conn.exec_driver_sql("UPDATE users SET bio = \'" + bio + "\'")',
])
def test_sql_check_catches_built_sql(snippet):
    assert sql_problems(snippet, "snippet.py")


def test_sql_check_allows_bound_parameters():
    snippet = 'db.session.execute(text("SELECT * FROM users WHERE id = :uid"), {"uid": uid})'
    assert sql_problems(snippet, "snippet.py") == []
    assert sql_problems('log.info("login ok user=%s", uid)', "snippet.py") == []


# --- log injection (item 32) ----------------------------------------------------------------

def _record(msg, *args, exc_info=None):
    return logging.LogRecord("forum.test", logging.INFO, __file__, 1, msg, args, exc_info)


def test_one_line_formatter_escapes_newlines():
    formatter = OneLineFormatter("%(levelname)s %(message)s")
    text = formatter.format(_record("user=%s", "bob\nINFO forged\r\nline"))
    assert "\n" not in text and "\r" not in text
    assert text == "INFO user=bob\\nINFO forged\\r\\nline"


def test_one_line_formatter_keeps_a_traceback_on_one_line():
    formatter = OneLineFormatter("%(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        text = formatter.format(_record("failed", exc_info=sys.exc_info()))
    assert len(text.splitlines()) == 1
    assert "Traceback" in text


@pytest.mark.parametrize(
    "char", ["\x1b", "\x00", "\x7f", "\x85", "\u2028", "\u2029", "\x0b", "\x0c"])
def test_one_line_formatter_escapes_other_line_breaks_and_controls(char):
    text = OneLineFormatter("%(message)s").format(_record("a%sb", char))
    assert char not in text
    assert len(text.splitlines()) == 1


def test_safe_escapes_control_characters():
    assert safe("plain value 1.2.3.4") == "plain value 1.2.3.4"
    assert safe("bob\nINFO forged") == "bob\\nINFO forged"
    assert safe("a\rb\tc") == "a\\rb\\tc"
    assert safe("\x1b[31mred\x00") == "\\x1b[31mred\\x00"
    assert safe("x\u2028y") == "x\\u2028y"
    assert safe(None) == "None"
    assert safe("café ☕") == "café ☕"
    for value in ("\n", "\x85", "\u2028", "\x1b", "\x0b"):
        assert len(safe(f"a{value}b").splitlines()) == 1


def test_safe_makes_escapes_unambiguous():
    """A user cannot type something that looks like an escaped character."""
    assert safe("a\\nb") == "a\\\\nb"
    assert safe("a\\nb") != safe("a\nb")


def test_failed_login_from_a_forged_address_is_one_line(app, client, world, caplog):
    caplog.set_level(logging.INFO, logger="forum")
    forged = "203.0.113.9\nINFO forum.auth.services login ok user=1"
    client.post("/auth/login", data={"email": "sec.member@example.test", "password": "wrong"},
                environ_base={"REMOTE_ADDR": forged})
    client.post("/auth/login", data={"email": "nobody@example.test", "password": "wrong"},
                environ_base={"REMOTE_ADDR": forged})
    client.post("/auth/login", data={"email": "bob\nINFO forged@example.test", "password": "x"},
                environ_base={"REMOTE_ADDR": forged})
    failures = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert len(failures) == 2
    formatter = OneLineFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    for record in caplog.records:
        assert "\n" not in record.getMessage(), record.getMessage()
        assert len(formatter.format(record).splitlines()) == 1
    assert not any(r.getMessage().startswith("login ok") for r in caplog.records)


@pytest.fixture
def restore_forum_logger():
    logger = logging.getLogger("forum")
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_deployed_app_logs_one_line_records_at_info(restore_forum_logger, tmp_path):
    """Outside tests the forum's records go through OneLineFormatter and INFO is kept.

    Flask adds its own default handler (which keeps newlines) to app.logger; it must
    not be the one writing the forum's log.
    """
    from flask.logging import default_handler

    from forum import create_app

    logger = restore_forum_logger
    logger.handlers[:] = []
    logger.setLevel(logging.NOTSET)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.logger is logger
    assert default_handler not in logger.handlers
    assert logger.handlers
    assert all(isinstance(h.formatter, OneLineFormatter) for h in logger.handlers)
    assert logger.getEffectiveLevel() <= logging.INFO
    stream = io.StringIO()
    logger.handlers[0].setStream(stream)
    logging.getLogger("forum.auth.services").info("login failed ip=%s", "1.2.3.4\nINFO forged")
    output = stream.getvalue()
    assert output.count("\n") == 1 and "1.2.3.4\\nINFO forged" in output
    create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert len(logger.handlers) == 1  # a second app does not double every line


# --- |safe only on sanitized HTML (item 18) --------------------------------------------------

# The only values that may skip autoescaping: Markdown rendered and then cleaned by nh3.
SANITIZED_FIELDS = {"post.body_html"}
SAFE_FILTER = re.compile(r"\{\{-?\s*([^{}|]+?)\s*\|\s*safe\b")


def test_safe_filter_only_on_sanitized_fields():
    found, problems = set(), []
    for path in sorted((ROOT / "templates").rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text()
        for match in SAFE_FILTER.finditer(text):
            found.add(match.group(1).strip())
            if match.group(1).strip() not in SANITIZED_FIELDS:
                problems.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        if re.search(r"\|\s*safe\b", text) and not SAFE_FILTER.search(text):
            problems.append(f"{path.relative_to(ROOT)}: |safe in an unusual form")
        if re.search(r"autoescape\s+(false|off)", text, re.I):
            problems.append(f"{path.relative_to(ROOT)}: autoescape turned off")
    assert not problems, "\n".join(problems)
    assert found == SANITIZED_FIELDS  # the allowlist is no wider than what is used


def test_python_code_does_not_mark_strings_safe():
    problems = []
    for path in sorted((ROOT / "forum").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in (
                    "Markup", "render_template_string"):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {_call_name(node)}()")
    assert not problems, "\n".join(problems)


def test_html_templates_are_autoescaped(app):
    assert app.jinja_env.autoescape("threads/show.html") is True
    assert app.jinja_env.autoescape("email/confirm_email/body.html") is True


def test_private_visitor_pages_are_never_stored(app, client, world):
    """Token pages and pages tied to a visitor's session (CSRF token, flashes) are private."""
    for endpoint in ("auth.confirm", "auth.reset_password", "accounts.confirm_email_change",
                     "notifications.unsubscribe"):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        fresh = app.test_client()
        response = fresh.get(build(rule, world))
        assert response.status_code == 200, endpoint
        assert "no-store" in response.headers.get("Cache-Control", ""), endpoint
    app.config["WTF_CSRF_ENABLED"] = True
    for url in ("/auth/login", "/auth/register", "/auth/reset"):
        response = app.test_client().get(url)  # the form puts a CSRF token in a new session
        assert "no-store" in response.headers.get("Cache-Control", ""), url
    static = client.get("/static/css/forum.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_options_on_every_route_is_never_a_500(app, client, world):
    """OPTIONS skips login_required: guards that follow it must still hold, anonymous
    users included, and answer without an error."""
    for rule in get_rules(app):
        url = build(rule, world)
        response = client.open(url, method="OPTIONS")
        assert response.status_code < 500, (url, response.status_code)
        if rule.rule.startswith("/admin/"):
            assert response.status_code in (200, 403), url
