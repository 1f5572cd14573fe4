"""Erasure: "Delete my account", the grace period, the job, the admin's "Erase now", and
the proof that an erased member's email, name and post text are nowhere any more."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, String, Text, func, select

from forum.clock import utcnow
from forum.erasure import jobs, services
from forum.extensions import db
from forum.models import (
    AuditEntry,
    DataExport,
    DisplayNameChange,
    LoginEvent,
    Notification,
    OutboxEmail,
    Post,
    PostRevision,
    Reaction,
    ResearchConsent,
    Thread,
    ThreadFollow,
    User,
)
from forum.notifications import services as notifications
from forum.search.schema import ANALYZER
from forum.text import quote_markdown
from forum.threads import services as threads
from tests.factories import PASSWORD, make_category, make_post, make_thread, make_user
from tests.helpers import (
    audit_rows,
    counter_mismatches,
    is_logged_in,
    login,
    logout,
    subscribe_member,
    text,
    wait_for_mail,
)

EMAIL = "zephyrine.quill@example.test"
NAME = "Zephyrine Quillfeather"
OLD_NAME = "Zephy Plumtwist"
# Distinctive words, one per post (Whoosh stores them stemmed: see ``_stems``).
OPENING, TITLE, QUOTED, EDITED_OLD, EDITED_NEW, KEPT = (
    "xylofrumble", "quorzaphat", "glimmerwock", "snarfleblat", "plonkquist", "brindlethorp")


def _ask(client, *, posts="remove", password=PASSWORD):
    return client.post("/settings/delete", data={"posts": posts, "password": password})


def _run_job(app, *, days: int | None = None):
    """Run the job ``days`` after now (default: just after the grace period)."""
    from forum import clock

    days = app.config["ERASURE_GRACE_DAYS"] if days is None else days
    clock.freeze(utcnow() + timedelta(days=days, minutes=1))
    try:
        with app.app_context():
            return jobs.run()
    finally:
        clock.freeze(None)


# --- asking, cancelling ------------------------------------------------------------------

def test_the_page_explains_and_a_wrong_password_is_refused(app, client, mailbox):
    with app.app_context():
        uid = make_user(email=EMAIL, display_name=NAME).id
        db.session.commit()
    login(client, EMAIL)
    page = client.get("/settings/delete")
    assert page.status_code == 200
    assert "7 days" in text(page) and "a former member" in text(page)
    assert 'href="/settings/delete"' in text(client.get("/settings"))

    response = _ask(client, password="not my password at all")
    assert response.status_code == 400
    assert "That is not your password." in text(response)
    with app.app_context():
        assert db.session.get(User, uid).deletion_requested_at is None
    assert client.get("/settings").status_code == 200  # still logged in
    assert _ask(client, posts="everything").status_code == 400  # not a choice


def test_asking_logs_out_and_emails_and_logging_in_cancels(app, client, mailbox):
    with app.app_context():
        user = make_user(email=EMAIL, display_name=NAME)
        db.session.commit()
        uid = user.id
    login(client, EMAIL)
    response = _ask(client, posts="keep")
    assert response.status_code == 302
    assert client.get("/settings").status_code == 302  # logged out
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.deletion_requested_at is not None and user.deletion_posts == "keep"
        when = services.erase_on(user)
    scheduled = wait_for_mail(mailbox, EMAIL)
    assert f"{when:%d %B %Y}" in scheduled["Subject"]

    mailbox.clear()
    response = login(client, EMAIL, follow_redirects=True)
    assert "Your account will not be deleted: logging in cancelled" in text(response)
    cancelled = wait_for_mail(mailbox, EMAIL)
    assert "will not be deleted" in cancelled["Subject"]
    with app.app_context():
        assert db.session.get(User, uid).deletion_requested_at is None
    # Nothing happens after the grace period now.
    assert _run_job(app, days=30).erased == 0


def test_the_job_waits_for_the_grace_period(app, client, mailbox):
    with app.app_context():
        user = make_user(email=EMAIL, display_name=NAME)
        db.session.commit()
        uid = user.id
    login(client, EMAIL)
    assert _ask(client).status_code == 302
    assert _run_job(app, days=6).erased == 0
    with app.app_context():
        assert db.session.get(User, uid).erased_at is None
    summary = _run_job(app)
    assert (summary.erased, summary.finished) == (1, 1)
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.erased_at is not None and user.deletion_requested_at is None
        assert user.display_name.startswith("Former member ")
        assert user.email.endswith("@erased.invalid")
        [entry] = audit_rows("erase")
        assert (entry.actor_id, entry.target_id) == (None, uid)
    assert _run_job(app).erased == 0  # nothing left to do


def test_the_tombstone_cannot_log_in_and_its_old_session_is_dead(app, client, mailbox):
    with app.app_context():
        user = make_user(email=EMAIL, display_name=NAME)
        db.session.commit()
        uid = user.id
    login(client, EMAIL)
    other = app.test_client()
    login(other, EMAIL)
    with app.app_context():
        user = db.session.get(User, uid)
        services.request_deletion(user, posts="remove")
        user.deletion_requested_at -= timedelta(days=8)
        db.session.commit()
    assert _run_job(app, days=0).erased == 1
    assert other.get("/settings").status_code == 302
    assert login(client, EMAIL).status_code == 401
    with app.app_context():
        tombstone = db.session.get(User, uid)
        # (an .invalid address is refused by the form already: 400)
        assert login(client, tombstone.email, PASSWORD).status_code in (400, 401)
        assert login(client, tombstone.email, "!erased").status_code in (400, 401)
    assert not is_logged_in(client)
    assert client.get(f"/members/{uid}").status_code == 200  # a name, nothing else


def test_a_crash_halfway_is_finished_by_the_next_run(app, monkeypatch, mailbox):
    with app.app_context():
        user = make_user(email=EMAIL, display_name=NAME)
        thread = make_thread(author=user, title=f"{TITLE} thread", body=f"{OPENING} body")
        services.request_deletion(user, posts="remove")
        user.deletion_requested_at -= timedelta(days=8)
        db.session.commit()
        uid, post_id = user.id, thread.posts[0].id

    def crash(*_args, **_kwargs):
        raise RuntimeError("killed")

    # 1. dies inside the erasure: everything is rolled back
    monkeypatch.setattr(services, "_make_tombstone", crash)
    with pytest.raises(RuntimeError):
        _run_job(app, days=0)
    with app.app_context():
        db.session.rollback()
        assert db.session.get(User, uid).email == EMAIL
        assert db.session.get(Post, post_id).body_source == f"{OPENING} body"
    monkeypatch.undo()
    # 2. dies after the commit, before the index is purged: the tombstone stays listed
    monkeypatch.setattr(services, "purge_index", crash)
    with pytest.raises(RuntimeError):
        _run_job(app, days=0)
    with app.app_context():
        db.session.rollback()
        user = db.session.get(User, uid)
        assert user.erased_at is not None and user.deletion_requested_at is not None
    monkeypatch.undo()
    # 3. the next run finishes it, without erasing twice
    summary = _run_job(app, days=0)
    assert (summary.erased, summary.finished) == (0, 1)
    with app.app_context():
        assert db.session.get(User, uid).deletion_requested_at is None
        assert len(audit_rows("erase")) == 1
        assert not _index_has(app, OPENING)


# --- what happens to posts ------------------------------------------------------------

def _forum_with_posts(app):
    """The member (with an older name) and Bob; returns ids."""
    with app.app_context():
        category = make_category()
        member = make_user(email=EMAIL, display_name=NAME)
        db.session.add(DisplayNameChange(user_id=member.id, old_name=OLD_NAME, new_name=NAME))
        bob = make_user(email="bob@example.test", display_name="Bob Builder")
        own = make_thread(category=category, author=member, title=f"My {TITLE} question",
                          body=f"The {OPENING} problem, anyone?")
        bobs_reply_in_own = make_post(own, author=bob, body="Bob answers in her thread.")
        bobs = make_thread(category=category, author=bob, title="Bob's thread",
                           body="Bob asks something.")
        quoted = make_post(bobs, author=member, body=f"My {QUOTED} answer.")
        edited = make_post(bobs, author=member, body=f"First {EDITED_OLD} version.")
        threads.edit_post(edited, editor=member, body=f"Second {EDITED_NEW} version.")
        bob_quotes = make_post(bobs, author=bob, body=quote_markdown(NAME, quoted.body_source)
                               + f"Agreed, @{NAME} and {OLD_NAME}!")
        threads.toggle_reaction(edited, user=bob, kind="thanks")
        threads.toggle_reaction(bob_quotes, user=member, kind="me_too")
        notifications.set_category_follow(member, category, True)
        subscribe_member(member)
        db.session.commit()
        return {"member": member.id, "bob": bob.id, "own": own.id, "bobs": bobs.id,
                "category": category.id, "own_opening": own.posts[0].id,
                "bobs_reply_in_own": bobs_reply_in_own.id, "quoted": quoted.id,
                "edited": edited.id, "bob_quotes": bob_quotes.id}


def _erase(app, ids, posts):
    with app.app_context():
        user = db.session.get(User, ids["member"])
        user.deletion_posts = posts
        user.deletion_requested_at = utcnow() - timedelta(days=8)
        db.session.commit()
    return _run_job(app, days=0)


def test_remove_keeps_only_quoted_replies_anonymised_and_counters_right(app, mailbox):
    ids = _forum_with_posts(app)
    summary = _erase(app, ids, "remove")
    assert summary.finished == 1
    with app.app_context():
        former = db.session.scalar(select(User).where(User.email == services.FORMER_MEMBER_EMAIL))
        opening = db.session.get(Post, ids["own_opening"])
        quoted = db.session.get(Post, ids["quoted"])
        edited = db.session.get(Post, ids["edited"])
        assert (opening.status, opening.body_source) == ("deleted_by_author", "")
        assert (edited.status, edited.body_source) == ("deleted_by_author", "")
        assert quoted.status == "visible" and QUOTED in quoted.body_source
        assert {opening.author_id, quoted.author_id, edited.author_id} == {former.id}
        own = db.session.get(Thread, ids["own"])
        assert own.title == services.REMOVED_TITLE and own.author_id == former.id
        assert own.is_listed  # Bob replied: the thread stays, with his reply
        assert db.session.get(Post, ids["bobs_reply_in_own"]).status == "visible"
        bob_quotes = db.session.get(Post, ids["bob_quotes"]).body_source
        assert "> **A former member** wrote:" in bob_quotes
        assert "Agreed, a former member and a former member!" in bob_quotes
        assert NAME not in bob_quotes and OLD_NAME not in bob_quotes
        assert db.session.scalar(select(func.count()).select_from(Reaction)) == 0
        assert former.post_count == 1
        assert db.session.get(User, ids["member"]).post_count == 0
        assert counter_mismatches() == []
        assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 0
    assert _index_has(app, QUOTED) and not _index_has(app, EDITED_NEW)
    assert not _index_has(app, OPENING) and not _index_has(app, TITLE)


def test_keep_keeps_every_post_as_a_former_member(app, client, mailbox):
    ids = _forum_with_posts(app)
    _erase(app, ids, "keep")
    with app.app_context():
        former = db.session.scalar(select(User).where(User.email == services.FORMER_MEMBER_EMAIL))
        for key in ("own_opening", "quoted", "edited"):
            post = db.session.get(Post, ids[key])
            assert post.status == "visible" and post.author_id == former.id
        assert TITLE in db.session.get(Thread, ids["own"]).title
        assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 0
        # Bob's thanks on her kept post stays; her own "me too" went.
        assert db.session.scalar(select(Reaction.user_id)) == ids["bob"]
        assert former.post_count == 3 and counter_mismatches() == []
    page = text(client.get(f"/t/{ids['bobs']}"))
    assert EDITED_NEW in page and "A former member" in page and NAME not in page
    assert _index_has(app, EDITED_NEW) and not _index_has(app, EDITED_OLD)


def test_a_thread_left_with_nothing_readable_is_unlisted(app, mailbox):
    with app.app_context():
        member = make_user(email=EMAIL, display_name=NAME)
        thread = make_thread(author=member, title=f"{TITLE} alone", body=f"{OPENING} alone")
        category_id, thread_id = thread.category_id, thread.id
        member.deletion_requested_at = utcnow() - timedelta(days=8)
        db.session.commit()
    _run_job(app, days=0)
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert not thread.is_listed and thread.category.thread_count == 0
        assert thread.category_id == category_id and counter_mismatches() == []


# --- the admin ---------------------------------------------------------------------------

def test_admin_erases_at_once_audited_and_others_may_not(app, client, mailbox):
    with app.app_context():
        admin = make_user(email="admin@example.test", display_name="Ada Admin", role="admin")
        other_admin = make_user(email="admin2@example.test", display_name="Otto Admin",
                                role="admin")
        member = make_user(email=EMAIL, display_name=NAME)
        make_thread(author=member, title=f"{TITLE} here", body=f"{OPENING} here")
        db.session.commit()
        ids = (admin.id, other_admin.id, member.id)
    form = {"posts": "remove", "reason": f"Email from {EMAIL} ({NAME}), ref 114",
            "confirm": "yes"}
    login(client, EMAIL)
    assert client.post(f"/admin/people/{ids[2]}/erase", data=form).status_code == 403
    logout(client)
    login(client, "admin@example.test")
    page = text(client.get(f"/admin/people/{ids[2]}"))
    assert "Erase now (on request)" in page
    assert client.post(f"/admin/people/{ids[0]}/erase", data=form).status_code == 403
    assert client.post(f"/admin/people/{ids[1]}/erase", data=form).status_code == 403
    no_confirm = {**form, "confirm": ""}
    assert client.post(f"/admin/people/{ids[2]}/erase", data=no_confirm).status_code == 400
    response = client.post(f"/admin/people/{ids[2]}/erase", data=form)
    assert response.status_code == 302
    assert "<section" not in text(client.get(f"/admin/people/{ids[2]}")).split("</title>")[0]
    # A second click finds the tombstone: nothing is erased twice.
    assert client.post(f"/admin/people/{ids[2]}/erase", data=form).status_code == 302
    with app.app_context():
        tombstone = db.session.get(User, ids[2])
        # Erased at once; the next job run confirms the index is purged and finishes.
        assert tombstone.erased_at is not None and tombstone.deletion_requested_at is not None
    _run_job(app, days=0)
    with app.app_context():
        tombstone = db.session.get(User, ids[2])
        assert tombstone.erased_at is not None and tombstone.deletion_requested_at is None
        [entry] = audit_rows("erase")
        assert (entry.actor_id, entry.target_id) == (ids[0], ids[2])
        assert EMAIL not in entry.reason and NAME not in entry.reason
        assert tombstone.display_name in entry.reason and "ref 114" in entry.reason
        assert db.session.get(User, ids[1]).erased_at is None
    assert not _index_has(app, OPENING)


# --- the proof -------------------------------------------------------------------------------

def _stems(words) -> set[str]:
    return {token.text for word in words for token in ANALYZER(word)}


def _index_has(app, word: str) -> bool:
    """Whether a search for ``word`` (through Whoosh's API) finds any document."""
    from whoosh import query as wq

    with app.app_context():
        ix = app.extensions["forum.search"].index.open()
        with ix.searcher() as searcher:
            for field in ("body", "title"):
                for stem in _stems([word]):
                    if searcher.search(wq.Term(field, stem), limit=1).scored_length():
                        return True
                    if stem in set(searcher.lexicon(field)):
                        return True
    return False


def _table_hits(needles: list[str]) -> list[str]:
    """Every text or binary cell of every table holding one of ``needles``."""
    hits = []
    lowered = [n.lower() for n in needles]
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, LargeBinary))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                as_text = (bytes(value).decode("utf-8", "replace")
                           if isinstance(value, (bytes, memoryview)) else str(value))
                for needle in lowered:
                    if needle in as_text.lower():
                        hits.append(f"{table.name}.{column.name} holds {needle!r}")
    return hits


def _file_hits(folder: Path, needles: list[str]) -> list[str]:
    """Every file under ``folder`` whose bytes hold one of ``needles`` (any case)."""
    hits = []
    raw_needles = [n.lower().encode() for n in needles]
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes().lower()
            hits.extend(f"{path.relative_to(folder)} holds {n!r}" for n in raw_needles
                        if n in data)
    return hits


@pytest.fixture
def app_overrides():
    # Everything in one instance folder (the test's temporary directory): set below.
    return {"MAIL_OUTBOX_DIR": None, "EXPORT_DIR": None}


def test_after_erasure_the_member_is_nowhere(app, tmp_path, mailbox):
    app.instance_path = str(tmp_path)  # the database, index, outbox and exports live here
    ids = _forum_with_posts(app)
    with app.app_context():
        member = db.session.get(User, ids["member"])
        bob = db.session.get(User, ids["bob"])
        # Notifications to and about her, follows, a consent, a login, a moderation notice.
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.user_id == member.id)) >= 2
        assert db.session.scalar(select(func.count()).select_from(ThreadFollow)
                                 .where(ThreadFollow.user_id == member.id)) >= 1
        db.session.add(ResearchConsent(user_id=member.id, version="2026-1", granted=True))
        db.session.add(LoginEvent(user_id=member.id, network="192.0.2.0", browser="Firefox"))
        # Mail: a pending message to her, a sent one (metadata only), and the
        # development outbox's .eml files to her and about her.
        db.session.add(OutboxEmail(kind="moderation_notice", sender="no-reply@forum.test",
                                   recipient=EMAIL, status="pending",
                                   message=f"To: {EMAIL}\r\n\r\nHello {NAME}".encode(),
                                   due_at=utcnow() + timedelta(days=30)))
        db.session.add(OutboxEmail(kind="password_changed", sender="no-reply@forum.test",
                                   recipient=EMAIL, status="sent", message=b""))
        outbox = tmp_path / "outbox"
        outbox.mkdir()
        (outbox / "1-reset.eml").write_text(f"To: {EMAIL}\r\nSubject: hi\r\n\r\nHello {NAME}\r\n")
        (outbox / "2-notifications.eml").write_text(
            f"To: bob@example.test\r\nSubject: new\r\n\r\n{NAME} replied: {KEPT}\r\n")
        (outbox / "3-other.eml").write_text("To: bob@example.test\r\n\r\nNothing about her\r\n")
        # A data export, with its file.
        exports = tmp_path / "exports"
        exports.mkdir()
        (exports / "export-abc.zip").write_bytes(f"{EMAIL} {NAME} {OPENING}".encode())
        db.session.add(DataExport(user_id=member.id, status="ready", file_name="export-abc.zip"))
        # A post Bob flagged, so a review item and an audit trail point at her post.
        from forum.moderation import services as moderation

        moderation.flag_post(db.session.get(Post, ids["edited"]), reporter=bob, reason="spam",
                             message=f"Is {NAME} a bot?", auto_hide_at=3)
        db.session.commit()
        assert _index_has(app, EDITED_NEW)
        # Two rebuilds: the previous generation (kept for a while) holds her words too.
        app.extensions["forum.search"].rebuild()
        app.extensions["forum.search"].rebuild()
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    assert len({hit.split("/")[0] for hit in _file_hits(index_dir, _stems([OPENING]))}) == 2
    # The search finds what is there (so its silence afterwards means something).
    needles = [EMAIL, NAME, OLD_NAME, OPENING, TITLE, EDITED_OLD, EDITED_NEW]
    with app.app_context():
        assert {hit.split(" holds ")[1].strip("'") for hit in _table_hits(needles)} == {
            n.lower() for n in needles}
    assert _file_hits(tmp_path, [EMAIL, OPENING])
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # into the database file itself, as it would be
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            holding = {hit.split(" holds ")[0] for hit in _file_hits(tmp_path, [EMAIL])}
            assert holding == {"forum.db", "exports/export-abc.zip", "outbox/1-reset.eml"}

    summary = _erase(app, ids, "remove")
    assert summary.finished == 1

    with app.app_context():
        assert _table_hits(needles) == []
        # The reply Bob quoted is kept (its text is in his post anyway), anonymised.
        assert db.session.get(Post, ids["quoted"]).author.display_name == "A former member"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) >= 1
    for word in needles:
        assert not _index_has(app, word), word
    raw_needles = needles + sorted(_stems([OPENING, TITLE, EDITED_OLD, EDITED_NEW]))
    assert _file_hits(tmp_path, raw_needles) == []
    assert (tmp_path / "outbox" / "3-other.eml").exists()
    assert _file_hits(Path(app.config["SEARCH_INDEX_DIR"]), raw_needles) == []
    # Every outbox row to her is gone, sent ones included.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail)
                                 .where(OutboxEmail.recipient == EMAIL)) == 0


def test_nobody_may_register_as_a_former_member(client):
    for name in ("Former member 7f3a9c", "a  FORMER member"):
        response = client.post("/auth/register", data={
            "email": "new@example.test", "display_name": name,
            "password": "a long and careful passphrase", "agree": "y"})
        assert response.status_code == 400
        assert "kept for erased accounts" in text(response)


def test_an_ordinary_word_name_is_replaced_only_where_it_names_the_member(app, mailbox):
    """Erasing "Hope" rewrites @Hope and quotes of Hope, never "I hope" in others' posts;
    and mail to others that happens to contain the word (a password reset) is kept."""
    from forum.email import outbox, queue_email

    with app.app_context():
        hope = make_user(email="hope@example.test", display_name="Hope")
        bea = make_user(email="bea@example.test", display_name="Bea")
        thread = make_thread(author=bea, title="Hopeful news", body="I hope this helps.")
        reply = make_post(thread, author=bea, body="Thanks @Hope, I hope so too.")
        bea.bio = "Friends with @Hope. I hope to help."
        with outbox.held():
            queue_email("bea@example.test", "password_changed", user=None,
                        action_url="http://x.test/hope")
        hope.deletion_requested_at = utcnow() - timedelta(days=8)
        db.session.commit()
        ids = {"thread": thread.id, "reply": reply.id}
    _run_job(app, days=0)
    with app.app_context():
        assert db.session.get(Post, ids["reply"]).body_source == \
            "Thanks a former member, I hope so too."
        assert db.session.get(Thread, ids["thread"]).title == "Hopeful news"
        assert db.session.scalar(select(User.bio).where(User.email == "bea@example.test")) \
            == "Friends with a former member. I hope to help."
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(
            OutboxEmail.recipient == "bea@example.test")) == 1
