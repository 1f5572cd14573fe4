"""The dose-advice prompt through HTTP: a post that tells someone else what dose to take
is shown a gentle prompt first, with the text kept; the author rephrases or posts anyway;
each is counted (privacy-light) and the admin dashboard shows the counts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import AdviceNudge, AdviceNudgeKind, Post, Thread
from forum.models.vocab import in_list_sql
from tests.helpers import Page, count, counter_mismatches, newest_post, open_item, row_counts, text

DOSE = "Pizza nights are tricky. You should up your basal to 20 units & see how it goes."
SENTENCE = "You should up your basal to 20 units &amp; see how it goes."  # as the page shows it
REPHRASED = ("Pizza nights are tricky. What worked for me was upping my basal a bit. It "
             "might be worth asking your diabetes team about your basal.")
PROMPT = "Before you post: a note about dose suggestions"


def _reply(client, thread_id, body, **extra):
    return client.post(f"/t/{thread_id}/reply", data={"body": body} | extra)


def nudges() -> dict[str, int]:
    return {kind.value: count(AdviceNudge, AdviceNudge.kind == kind)
            for kind in AdviceNudgeKind}


def _counts(shown=0, rephrased=0, posted_anyway=0) -> dict[str, int]:
    return {"shown": shown, "rephrased": rephrased, "posted_anyway": posted_anyway}


def _prompted_form(response) -> Page:
    """The prompt page: 200, the prompt, the text kept, the choice and the marker."""
    assert response.status_code == 200
    html = text(response)
    assert PROMPT in html and 'role="alert" id="dose-advice-prompt"' in html
    assert SENTENCE in html
    assert "What worked for me was" in html and "asking your diabetes team about" in html
    page = Page(html)
    assert page.inputs["dose_post_anyway"]["type"] == "checkbox"
    assert "checked" not in page.inputs["dose_post_anyway"]
    assert page.inputs["dose_prompted"]["value"] == "1"
    return page


# --- replies -----------------------------------------------------------------------------

def test_reply_with_a_dose_instruction_is_prompted_and_nothing_is_lost(app, client, mod_forum,
                                                                      login):
    login("bob")
    with app.app_context():
        before = row_counts()
    page = _prompted_form(_reply(client, mod_forum.thread_id, DOSE))
    assert page.text_by_id["body"].strip() == DOSE  # every character kept, in the textarea
    assert "Post it as it is" in page.text_by_id["dose-advice-prompt"]
    with app.app_context():
        assert row_counts() == before  # nothing written but the count
        assert nudges() == _counts(shown=1)
        [nudge] = db.session.scalars(select(AdviceNudge)).all()
        assert nudge.category_id == mod_forum.type1_id
        assert nudge.created_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # to the hour


def test_post_anyway_publishes_the_text_and_counts_it(app, client, mod_forum, login):
    login("bob")
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE))
    response = _reply(client, mod_forum.thread_id, DOSE, dose_prompted="1", dose_post_anyway="y")
    assert response.status_code == 302
    with app.app_context():
        post = newest_post()
        assert (post.body_source, post.status) == (DOSE, "visible")
        assert response.location.endswith(f"#post-{post.id}")
        assert nudges() == _counts(shown=1, posted_anyway=1)
        assert open_item(post.id) is None  # a nudge, not a report
        assert counter_mismatches() == []


def test_rephrasing_publishes_and_counts_it(app, client, mod_forum, login):
    login("bob")
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE))
    response = _reply(client, mod_forum.thread_id, REPHRASED, dose_prompted="1")
    assert response.status_code == 302
    with app.app_context():
        assert newest_post().body_source == REPHRASED
        assert nudges() == _counts(shown=1, rephrased=1)


def test_a_draft_is_counted_once_however_often_it_is_sent_again(app, client, mod_forum, login):
    login("bob")
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE))
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE))  # the browser resends it
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE + " Or 22.", dose_prompted="1"))
    with app.app_context():
        assert nudges() == _counts(shown=1)
    _reply(client, mod_forum.thread_id, DOSE, dose_prompted="1", dose_post_anyway="y")
    # Once posted, the next draft that needs the prompt is counted again.
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE))
    with app.app_context():
        assert nudges() == _counts(shown=2, posted_anyway=1)


@pytest.mark.parametrize("body", [
    "I upped my basal by 2 units and it helped",
    "I take 20 units of lantus at night.",
    "Should I take 4 more units?",
    "My DSN told me to take 4 more units before pizza",
    "Eat 15g of carbs and check again in 15 minutes",
])
def test_no_prompt_for_experience_questions_or_carbs(app, client, mod_forum, login, body):
    login("bob")
    response = _reply(client, mod_forum.thread_id, body)
    assert response.status_code == 302
    with app.app_context():
        assert newest_post().body_source == body
        assert nudges() == _counts()


def test_a_plain_reply_after_an_abandoned_prompt_is_not_counted_as_rephrased(app, client,
                                                                            mod_forum, login):
    """Only a submission from the prompt's form (its hidden marker) counts as rephrased."""
    login("bob")
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE))
    assert _reply(client, mod_forum.thread2_id, REPHRASED).status_code == 302
    with app.app_context():
        assert nudges() == _counts(shown=1)


def test_the_inline_reply_form_on_the_thread_page_gets_the_prompt_too(app, client, mod_forum,
                                                                     login):
    login("bob")
    page = Page(text(client.get(f"/t/{mod_forum.thread_id}")))
    assert "dose_prompted" not in page.inputs  # a plain reply form
    _prompted_form(_reply(client, mod_forum.thread_id, DOSE))


# --- both prompts --------------------------------------------------------------------------

def test_contact_details_and_dose_prompts_together(app, client, mod_forum, login):
    login("bob")
    body = DOSE + " Text me on 07700 900123 if you want."
    response = _reply(client, mod_forum.thread_id, body)
    page = _prompted_form(response)
    html = text(response)
    assert "Before you post: this includes phone number" in html
    assert page.text_by_id["body"].strip() == body
    assert "share_anyway" in page.inputs

    # Sharing the number, not yet the dose: only the dose prompt, the first box stays ticked.
    response = _reply(client, mod_forum.thread_id, body, share_anyway="y", dose_prompted="1")
    page = _prompted_form(response)
    assert "this includes phone number" not in text(response)
    assert "checked" in page.inputs["share_anyway"]

    # Posting the dose anyway, not yet the number: only the contact prompt, both boxes kept.
    response = _reply(client, mod_forum.thread_id, body, dose_prompted="1", dose_post_anyway="y")
    assert response.status_code == 200
    assert "this includes phone number" in text(response) and PROMPT not in text(response)
    page = Page(text(response))
    assert "checked" in page.inputs["dose_post_anyway"]
    assert page.inputs["dose_prompted"]["value"] == "1"

    response = _reply(client, mod_forum.thread_id, body, share_anyway="y", dose_prompted="1",
                      dose_post_anyway="y")
    assert response.status_code == 302
    with app.app_context():
        post = newest_post()
        assert post.body_source == body
        assert open_item(post.id).reason == "personal_info"
        assert nudges() == _counts(shown=1, posted_anyway=1)


# --- safety first --------------------------------------------------------------------------

def test_a_crisis_is_never_held_up_by_the_dose_prompt(app, client, mod_forum, login, mailbox):
    login("ann")
    response = _reply(client, mod_forum.thread_id,
                      "I keep thinking I want to die. You should up your basal to 20 units.")
    with app.app_context():
        post = newest_post()
        assert response.location == f"/support/{post.id}"
        assert post.status == "pending" and open_item(post.id).is_crisis
        assert nudges() == _counts()


def test_a_blocked_post_is_refused_before_any_prompt(app, client, mod_forum, login):
    login("bob")
    response = _reply(client, mod_forum.thread_id,
                      "Selling insulin, 5 pens. You should take 20 units a day.")
    assert response.status_code == 400
    assert "looks like prescription trading" in text(response) and PROMPT not in text(response)
    with app.app_context():
        assert nudges() == _counts()


def test_no_post_text_in_the_logs(app, client, mod_forum, login, caplog):
    login("bob")
    with caplog.at_level(logging.DEBUG):
        _prompted_form(_reply(client, mod_forum.thread_id, DOSE))
        _reply(client, mod_forum.thread_id, DOSE, dose_prompted="1", dose_post_anyway="y")
    assert "basal" not in caplog.text and "20 units" not in caplog.text


# --- new threads and edits ------------------------------------------------------------------

def test_new_thread_prompt_then_post_anyway(app, client, mod_forum, login):
    login("bob")
    data = {"title": "Pizza nights", "body": DOSE}
    page = _prompted_form(client.post("/c/type-1/new", data=data))
    assert page.inputs["title"]["value"] == "Pizza nights"
    assert page.text_by_id["body"].strip() == DOSE
    response = client.post("/c/type-1/new",
                           data=data | {"dose_prompted": "1", "dose_post_anyway": "y"})
    assert response.status_code == 302
    with app.app_context():
        thread = db.session.scalar(select(Thread).filter_by(title="Pizza nights"))
        assert thread.posts[0].body_source == DOSE
        assert nudges() == _counts(shown=1, posted_anyway=1)


def test_a_dose_instruction_in_a_thread_title_is_prompted(app, client, mod_forum, login):
    login("bob")
    response = client.post("/c/type-1/new", data={"title": "Just take 4 more units",
                                                  "body": "That's all it takes for pizza."})
    assert response.status_code == 200 and PROMPT in text(response)


def test_edit_prompt_then_rephrase(app, client, mod_forum, login):
    login("ann")
    edit = f"/p/{mod_forum.reply_ann_id}/edit"
    page = _prompted_form(client.post(edit, data={"body": DOSE}))
    assert page.text_by_id["body"].strip() == DOSE
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).body_source == (
            "Ann's answer about snacks")  # unchanged until the member decides
    response = client.post(edit, data={"body": REPHRASED, "dose_prompted": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Post, mod_forum.reply_ann_id).body_source == REPHRASED
        assert nudges() == _counts(shown=1, rephrased=1)


# --- the admin dashboard --------------------------------------------------------------------

def test_dashboard_shows_the_last_30_days_counts(app, client, mod_forum, login, frozen_clock):
    now = frozen_clock.now
    with app.app_context():
        for kind, n in (("shown", 5), ("rephrased", 3), ("posted_anyway", 1)):
            for _ in range(n):
                db.session.add(AdviceNudge(kind=kind, category_id=mod_forum.type1_id))
        db.session.add(AdviceNudge(kind="shown", category_id=mod_forum.food_id,
                                   created_at=now - timedelta(days=29)))
        db.session.add(AdviceNudge(kind="shown", category_id=mod_forum.food_id,
                                   created_at=now - timedelta(days=31)))  # too old
        db.session.commit()
    login("admin")
    page = Page(text(client.get("/admin/")))
    html = page.text_by_id["dose-advice-prompts"]
    assert html == "Dose-advice prompts (30 days)"
    body = text(client.get("/admin/"))
    assert "<dt>Shown</dt><dd>6</dd>" in body
    assert "<dt>Rephrased</dt><dd>3</dd>" in body
    assert "<dt>Posted anyway</dt><dd>1</dd>" in body


def test_dashboard_counts_start_at_zero(app, client, mod_forum, login):
    login("admin")
    body = text(client.get("/admin/"))
    assert "Dose-advice prompts (30 days)" in body
    assert "<dt>Shown</dt><dd>0</dd>" in body and "<dt>Posted anyway</dt><dd>0</dd>" in body


def test_members_cannot_see_the_dashboard(app, client, mod_forum, login):
    login("bob")
    assert client.get("/admin/").status_code == 403


# --- the table ------------------------------------------------------------------------------

def test_the_table_keeps_no_text_and_no_author(app):
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("advice_nudges")}
    assert columns == {"id", "kind", "category_id", "created_at"}


def test_the_kind_is_checked_against_the_vocabulary(app, mod_forum):
    table = AdviceNudge.__table__
    [check] = [c for c in table.constraints if c.name == "ck_advice_nudges_kind"]
    assert str(check.sqltext) == in_list_sql("kind", AdviceNudgeKind) == (
        "kind IN ('shown', 'rephrased', 'posted_anyway')")
    with app.app_context():
        db.session.add(AdviceNudge(kind="clicked", category_id=mod_forum.type1_id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
