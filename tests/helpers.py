"""Plain helper functions and classes for the tests: import them from here, never from a
conftest. Fixtures live in the conftest files; factories (rows) in ``tests.factories``.

Sections: the environment; network and mail (free port, the SMTP handler, reading
messages); logging in; pages and forms; the database (counters, queries); moderation;
search; the weekly digest; the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.digest.subscriptions import new_token
from forum.extensions import db
from forum.models import (
    AuditEntry,
    Category,
    DigestSubscription,
    Flag,
    ModerationNotice,
    Post,
    PostRevision,
    Reaction,
    ReviewItem,
    Thread,
    User,
)
from tests.factories import PASSWORD, make_thread

# --- the environment ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]  # the repository
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DB = os.environ.get("FORUM_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("FORUM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

# A fixed instant the thread and search worlds are built around.
T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


# --- network and mail --------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """The aiosmtpd handler of the test SMTP server: records every message it accepts
    (parsed with the email package on demand), and misbehaves when a test asks it to.

    Reading it first waits for the outbox's background worker (account mail is sent
    after the response), so a test sees every message its requests caused.

    Scripts, reset between tests (``reset``):

    * ``rcpt[address]`` / ``data[address]``: replies to RCPT TO for that address / to DATA
      for a message whose first recipient it is, one used (and removed) per attempt;
    * ``delay``: seconds to wait after recording a message before answering;
    * ``hold_at``: the n-th message is recorded and then left unanswered until
      ``let_go()`` (``held`` is set meanwhile);
    * ``wait_for_sessions``: the first message waits until that many client
      connections have sent one (``sessions`` holds their addresses).
    """

    received: list[bytes] = field(default_factory=list)
    received_envelopes: list = field(default_factory=list)
    received_peers: list = field(default_factory=list)  # the client address of each message
    lock: threading.Lock = field(default_factory=threading.Lock)
    rcpt: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, list[str]] = field(default_factory=dict)
    delay: float = 0.0
    hold_at: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    wait_for_sessions: int = 0
    sessions: set = field(default_factory=set)
    generation: int = 0  # bumped by reset(): a message from an earlier test is refused
    _release: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        script = self.rcpt.get(address)
        if script:
            return script.pop(0)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        generation = self.generation
        self.sessions.add(session.peer)
        for _ in range(self.wait_for_sessions * 500):  # until every sender has connected
            if len(self.sessions) >= self.wait_for_sessions:
                break
            await asyncio.sleep(0.01)
        script = self.data.get(envelope.rcpt_tos[0]) if envelope.rcpt_tos else None
        with self.lock:
            if generation != self.generation:
                return "421 4.3.0 the test that sent this is over"
            if script:
                self.received_peers.append(session.peer)  # refused, but on this connection
                return script.pop(0)
            self.received.append(envelope.original_content or envelope.content)
            self.received_envelopes.append(envelope)
            self.received_peers.append(session.peer)
            number = len(self.received)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold_at and number == self.hold_at:
            self._loop = asyncio.get_running_loop()
            self._release = asyncio.Event()
            self.held.set()
            await self._release.wait()
        return "250 OK"

    def let_go(self) -> None:
        """Answer the held message."""
        if self._loop is not None and self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    @staticmethod
    def _settle() -> None:
        from forum.email import wait_for_background

        # Inside the SMTP server's own thread (aiosmtpd inspects its handler's members)
        # waiting would deadlock. Not a running-loop check: Playwright's sync API keeps an
        # event loop running in the main thread once the browser tests have started.
        if threading.current_thread() is not threading.main_thread():
            return
        assert wait_for_background(timeout=30), "the email outbox worker did not finish"

    @property
    def raw(self) -> list[bytes]:
        self._settle()
        return self.received

    @property
    def envelopes(self) -> list:
        self._settle()
        return self.received_envelopes

    @property
    def peers(self) -> list:
        self._settle()
        return self.received_peers

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        self._settle()
        with self.lock:
            return [email.message_from_bytes(r, policy=email.policy.default)
                    for r in self.received]

    def clear(self) -> None:
        """Forget the messages received so far."""
        self._settle()
        with self.lock:
            self.received.clear()
            self.received_envelopes.clear()
            self.received_peers.clear()

    def reset(self) -> None:
        """Between tests: no messages, no scripts, nothing held."""
        self.let_go()
        with self.lock:
            self.generation += 1
        self.clear()
        self.rcpt.clear()
        self.data.clear()
        self.delay = 0.0
        self.hold_at = self.wait_for_sessions = 0
        self.held = threading.Event()
        self.sessions = set()
        self._release = self._loop = None

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def use_smtp_port(app, port: int) -> None:
    """Point the app's Flask-Mail state at another SMTP port (it copies config at start)."""
    app.config["MAIL_PORT"] = port
    app.extensions["mail"].port = port


class SilentServer:
    """Accepts TCP connections and never says a word (a black hole)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def body_text(message) -> str:
    """The text/plain part of a received message, decoded."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


def email_text(message) -> str:
    """Subject and every text part of a received email, decoded."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def link_in(message, fragment: str) -> str:
    """The first URL in the message's text containing ``fragment``."""
    for word in body_text(message).split():
        if word.startswith("http") and fragment in word:
            return word
    raise AssertionError(f"no link containing {fragment!r} in message")


def path_of(url: str) -> str:
    """The path and query of an absolute link, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def parse_strict(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.strict)


def assert_well_formed(raw: bytes) -> email.message.EmailMessage:
    """RFC 5322 basics that every account email must meet."""
    for line in raw.split(b"\n"):
        assert len(line.rstrip(b"\r")) <= 998
    message = parse_strict(raw)
    for part in message.walk():
        assert not part.defects, part.defects
        for name, value in part.items():
            assert not getattr(value, "defects", ()), (name, value.defects)
    assert message["Date"] and message["Message-ID"]
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message["Message-ID"].strip())
    display_name, address = parseaddr(str(message["From"]))
    assert display_name and "@" in address
    subject = str(message["Subject"])
    assert subject and "\r" not in subject and "\n" not in subject
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None
    return message


def wait_for_mail(mailbox: Mailbox, address: str, timeout: float = 5.0):
    """The newest message to ``address``, waiting up to ``timeout`` seconds for one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = mailbox.to(address)
        if messages:
            return messages[-1]
        time.sleep(0.05)
    raise AssertionError(f"no email to {address} within {timeout}s")


# --- logging in --------------------------------------------------------------------------

def login(client, user, password: str = PASSWORD, *, remember: bool = False, **kwargs):
    """Post the login form for ``user`` (an email address or a User) and return the
    response, whatever it is. The ``login`` fixture is the asserting, name-aware version."""
    data = {"email": getattr(user, "email", user), "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data, **kwargs)


def logout(client):
    return client.post("/auth/logout")


def is_logged_in(client) -> bool:
    resp = client.get("/settings")
    assert resp.status_code in (200, 302)
    if resp.status_code == 302:
        assert resp.headers["Location"].startswith("/auth/login")
    return resp.status_code == 200


def force_login(client, session_id: str) -> None:
    """Log a user in by writing the session directly (no form, so no CSRF token);
    ``session_id`` is ``user.get_id()``."""
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True
        sess["login_at"] = int(utcnow().timestamp())


# --- pages and forms ---------------------------------------------------------------------

def text(response) -> str:
    return response.get_data(as_text=True)


class Page(HTMLParser):
    """Form inputs by name and the text of every element with an id."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}

    def __init__(self, html: bytes | str):
        super().__init__()
        self.inputs: dict[str, dict] = {}
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html.decode() if isinstance(html, bytes) else html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and "name" in attrs:
            self.inputs[attrs["name"]] = attrs
        if tag in self.VOID:
            return
        self._open.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self.text_by_id[attrs["id"]] = ""

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data


def field_error(resp, name: str) -> str:
    """The error text that the input ``name`` points to with aria-describedby."""
    page = Page(resp.data)
    described = page.inputs[name].get("aria-describedby", "").split()
    errors = [i for i in described if i.endswith("-error")]
    assert errors, f"{name} has no error in aria-describedby={described}"
    assert page.inputs[name].get("aria-invalid") == "true"
    return " ".join(page.text_by_id[i] for i in errors).strip()


def csrf_token_from(html: bytes) -> str:
    match = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, "no csrf_token field in the page"
    return match.group(1).decode()


def post_anchor_ids(html: str) -> list[int]:
    """The post ids in the order their ``id="post-<id>"`` anchors appear."""
    return [int(n) for n in re.findall(r'<article[^>]* id="post-(\d+)"', html)]


# --- the database ------------------------------------------------------------------------

@contextlib.contextmanager
def fresh_postgresql_database(prefix: str, template: str | None = None):
    """The SQLAlchemy URL of a new PostgreSQL database (a copy of ``template``, else
    empty), dropped afterwards. Skips the test when PostgreSQL is unreachable (fails it
    under ``CI=true``)."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL is unreachable at {PG_ADMIN_URL}")
    # The names are made here from digits and hex only; identifiers cannot be bound.
    admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextlib.contextmanager
def count_queries(app):
    """Count the SQL statements run while the block runs: ``with count_queries(app) as n:``
    then ``n[0]``."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    counter = [0]

    def count(*_args, **_kwargs):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


VISIBLE = Post.status == "visible"


def row_counts() -> dict[str, int]:
    """How many threads, posts, revisions and reactions exist."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Category, Thread, Post, PostRevision, Reaction)
    }


def counter_mismatches() -> list[str]:
    """Every stored counter or activity time that differs from a recount from the rows.

    The rules: counts include visible posts only (a thread's ``reply_count`` leaves out its
    opening post); a category counts its listed threads; a thread's ``last_post_at`` is its
    newest visible post (its creation time if none); a category's is its newest visible post.
    """
    db.session.expire_all()
    problems = []

    def check(label, stored, expected):
        if stored != expected:
            problems.append(f"{label}: stored {stored!r}, recounted {expected!r}")

    for thread in db.session.scalars(select(Thread)):
        posts = select(Post).where(Post.thread_id == thread.id, VISIBLE).subquery()
        check(f"thread {thread.id} post_count", thread.post_count,
              db.session.scalar(select(func.count()).select_from(posts)))
        check(f"thread {thread.id} reply_count", thread.reply_count,
              db.session.scalar(select(func.count()).select_from(posts)
                                .where(posts.c.is_opening.is_(False))))
        newest = db.session.scalar(select(func.max(posts.c.created_at)))
        check(f"thread {thread.id} last_post_at", thread.last_post_at,
              newest if newest is not None else thread.created_at)
    for category in db.session.scalars(select(Category)):
        in_category = select(Post.created_at).join(Post.thread).where(
            Thread.category_id == category.id, VISIBLE).subquery()
        check(f"category {category.id} post_count", category.post_count,
              db.session.scalar(select(func.count()).select_from(in_category)))
        check(f"category {category.id} thread_count", category.thread_count,
              db.session.scalar(select(func.count()).where(Thread.category_id == category.id,
                                                           Thread.is_listed.is_(True))))
        check(f"category {category.id} last_post_at", category.last_post_at,
              db.session.scalar(select(func.max(in_category.c.created_at))))
    for user in db.session.scalars(select(User)):
        check(f"user {user.id} post_count", user.post_count,
              db.session.scalar(select(func.count()).where(Post.author_id == user.id, VISIBLE)))
    return problems


@dataclass
class Counters:
    thread_posts: int
    category_posts: int
    category_threads: int
    user_posts: int


def counters(thread_id: int, user_id: int) -> Counters:
    db.session.expire_all()
    thread = db.session.get(Thread, thread_id)
    return Counters(thread.post_count, thread.category.post_count, thread.category.thread_count,
                    db.session.get(User, user_id).post_count)


# --- moderation --------------------------------------------------------------------------

def audit_rows(action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def items_for(post_id: int) -> list[ReviewItem]:
    return list(db.session.scalars(
        select(ReviewItem).where(ReviewItem.post_id == post_id).order_by(ReviewItem.id)))


def open_item(post_id: int) -> ReviewItem | None:
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post_id,
                                                      ReviewItem.status == "open"))


def notices(user_id: int) -> list[ModerationNotice]:
    return list(db.session.scalars(
        select(ModerationNotice).where(ModerationNotice.user_id == user_id)
        .order_by(ModerationNotice.id)))


def flags_on(post_id: int) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.post_id == post_id)))


def newest_post() -> Post:
    return db.session.scalar(select(Post).order_by(Post.id.desc()))


def act(client, item_id: int, action: str, **fields):
    """POST one review-item action with its prefixed form fields (reason=..., days=...)."""
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(f"/mod/items/{item_id}/{action}", data=data)


def flag(client, post_id: int, reason: str, message: str = ""):
    return client.post(f"/p/{post_id}/flag", data={"reason": reason, "message": message})


def item_links(html: str) -> list[int]:
    """Review-item ids in the order the queue lists them."""
    return [int(n) for n in re.findall(r'href="/mod/items/(\d+)"', html)]


# --- search ------------------------------------------------------------------------------

HIT_LINK = re.compile(r'<li class="search-hit">\s*<h3><a href="/p/(\d+)"')


def result_ids(response) -> list[int]:
    """Post ids linked from a results page, in order."""
    return [int(n) for n in HIT_LINK.findall(response.get_data(as_text=True))]


def indexed(app) -> dict[int, dict]:
    """Every document in the current index: ``{post id: stored fields}``."""
    with app.app_context():
        ix = app.extensions["forum.search"].index.open()
        with ix.searcher() as searcher:
            return {int(f["id"]): f for f in searcher.all_stored_fields()}


def doc_has(app, post_id: int, **terms: str) -> bool:
    """Whether the index holds ``post_id`` with these exact field terms."""
    with app.app_context():
        ix = app.extensions["forum.search"].index.open()
        with ix.searcher() as searcher:
            return searcher.document_number(id=str(post_id), **terms) is not None


# --- the weekly digest -------------------------------------------------------------------
# The default schedule is Monday 08:00 Europe/London. ``SEND_TIME`` is Monday 30 November
# 2026, 09:00 UTC, so the latest period that has ended is 2026-W48 (Monday 23 November
# 08:00 GMT to Monday 30 November 08:00 GMT); ``IN_PERIOD`` falls inside it.

SEND_TIME = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PERIOD = "2026-W48"
PERIOD_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
IN_PERIOD = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BEFORE_PERIOD = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


_HAD_EARLIER = object()


def _covered(since: datetime, covered_until) -> datetime | None:
    """By default a subscriber since ``BEFORE_PERIOD`` has had every digest up to
    2026-W47, so their next one covers 2026-W48 exactly; one who joined at any other
    time has had none yet."""
    if covered_until is _HAD_EARLIER:
        return PERIOD_START if since == BEFORE_PERIOD else None
    return covered_until


def subscribe_member(user, *, categories=None, since: datetime = BEFORE_PERIOD,
                     covered_until=_HAD_EARLIER):
    """A confirmed digest subscription for a member (every category unless ``categories``)."""
    subscription = DigestSubscription(
        user_id=user.id, token=new_token(), status="confirmed",
        all_categories=categories is None, categories=list(categories or ()),
        created_at=since, subscribed_at=since, covered_until=_covered(since, covered_until))
    db.session.add(subscription)
    db.session.flush()
    return subscription


def subscribe_email(address: str, *, status: str = "confirmed",
                    since: datetime = BEFORE_PERIOD, covered_until=_HAD_EARLIER):
    """An email-only digest subscription (``status``: "confirmed" or "pending")."""
    confirmed = status == "confirmed"
    subscription = DigestSubscription(
        email=address, token=new_token(), status=status, created_at=since,
        requested_at=since, subscribed_at=since if confirmed else None,
        covered_until=_covered(since, covered_until) if confirmed else None)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def send(runner, *args: str):
    """``flask digest send --period 2026-W48 ...`` in-process; returns the click result."""
    return runner.invoke(args=["digest", "send", "--period", PERIOD, *args])


def summary_of(output: str) -> dict[str, str]:
    line = [text for text in output.splitlines() if text.startswith("period=")][-1]
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


def new_thread(app, *, category_id: int, title: str, body: str = "Some words about it.",
               at: datetime = IN_PERIOD, author_email: str = "author@example.test"):
    """Open a thread (committed) and return its id and opening post id."""
    with app.app_context():
        author = db.session.scalar(select(User).filter_by(email=author_email))
        thread = make_thread(category=db.session.get(Category, category_id), author=author,
                             title=title, body=body, at=at)
        db.session.commit()
        return thread.id, thread.posts[0].id


def cli_env(app, tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    """The environment for ``flask --app forum ...`` in a subprocess, on the app's database."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "FORUM_", "DATABASE_URL", "SECRET_KEY", "MAIL_",
                                  "DIGEST_", "SERVER_NAME"))}
    env.update({
        "FORUM_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FORUM_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT": "5",
        "SERVER_NAME": "forum.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SEARCH_INDEX_DIR": str(tmp_path / "cli-index"),
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def flask_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("flask")), "--app", "forum", *args]


def start_cli(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(flask_command(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def past_period_key(weeks_ago: int = 2) -> tuple[str, datetime]:
    """A period that has really ended (subprocesses use the real clock): key and a time
    inside it."""
    from forum.digest.schedule import Schedule, latest_ended_period, period_ending_at

    schedule = Schedule()
    period = latest_ended_period(schedule, datetime.now(UTC))
    for _ in range(weeks_ago):
        period = period_ending_at(schedule, period.start)
    return period.key, period.start + timedelta(days=2)


# --- the browser -------------------------------------------------------------------------

VIEWPORT = {"width": 1280, "height": 900}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    # WCAG 2.5.3 Label in Name (level A): axe tags this rule "experimental", so the tag
    # list above leaves it out; switched on by name. It caught the post permalinks.
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}


def browser_login(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form in a browser page and wait for the welcome message
    (``base_url``: the live server's, e.g. ``live_server.url``)."""
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.get_by_text("Welcome back").wait_for()


def axe_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
        for node in v["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


_axe = None


def check_page(page, name: str, screenshot) -> None:
    """Run axe on what ``page`` shows now; screenshot it; fail with a readable report."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    page.wait_for_load_state("load")
    screenshot(page, f"a11y-{name}")
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert not violations, f"{name}: {len(violations)} axe violation(s):\n{axe_report(violations)}"
