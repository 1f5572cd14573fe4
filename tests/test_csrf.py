"""CSRF on every state-changing route (SECURITY.md item 26).

Every rule in ``app.url_map`` that accepts POST/PUT/PATCH/DELETE is sent a request
without a ``csrf_token``, by a logged-in confirmed member, with form data that would
otherwise be accepted. Each must answer 400 and leave every table unchanged. Two
controls keep the test honest: with CSRF checking switched off the very same requests
are *not* 400 (so the 400 really comes from the CSRF check), and with a token taken
from a rendered form the real journeys (register, log in, start a thread) succeed.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.auth import tokens
from forum.clock import utcnow
from forum.digest.subscriptions import confirm_token, new_token, unsubscribe_token
from forum.exports import services as exports
from forum.extensions import csrf, db
from forum.models import (
    DataExport,
    DigestSubscription,
    ModerationNotice,
    Notification,
    WatchedPhrase,
)
from forum.moderation.services import open_review_item
from forum.notifications.services import moderation_decision
from forum.threads.services import edit_post
from tests.factories import (
    PASSWORD,
    make_category,
    make_moderator,
    make_post,
    make_thread,
    make_training,
    make_user,
)
from tests.helpers import csrf_token_from, force_login

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Endpoints allowed to take unsafe requests without a CSRF token, each named on purpose.
# Only the RFC 8058 one-click unsubscribe: the mail provider POSTs it with no cookie and no
# token (it is also in forum.security.CROSS_SITE_POST_ENDPOINTS).
EXEMPT: set[str] = {"digest.unsubscribe", "notifications.unsubscribe"}

# Columns that a read may legitimately touch (activity stamps, not state changes).
VOLATILE_COLUMNS = {("users", "last_seen_at")}

NEW_PASSWORD = "a brand new passphrase for my account"

# Form data each view would accept, so that only the missing token can stop it.
# "{name}" in a value is filled in from the world fixture (ids known only at run time).
PAYLOADS: dict[str, dict[str, str]] = {
    "posting.new_thread": {"title": "Sensor fell off in the shower", "body": "Any tips for tape?"},
    "posting.create_reply": {"body": "Overpatches helped me a lot."},
    "posting.edit_post": {"title": "Edited title for the thread", "body": "Edited body text."},
    "threads.delete_post": {},
    "threads.redact_revision": {},
    "threads.react": {"kind": "thanks"},
    "auth.register": {"email": "someone.new@example.test", "display_name": "Someone New",
                      "password": "my pump beeps at 3am every night", "agree": "y"},
    "auth.confirm": {},
    "auth.resend_confirmation": {},
    "auth.login": {"email": "csrf.member@example.test", "password": PASSWORD},
    "auth.logout": {},
    "auth.request_reset": {"email": "csrf.member@example.test"},
    "auth.reset_password": {"password": NEW_PASSWORD},
    "accounts.update_profile": {"bio": "Type 1 since 1998."},
    "accounts.change_password": {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    "accounts.change_email": {"email": "elsewhere@example.test", "password": PASSWORD},
    "accounts.confirm_email_change": {},
    "accounts.undo_email_change": {},
    "accounts.change_display_name": {"display_name": "A Fresh Name"},
    "accounts.update_privacy": {"profile_hidden": "y"},
    "moderation.flag": {"reason": "spam", "message": "Looks like an advert."},
    "moderation.claim": {},
    "moderation.act": {"dismiss-reason": "Checked: nothing wrong here."},
    "moderation.toggle_duty": {},
    "moderation.thread_tool": {},
    "moderation.move_thread": {"category": "{other_category_id}"},
    "admin.record_training": {"course_name": "Peer Support Moderator Foundation",
                              "completed_on": "2026-01-10", "valid_until": "2027-01-10",
                              "trainer": "Diabetes peer-support trainer", "notes": "Refresher."},
    "admin.set_role": {"role": "moderator"},
    "admin.set_categories": {"categories": ["{category_id}", "{other_category_id}"]},
    "admin.phrases": {"phrase": "cheap test strips", "action": "flag", "category": "spam"},
    "admin.edit_phrase": {"action": "hold", "category": "prescription_trading"},
    "admin.delete_phrase": {},
    "admin.screening": {"additions": '[lexicons.insulin]\nterms = ["zorblex"]\n',
                        "note": "a local nickname", "save": "Save additions"},
    "notifications.mark_read": {},
    "notifications.mark_all_read": {},
    "threads.follow_thread": {"level": "mute"},
    "threads.follow_category": {"follow": "1"},
    "threads.mark_read": {},
    "notifications.mark_all_threads_read": {},
    "accounts.update_notification_settings": {"notify_mentions": "y", "email_replies": "daily",
                                              "email_follows": "never", "time_zone": ""},
    "digest.subscribe": {"email": "digest.reader@example.test"},
    "digest.confirm": {},
    "digest.resubscribe": {},
    "accounts.update_digest_settings": {"subscribed": "y"},
    "digest.feature": {},
    "digest.admin_category_mode": {"mode": "sensitive"},
    "exports.request_export": {"password": PASSWORD},
    "exports.download": {"token": "{export_token}"},
    "research.agree": {},
    "research.withdraw": {},
    "admin.evaluation_posts_csv": {"include_text": "y"},
    "erasure.delete_account": {"posts": "remove", "password": PASSWORD},
    "admin.erase_now": {"posts": "keep", "reason": "Asked by email, ref 1", "confirm": "yes"},
}

# Who sends each request: a member, unless the route is for a category's trained
# moderator (who leads the world's categories) or for admins. Endpoints named here must
# change something in the control test below.
ACTORS = {endpoint: "moderator" for endpoint in (
    "moderation.claim", "moderation.act", "moderation.toggle_duty", "moderation.thread_tool",
    "moderation.move_thread")}
ACTORS.update({endpoint: "admin" for endpoint in PAYLOADS if endpoint.startswith("admin.")})
ACTORS.update({"digest.feature": "moderator", "digest.admin_category_mode": "admin",
               "notifications.mark_read": "member", "notifications.mark_all_read": "member",
               "threads.follow_thread": "member", "threads.follow_category": "member",
               "accounts.update_notification_settings": "member", "research.agree": "member",
               "exports.request_export": "member", "exports.download": "member",
               "accounts.change_display_name": "member", "accounts.update_privacy": "member",
               "accounts.undo_email_change": "member"})

# Values for URL parts that are not ids.
URL_WORDS = {"action": "dismiss", "tool": "pin"}


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def world(app):
    """A member (the usual actor) with a thread and post of their own, plus someone else's
    post; a trained moderator leading both categories and an admin (the actors for their
    routes); an open review item, a watched phrase and a trained member to appoint; an
    unread notice for the member and a pending email-only digest subscription."""
    with app.app_context():
        member = make_user(email="csrf.member@example.test", display_name="Csrf Member")
        pending = make_user(email="csrf.pending@example.test", display_name="Not Yet",
                            confirmed=False)
        category = make_category(slug="type-1", name="Type 1")
        other_category = make_category(slug="type-2", name="Type 2")
        thread = make_thread(category=category, author=member)
        own_post = make_post(thread, author=member)
        edit_post(own_post, editor=member, body="The member's own post, edited once.")
        someone = make_user(display_name="Someone Else")
        other_post = make_post(thread, author=someone)
        reported = make_post(thread, author=someone, body="Reported for review.")
        item = open_review_item(reported, source="flags", reason="spam")
        moderator = make_moderator(email="csrf.mod@example.test", display_name="Csrf Mod",
                                   categories=[category, other_category])
        admin = make_user(email="csrf.admin@example.test", display_name="Csrf Admin",
                          role="admin")
        trainee = make_user(email="csrf.trainee@example.test", display_name="Csrf Trainee")
        make_training(trainee)
        phrase = WatchedPhrase(phrase="swap my pens", action="block",
                               category="prescription_trading")
        db.session.add(phrase)
        subscription = DigestSubscription(email="csrf.digest@example.test", token=new_token(),
                                          status="pending", requested_at=utcnow())
        db.session.add(subscription)
        notice = ModerationNotice(user_id=member.id, post_id=own_post.id, kind="warning",
                                  message="A moderator has sent you a warning.",
                                  created_at=utcnow())
        db.session.add(notice)
        moderation_decision(notice, own_post)
        export = DataExport(user_id=member.id, status="ready", file_name="csrf-export.zip",
                            ready_at=utcnow(), expires_at=utcnow() + timedelta(days=7))
        db.session.add(export)
        db.session.flush()
        export_token = exports.token_for(export.id, export.file_name)
        export.token_hash = exports.token_hash(export_token)
        exports.export_dir().mkdir(parents=True, exist_ok=True)
        (exports.export_dir() / export.file_name).write_bytes(b"PK\x05\x06" + bytes(18))
        db.session.commit()
        notification_id = db.session.scalar(
            select(Notification.id).where(Notification.notice_id == notice.id))
        world = {
            "export_token": export_token,
            "member_id": member.id,
            "member_session_id": member.get_id(),
            "session_ids": {"member": member.get_id(), "moderator": moderator.get_id(),
                            "admin": admin.get_id()},
            "slug": category.slug,
            "category_id": category.id,
            "other_category_id": other_category.id,
            "thread_id": thread.id,
            "post_id": own_post.id,
            "revision_id": own_post.revisions[0].id,
            "other_post_id": other_post.id,
            "item_id": item.id,
            "phrase_id": phrase.id,
            "user_id": trainee.id,  # the person admin routes act on
            "subscription_id": subscription.id,
            "notification_id": notification_id,
            "tokens": {
                "auth.confirm": tokens.make_confirm_token(pending),
                "auth.reset_password": tokens.make_reset_token(member),
                "accounts.confirm_email_change": tokens.make_email_change_token(
                    member, "changed@example.test"),
                "accounts.undo_email_change": tokens.make_undo_email_change_token(
                    member, old_email="former@example.test", new_email=member.email),
                "digest.confirm": confirm_token(subscription),
                "digest.resubscribe": unsubscribe_token(subscription),
                "digest.unsubscribe": unsubscribe_token(subscription),
            },
        }
    return world


def unsafe_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.methods & UNSAFE_METHODS),
        key=lambda rule: rule.endpoint,
    )


def url_for_rule(rule, world) -> str:
    """The rule's URL with arguments that lead to real objects."""
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "IntegerConverter":
            if name == "post_id" and rule.endpoint in ("threads.react", "moderation.flag"):
                # members react to (and flag) other people's posts
                values[name] = world["other_post_id"]
            else:
                values[name] = world.get(name, world["post_id"])
        elif name == "slug":
            values[name] = world["slug"]
        elif name == "token":
            values[name] = world["tokens"].get(rule.endpoint, "dummy-token")
        elif name in URL_WORDS:
            values[name] = URL_WORDS[name]
        else:
            values[name] = "dummy"
    _domain, path = rule.build(values, append_unknown=False)
    return path


def payload(endpoint: str, world) -> dict:
    """PAYLOADS[endpoint] with "{name}" placeholders filled in from ``world``."""

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value.format(**world) if "{" in value else value

    return {key: fill(value) for key, value in PAYLOADS.get(endpoint, {}).items()}


def snapshot(app) -> dict:
    """Row counts and full contents of every table (minus activity stamps)."""
    state = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS]
            rows = db.session.execute(select(*columns)).all()
            state[table.name] = (len(rows), sorted(map(repr, rows)))
        db.session.remove()
    return state


def test_every_unsafe_route_is_covered_by_a_payload(app):
    """A new state-changing route must be added to PAYLOADS (and so to this test)."""
    missing = {rule.endpoint for rule in unsafe_rules(app)} - PAYLOADS.keys() - EXEMPT
    assert not missing, f"add a payload for {sorted(missing)}"


def test_exemptions_are_exactly_the_named_ones(app):
    """Nothing is exempt from CSRF unless EXEMPT names it, and EXEMPT names real endpoints."""
    assert csrf._exempt_blueprints == set()
    exempt_views = {
        endpoint for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    assert exempt_views == EXEMPT
    assert EXEMPT <= set(app.view_functions)
    # Flask-WTF's Referer check can't work with Referrer-Policy: no-referrer; forum.security
    # checks Sec-Fetch-Site and Origin instead (tested below).
    assert app.config["WTF_CSRF_SSL_STRICT"] is False
    assert app.config["WTF_CSRF_CHECK_DEFAULT"] is True


def _cases():
    """(endpoint, method) for every unsafe rule, read from a throwaway app at collection."""
    from forum import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [
        pytest.param(rule.endpoint, method, id=f"{method}-{rule.endpoint}")
        for rule in unsafe_rules(app)
        for method in sorted(rule.methods & UNSAFE_METHODS)
    ]


CASES = _cases()


def _rule(app, endpoint):
    return next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def test_the_walk_finds_the_forums_forms():
    assert len(CASES) >= 16


@pytest.mark.parametrize(("endpoint", "method"), CASES)
def test_unsafe_request_without_token_is_rejected_and_changes_nothing(
        app, client, world, mailbox, endpoint, method):
    if endpoint in EXEMPT:
        pytest.skip("exempt by name")
    force_login(client, world["session_ids"][ACTORS.get(endpoint, "member")])
    url = url_for_rule(_rule(app, endpoint), world)
    before = snapshot(app)
    response = client.open(url, method=method, data=payload(endpoint, world))
    after = snapshot(app)
    assert response.status_code == 400, f"{method} {url} -> {response.status_code}"
    assert b"This form had expired" in response.data
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"{method} {url} changed {changed}"
    assert mailbox.messages == [], f"{method} {url} sent email"


@pytest.mark.parametrize(("endpoint", "method"), CASES)
def test_control_same_request_succeeds_when_csrf_is_off(app, client, world, endpoint, method):
    """Proves the request above reaches a working view: only the token was missing."""
    if endpoint in EXEMPT:
        pytest.skip("exempt by name")
    app.config["WTF_CSRF_ENABLED"] = False
    force_login(client, world["session_ids"][ACTORS.get(endpoint, "member")])
    url = url_for_rule(_rule(app, endpoint), world)
    before = snapshot(app)
    response = client.open(url, method=method, data=payload(endpoint, world))
    assert response.status_code < 400, f"{method} {url} -> {response.status_code}"
    if endpoint in ACTORS:  # the request really did something
        assert snapshot(app) != before, f"{method} {url} changed nothing"


def test_exempt_endpoints_still_work_without_token(app, client, world):
    for endpoint in EXEMPT:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        response = client.post(url_for_rule(rule, world))
        assert response.status_code != 400, endpoint


def test_register_with_token_from_the_form_succeeds(app, client, mailbox):
    token = csrf_token_from(client.get("/auth/register").data)
    data = dict(PAYLOADS["auth.register"])
    without = client.post("/auth/register", data=data)
    assert without.status_code == 400
    response = client.post("/auth/register", data={**data, "csrf_token": token})
    assert response.status_code == 200, response.data
    assert b"Check your email" in response.data
    assert mailbox.to("someone.new@example.test")


def test_login_with_token_from_the_form_succeeds(app, client, world):
    data = dict(PAYLOADS["auth.login"])
    assert client.post("/auth/login", data=data).status_code == 400
    token = csrf_token_from(client.get("/auth/login").data)
    response = client.post("/auth/login", data={**data, "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as sess:
        # "<id>:<session_version>:<issued>": the issue time may have ticked over since.
        assert sess["_user_id"].split(":")[:2] == world["member_session_id"].split(":")[:2]


def test_new_thread_with_token_from_the_form_succeeds(app, client, world):
    force_login(client, world["session_ids"]["member"])
    url = f"/c/{world['slug']}/new"
    data = dict(PAYLOADS["posting.new_thread"])
    assert client.post(url, data=data).status_code == 400
    token = csrf_token_from(client.get(url).data)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 302
    from forum.models import Thread

    with app.app_context():
        titles = db.session.scalars(select(Thread.title)).all()
    assert data["title"] in titles


def test_token_in_header_is_accepted(app, client, world):
    """The X-CSRFToken header works too (for future script-driven buttons)."""
    force_login(client, world["session_ids"]["member"])
    token = csrf_token_from(client.get("/settings").data)
    response = client.post("/settings/profile", data=PAYLOADS["accounts.update_profile"],
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_token_from_another_session_is_rejected(app, world):
    first, second = app.test_client(), app.test_client()
    token = csrf_token_from(first.get("/auth/login").data)
    second.get("/auth/login")
    response = second.post("/auth/login", data={**PAYLOADS["auth.login"], "csrf_token": token})
    assert response.status_code == 400


# --- production over HTTPS: the token check meets the referrer policy ----------------------

@pytest.fixture
def production_client(tmp_path):
    """A production-config app over HTTPS (secure cookies, cross-site check on)."""
    import logging

    from forum import create_app

    logger = logging.getLogger("forum")
    handlers, level = list(logger.handlers), logger.level
    app = create_app("production", {
        "SECRET_KEY": "p" * 40,
        "SERVER_NAME": "localhost",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    })
    with app.app_context():
        db.create_all()
    client = app.test_client()
    client.base = "https://localhost"
    yield client
    with app.app_context():
        db.engine.dispose()
    logger.handlers[:] = handlers
    logger.setLevel(level)


def _https_login(client, **headers):
    page = client.get("/auth/login", base_url=client.base)
    assert page.status_code == 200
    data = {"email": "nobody@example.com", "password": "wrong password", "csrf_token":
            csrf_token_from(page.data)}
    return client.post("/auth/login", base_url=client.base, data=data, headers=headers)


def test_https_post_with_token_and_same_origin_referer_passes(production_client):
    response = _https_login(production_client, Referer="https://localhost/auth/login")
    assert b"This form had expired" not in response.data
    assert response.status_code == 401  # reached the view: wrong password


def test_https_post_as_a_browser_sends_it_is_accepted(production_client):
    """A browser honouring the page's referrer policy sends no Referer on the POST."""
    page = production_client.get("/auth/login", base_url=production_client.base)
    policies = {page.headers.get("Referrer-Policy")}
    policies |= set(re.findall(rb'<meta name="referrer" content="([^"]+)"', page.data))
    policies = {p.decode() if isinstance(p, bytes) else p for p in policies}
    headers = {}
    if policies <= {"same-origin", "strict-origin", "strict-origin-when-cross-origin", "origin"}:
        headers["Referer"] = "https://localhost/auth/login"  # what the browser would send
    response = _https_login(production_client, **headers)
    assert b"This form had expired" not in response.data
    assert response.status_code == 401


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.test"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "https://localhost.evil.test"},
])
def test_https_post_marked_cross_site_is_refused_even_with_a_token(production_client, headers):
    response = _https_login(production_client, **headers)
    assert response.status_code == 400


def test_https_post_from_the_same_origin_without_referer_passes(production_client):
    response = _https_login(production_client, **{"Sec-Fetch-Site": "same-origin",
                                                  "Origin": "https://localhost"})
    assert response.status_code == 401  # reached the view: wrong password
