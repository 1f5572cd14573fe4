"""Admins read the crisis-screening rules and extend them from the admin pages: additions
are validated, versioned, audited, take effect at the next post, and can't weaken a
shipped crisis rule."""

from __future__ import annotations

import tomllib

import pytest

from forum.extensions import db
from forum.models import Post, ScreeningRules
from forum.moderation.screening import assess
from forum.moderation.screening.custom import active_rules
from forum.moderation.screening.rules import (
    RULES_FILE,
    RulesError,
    merge_rules,
    rules_with_additions,
)
from tests.helpers import audit_rows, count, newest_post, open_item, text

ZORBLEX = """
[lexicons.zorblex_words]
terms = ["zorblex*", "the purple pens"]

[[rules]]
name = "zorblex_crisis"
decision = "crisis"
kind = "emotional"
all = ["zorblex_words"]
cancel = ["question", "negation"]
"""
SAMPLE = "Tonight I am going to use zorblex."


def shipped() -> dict:
    return tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))


# --- merging --------------------------------------------------------------------------------

def test_additions_extend_the_shipped_rules():
    rules = rules_with_additions(ZORBLEX)
    assert assess(SAMPLE).decision == "none"
    decision = assess(SAMPLE, rules)
    assert (decision.decision, decision.kind) == ("crisis", "emotional")
    assert decision.evidence == [("zorblex_crisis", "zorblex")]
    assert assess("Is zorblex safe?", rules).decision == "none"  # its cues apply
    assert len(rules.rules) == len(shipped()["rules"]) + 1


def test_terms_added_to_a_shipped_lexicon_reach_every_rule_using_it():
    merged = merge_rules(shipped(), tomllib.loads('[lexicons.insulin]\nterms = ["zorblex"]\n'))
    assert merged["lexicons"]["insulin"]["terms"][-1] == "zorblex"
    assert merged["lexicons"]["insulin"]["terms"][:-1] == shipped()["lexicons"]["insulin"]["terms"]


@pytest.mark.parametrize("additions, message", [
    ("[lexicons.x\nterms = 1", "Not valid TOML"),
    ("[lexicons.x]\nterms = []", "'terms' must be a non-empty list"),
    ('[[rules]]\nname = "r"\ndecision = "crisis"\nkind = "emotional"\nall = ["nowhere"]',
     "unknown concept 'nowhere'"),
    ('[[rules]]\nname = "r"\ndecision = "panic"\nall = ["insulin"]', "decision must be"),
    ('[[rules]]\ndecision = "concern"\nall = ["insulin"]', "needs a name"),
    ('[lexicons.x]\nterms = ["@missing"]', "unknown lexicon @missing"),
    ('[surprises]\nx = 1', "unknown section"),
])
def test_bad_additions_say_what_is_wrong(additions, message):
    with pytest.raises(RulesError, match=message.replace("[", r"\[").replace("(", r"\(")):
        rules_with_additions(additions)


def test_a_shipped_crisis_rule_cannot_be_weakened_here():
    crisis_rule = next(r for r in shipped()["rules"] if r["decision"] == "crisis")
    weaker = (f'[[rules]]\nname = "{crisis_rule["name"]}"\ndecision = "concern"\n'
              f'all = {crisis_rule["all"]!r}'.replace("'", '"'))
    with pytest.raises(RulesError, match="can't be turned into a lesser decision"):
        rules_with_additions(weaker)


# --- the admin page ------------------------------------------------------------------------

def test_only_admins_see_the_rules_page(app, client, mod_forum, login):
    assert client.get("/admin/screening").status_code == 302  # to the login page
    login("mod")
    assert client.get("/admin/screening").status_code == 403
    login("admin")
    page = text(client.get("/admin/screening"))
    assert "Crisis screening rules" in page and "insulin_omission_now" in page
    assert "Source: NIMH" in page  # the shipped file, with its sources
    assert 'aria-current="page">Crisis screening rules' in page


def test_try_screens_a_sample_with_the_draft_and_saves_nothing(app, client, mod_forum, login):
    login("admin")
    response = client.post("/admin/screening", data={"additions": ZORBLEX, "sample": SAMPLE,
                                                     "try_sample": "Try the sample"})
    assert response.status_code == 200
    page = text(response)
    assert "Result: crisis (emotional)" in page and "zorblex_crisis" in page
    with app.app_context():
        assert count(ScreeningRules) == 0


def test_saving_needs_a_note_and_valid_rules_and_keeps_the_text(app, client, mod_forum, login):
    login("admin")
    response = client.post("/admin/screening", data={"additions": ZORBLEX, "save": "Save"})
    assert response.status_code == 400
    assert "Say what changed and why" in text(response)
    broken = ZORBLEX.replace('"zorblex_words"]', '"zorblex_wordz"]')
    response = client.post("/admin/screening", data={"additions": broken, "note": "test",
                                                     "save": "Save"})
    assert response.status_code == 400
    page = text(response)
    assert "Not saved: rule &#39;zorblex_crisis&#39;: unknown concept" in page
    assert "zorblex_wordz" in page  # what the admin typed is still there
    with app.app_context():
        assert count(ScreeningRules) == 0


def test_saved_additions_apply_to_the_next_post_and_are_audited(app, client, mod_forum, login,
                                                                mailbox):
    login("admin")
    response = client.post("/admin/screening", data={
        "additions": ZORBLEX, "note": "Local slang for an overdose", "save": "Save"})
    assert response.status_code == 302
    page = text(client.get("/admin/screening"))
    assert "Local slang for an overdose" in page and "(in force)" in page
    with app.app_context():
        [version] = db.session.query(ScreeningRules).all()
        assert version.created_by_id == mod_forum.ids["admin"]
        [entry] = audit_rows("screening_rules")
        assert (entry.target_id, entry.reason) == (version.id, "Local slang for an overdose")

    login("ann")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": SAMPLE})
    with app.app_context():
        post = newest_post()
        assert response.location == f"/support/{post.id}"
        assert post.status == "pending"
        item = open_item(post.id)
        assert item.is_crisis and "zorblex_crisis" in item.risk_evidence
    assert mailbox.to(mod_forum.emails["mod"])


def test_additions_that_stop_compiling_fall_back_to_the_shipped_rules(app, client, mod_forum,
                                                                      login):
    with app.app_context():
        db.session.add(ScreeningRules(additions='[lexicons.x]\nterms = ["@gone"]', note="old"))
        db.session.commit()
        assert active_rules().rules == rules_with_additions("").rules
        assert assess("I stopped my insulin on purpose", active_rules()).decision == "crisis"
    login("ann")
    response = client.post(f"/t/{mod_forum.thread_id}/reply", data={"body": "Snacks help me."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Post, newest_post().id).status == "visible"
    login("admin")
    page = text(client.get("/admin/screening"))
    assert "Your saved additions no longer work" in page and "unknown lexicon @gone" in page


def test_screening_eval_uses_the_rules_in_force(app, runner, tmp_path):
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(f'{{"text": "{SAMPLE}", "label": "crisis", "kind": "emotional"}}\n')
    with app.app_context():
        db.session.add(ScreeningRules(additions=ZORBLEX, note="zorblex"))
        db.session.commit()
    result = runner.invoke(args=["moderation", "screening-eval", str(labelled)])
    assert result.output.strip().splitlines()[-1].startswith("crisis_recall=1.00")
    result = runner.invoke(args=["moderation", "screening-eval", str(labelled), "--shipped-only"])
    assert result.output.strip().splitlines()[-1].startswith("crisis_recall=0.00")


def test_screening_eval_works_before_the_migration_with_the_shipped_rules(app, runner,
                                                                         tmp_path):
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(f'{{"text": "{SAMPLE}", "label": "none", "kind": null}}\n')
    with app.app_context():
        ScreeningRules.__table__.drop(db.engine)
    try:
        result = runner.invoke(args=["moderation", "screening-eval", str(labelled)])
    finally:
        with app.app_context():
            ScreeningRules.__table__.create(db.engine)
    assert result.exit_code == 0, result.output
    assert "using the shipped rules" in result.output
    assert result.output.strip().splitlines()[-1].endswith("n=1")
