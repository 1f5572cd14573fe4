"""The risk engine (``forum.moderation.screening.engine``): what it reads in a text, and
how it measures up on the labelled sets (the shared dev set and our own hard cases)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from forum.moderation.screening.engine import assess, phrase_in_safe_context
from forum.moderation.screening.evaluate import evaluate, read_items
from forum.moderation.screening.rules import RULES_FILE, RulesError, load_rules, parse_rules
from forum.moderation.screening.text import sentences

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT.parent / "shared" / "corpora" / "screening" / "screening-dev.jsonl"
HARD_CASES = Path(__file__).with_name("screening-hard-cases.jsonl")


def decided(text: str) -> tuple[str, str | None]:
    risk = assess(text)
    return risk.decision, risk.kind


# --- normalising -----------------------------------------------------------------------

def test_sentences_fold_case_accents_apostrophes_typos_and_keep_decimals():
    [first, second] = sentences("I CAN\u2019T stop vomitting, ketones 3.2! Café?", {
        "vomitting": "vomiting"})
    assert first.words == "i cant stop vomiting ketones 3.2"
    assert (second.words, second.question) == ("cafe", True)


def test_emoji_and_no_apostrophes_read_the_same():
    assert decided("i dont want to be here anymore \U0001f494") == ("crisis", "emotional")
    assert decided("I don't want to be here any more.") == ("crisis", "emotional")


# --- concepts, inflections, word gaps ----------------------------------------------------

@pytest.mark.parametrize("text", [
    "stopped taking my lantus on purpose, the weight is coming off",
    "Havent injected since tuesday, just cant face it",
    "I'm skipping my evening jabs so I can fit in my dress",
    "we're rationing my son's humalog until payday",
    "ran out of tresiba yesterday and the chemist can't get any till monday",
])
def test_deliberate_omission_now_with_brands_slang_and_gaps_is_a_medical_crisis(text):
    assert decided(text) == ("crisis", "medical")


@pytest.mark.parametrize("text", [
    "thinking of injecting all my novorapid tonight",
    "i've been stockpiling levemir for weeks and i think i've got enough",
    "I've written letters to my kids and given the dog to my neighbour",
    "Cant go on, sorry everyone",
])
def test_intent_preparation_and_farewells_are_an_emotional_crisis(text):
    assert decided(text) == ("crisis", "emotional")


def test_someone_else_in_danger_now_counts():
    assert decided("my husband is 1.9 and he's not making sense, won't take the juice") == (
        "crisis", "medical")
    assert decided("my 15 year old just told me she wants to die") == ("crisis", "emotional")


# --- numbers with units ----------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Ketones 3.1 this morning, no other symptoms", ("crisis", "medical")),
    ("ketones 1.6 and I've been sick twice", ("crisis", "medical")),
    ("ketones 1.6, feel fine, drinking water and correcting", ("none", None)),
    ("ketones 0.9, will test again in two hours", ("concern", "medical")),
    ("urine strip shows large ketones", ("crisis", "medical")),
    ("meter says 2.4 and I'm so confused I can't read it", ("crisis", "medical")),
    ("dex says 48 mg/dl and she's having a seizure", ("crisis", "medical")),
    ("dex says 148 mg/dl and she's confused by the new app", ("none", None)),
    ("meter says LO and he won't wake up", ("crisis", "medical")),
    ("sugar 5.2 and feeling confused about carb ratios", ("none", None)),
])
def test_thresholds_read_numbers_with_their_units(text, expected):
    assert decided(text)[0] == expected[0], assess(text)
    if expected[0] == "crisis":
        assert decided(text)[1] == expected[1]


def test_a_quoted_threshold_is_not_a_reading():
    assert decided("My nurse said ketones of 3 or above means hospital") == ("none", None)
    assert decided("anything over 1.5 with vomiting is A&E") == ("none", None)


# --- cues that cancel --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I'm not suicidal, just tired of nights",                  # negation
    "I'm never going to hurt myself, don't worry",             # negation
    "I was in DKA two years ago with ketones of 5, fine now",  # past
    "When I was 16 I used to skip insulin to lose weight",     # past
    "What if someone takes all their insulin at once?",        # question
    "If your child is vomiting with ketones, go to A&E",       # advice
    "this sensor is killing me",                               # idiom
    "dying for a cuppa after clinic",                          # idiom
    "I want to end my pump trial early",                       # idiom
    "The film's character overdoses on insulin",               # fiction
    "My GP stopped my insulin after I lost weight",            # a doctor's decision
    "Was 2.3 and shaky but came up to 5.6 after juice",        # recovered low
    "To whoever posted about wanting to die: we're here for you",  # supporting others
])
def test_safe_contexts_are_not_a_crisis(text):
    assert assess(text).decision != "crisis", assess(text)


def test_negation_only_reaches_a_few_words_back():
    assert decided("not sure why but I want to die tonight")[0] == "crisis"


@pytest.mark.parametrize("text", [
    "Thinking about taking the lot of you to the pub after the meetup, who's in?",
    "I'm going to take all my old pens to the pharmacy for disposal.",
    "Going to be gone by the weekend - off to Portugal! Any tips for insulin in the heat?",
    "Made my peace with the fact that I'll never like carb counting",
    "Slowly fading away from the Facebook groups, this forum is much nicer.",
    "Sorry everyone, I won't make the meet this weekend.",
    "Planning how to do my first marathon with a pump. Temp basals?",
    "When my pump ran out of insulin on holiday, I had to use syringes for two days.",
    "Burned myself on the oven again, I'm so clumsy.",
    "Stopped my Novorapid at lunch because my dietitian said I could manage it with diet",
])
def test_risk_words_in_everyday_senses_are_not_a_crisis(text):
    assert assess(text).decision != "crisis", assess(text)


@pytest.mark.parametrize("text, kind", [
    ("Throwing up since 4am, blood ketone meter says 2.4, stomach cramping", "medical"),
    ("Urine ketones +++ and I'm throwing up. BG 26.", "medical"),
    ("Vomiting non stop, BG HI, blood ketones won't read.", "medical"),
    ("I've had to start stretching my insulin, 10 units a day instead of 30 till payday",
     "medical"),
    ("only taking it at dinner to make it last, about 20 units of humalog left", "medical"),
    ("I keep thinking about driving my car into a wall on the way home from work.",
     "emotional"),
    ("ive been storing up my sons old insulin since he went on the pump. tonight is the night",
     "emotional"),
    ("Please tell my mum I'm sorry. I can't keep fighting this. I've got everything ready.",
     "emotional"),
    ("stopping my insulin and just fading away. I'm so tired of this life.", "emotional"),
])
def test_wider_wording_still_reaches_a_crisis(text, kind):
    assert decided(text) == ("crisis", kind), assess(text)


def test_one_phrase_in_two_lexicons_is_one_sign():
    # "made my peace" is a farewell sign; it must not also count as the intent beside it
    assert decided("made my peace with night shifts")[0] != "crisis"
    assert decided("I've made my peace with it. Please look after my cats. Tonight.")[0] == (
        "crisis")


def test_a_lexicon_of_lexicons_reuses_their_matches():
    rules = parse_rules({"lexicons": {"a": {"terms": ["apple"]}, "b": {"terms": ["pear"]},
                                      "ab": {"terms": ["@a", "@b"]}},
                         "rules": [{"name": "two", "decision": "concern", "all": ["ab"],
                                    "min_hits": 2}]})
    assert rules.unions == {"ab": ("a", "b")}
    assert assess("an apple and a pear", rules).decision == "concern"
    assert assess("an apple and an apple", rules).decision == "none"


# --- proximity ---------------------------------------------------------------------------

def test_ketones_and_signs_must_be_near_each_other():
    near = "Ketones 2.0. Being sick all morning."
    far = ("Ketones 2.0 last night. Went to bed. Work was fine. Ate lunch. Walked the dog. "
           "The cat was sick on the carpet.")
    assert decided(near) == ("crisis", "medical")
    assert assess(far).decision != "crisis"


def test_evidence_names_the_rule_and_the_words():
    risk = assess("ketones 3.6 and cant stop being sick")
    rules = dict(risk.evidence)
    assert "ketones_with_dka_signs" in rules
    assert "being sick" in rules["ketones_with_dka_signs"]
    assert "ketones_with_dka_signs" in risk.evidence_text


def test_watched_phrase_in_a_safe_context():
    assert phrase_in_safe_context("I was in DKA two years ago", ["dka"])
    assert phrase_in_safe_context("Why does DKA smell fruity?", ["dka"])
    assert not phrase_in_safe_context("I think I'm in DKA right now", ["dka"])
    assert not phrase_in_safe_context("nothing relevant here", ["dka"])


# --- the rules file ----------------------------------------------------------------------

def test_shipped_rules_load_and_every_clinical_block_cites_a_source():
    load_rules()
    lines = RULES_FILE.read_text(encoding="utf-8").splitlines()
    for block in ("[lexicons.dka_sign]", "[lexicons.hypo_severe]", "[lexicons.omission]",
                  "[lexicons.insulin]", "[lexicons.suicidal]", "[lexicons.not_rising]",
                  "[lexicons.large_urine_ketones]"):
        at = lines.index(block)
        comments = []
        for line in reversed(lines[:at]):
            if not line.startswith("#"):
                break
            comments.append(line)
        assert "source" in " ".join(comments).lower(), block
    text = RULES_FILE.read_text(encoding="utf-8")
    for threshold in ("ketones_1_5_or_more", "ketones_raised", "glucose_below_3"):
        before = text[:text.index(f'name = "{threshold}"')].rsplit("[[thresholds]]", 1)[0]
        assert "Source:" in before.rsplit("\n\n", 1)[-1], threshold


@pytest.mark.parametrize("data, message", [
    ({"lexicons": {"a": {"terms": []}}}, "non-empty list"),
    ({"lexicons": {"a": {"terms": ["x ~2"]}}}, "gap must sit between"),
    ({"lexicons": {"a": {"terms": ["@nope"]}}}, "unknown lexicon"),
    ({"lexicons": {"a": {"terms": ["x"]}}, "rules": [{"name": "r", "decision": "panic",
                                                      "all": ["a"]}]}, "decision"),
    ({"lexicons": {"a": {"terms": ["x"]}}, "rules": [{"name": "r", "decision": "crisis",
                                                      "all": ["a"]}]}, "needs a kind"),
    ({"rules": [{"name": "r", "decision": "concern", "all": ["missing"]}]}, "unknown concept"),
    ({"lexicons": {"a": {"terms": ["x"]}}, "rules": [{"name": "r", "decision": "concern",
                                                      "all": ["a"], "cancel": ["z"]}]},
     "unknown cue"),

    # "a|b" offers single words: a phrase written as an alternative is caught
    ({"lexicons": {"a": {"terms": ["looking up|looked up ~2 overdose"]}}}, "one word"),
    ({"lexicons": {"a": {"terms": ["inject* ~4 to save money|save insulin"]}}}, "one word"),
])
def test_bad_rules_fail_with_a_clear_message(data, message):
    with pytest.raises(RulesError, match=message):
        parse_rules(data)


def test_single_word_alternatives_that_are_valid_still_load():
    parse_rules({"lexicons": {"a": {"terms": [
        "driv* into a|the wall|tree|tree", "dont want to ~1 go|carry|keep on",
        "saying goodbye to everyone|all|guys"]}}})


def test_trying_only_the_terms_a_word_can_start_finds_what_a_full_scan_finds():
    rules = load_rules()
    text = ("i dont feel safe tonight and i have all my pens lined up on the table. "
            "ketones 2.5 ketones on the meter say 4.1, 2.5 mmol and sugar 27. "
            "going to use them all, sorry everyone. planning how to do it")
    joined = " | ".join(s.words for s in sentences(text, rules.spellings))
    for name, matcher in rules.concepts.items():
        if matcher.literals is None:
            continue
        words, offset = {}, 0
        for word in joined.split(" "):
            words[offset] = word
            offset += len(word) + 1
        full = [m.group() for m in matcher.finditer(joined)]
        found, end = [], -1
        for start, word in sorted(words.items()):
            if start < end or not (word in matcher.literals or word.startswith(matcher.stems)):
                continue
            match = matcher.for_word(word).match(joined, start)
            if match:
                end = match.end()
                found.append(match.group())
        assert found == full, name


@pytest.mark.parametrize("text, expected", [
    ("Throwing up since 3am, ketones on the meter say 4.1", ("crisis", "medical")),
    ("vomiting all night, breath smells of pear drops, sugar 27", ("crisis", "medical")),
    ("vomiting bug, sugar 17 but ketones 0.2 so just correcting", ("none", None)),
    ("Partner keeps vomiting, sugar HI on the meter, won't let me call 999",
     ("crisis", "medical")),
    ("I've been rationing my chocolate not my insulin lol", ("none", None)),
    ("I'd rather die than go back to NPH lol", ("none", None)),
    ("I'm not going to be a problem for anyone much longer.", ("crisis", "emotional")),
    ("They'd be better off. I've decided, it'll be this weekend", ("crisis", "emotional")),
    ("They'd be free if I was gone. I'm going to stop the insulin too",
     ("crisis", "emotional")),
    ("i dont feel safe tonight", ("crisis", "emotional")),
    ("Going to put an end to this. The pain, the guilt. Tonight.", ("crisis", "emotional")),
    ("make my pump cartridge last three days instead of two", ("none", None)),
    ("Stopped taking insulin? No way, I'd be in hospital in days lol", ("none", None)),
    ("sitting in my car with all my insulin. I don't want to go home.",
     ("crisis", "emotional")),
])
def test_new_wording_and_its_traps(text, expected):
    assert decided(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Baby diagnosed last month, she's been sick all night and ketones are 2.8",
     ("crisis", "medical")),
    ("Diagnosed last month with ketones 4.5 in DKA, she's been brilliant since",
     ("none", None)),
    ("Years ago I had DKA with ketones of 4.5 but I've been fine since then.",
     ("none", None)),
])
def test_a_present_tense_after_a_past_marker_tells_of_now(text, expected):
    assert decided(text) == expected


def test_unless_must_name_another_sentence_cue():
    with pytest.raises(RulesError, match="unless"):
        parse_rules({"cues": {"past": {"terms": ["ago"], "unless": "nope"}}})


def test_a_broken_rules_file_names_itself(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[lexicons.a\nterms = 1", encoding="utf-8")
    with pytest.raises(RulesError, match="rules.toml"):
        load_rules(path)


# --- measurement -------------------------------------------------------------------------

def test_dev_set_meets_the_targets():
    if not DEV_SET.exists():
        message = f"screening dev set not found: {DEV_SET} (expected 'shared/' beside the repo)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; it is required when CI=true")
        pytest.skip(message)
    result = evaluate(read_items(DEV_SET))
    assert result.n == 210
    assert result.crisis_recall >= 0.95, result.summary()
    assert result.false_hold_rate <= 0.03, result.summary()
    assert result.concern_caught >= 0.80, result.summary()
    assert result.kind_accuracy >= 0.90, result.summary()


def test_our_hard_cases_meet_the_targets():
    items = read_items(HARD_CASES)
    assert len(items) >= 60
    assert {i["label"] for i in items} == {"crisis", "concern", "none"}
    result = evaluate(items)
    assert result.crisis_recall >= 0.95, result.summary()
    assert result.false_hold_rate <= 0.03, result.summary()
    assert result.concern_caught >= 0.80, result.summary()
    assert result.kind_accuracy >= 0.90, result.summary()


def test_screening_eval_command_prints_the_table_and_the_summary_last(app, tmp_path):
    path = tmp_path / "set.jsonl"
    lines = [{"text": "ketones 3.4 and vomiting", "label": "crisis", "kind": "medical"},
             {"text": "I want to die", "label": "crisis", "kind": "emotional"},
             {"text": "so tired of all this, burnt out", "label": "concern", "kind": None},
             {"text": "dying for a cuppa", "label": "none", "kind": None}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["moderation", "screening-eval", str(path)])
    assert result.exit_code == 0, result.output
    output = result.output.strip().splitlines()
    assert output[0].split() == ["label/decided", "crisis", "concern", "none", "total"]
    assert output[1].split() == ["crisis", "2", "0", "0", "2"]
    assert output[-1] == ("crisis_recall=1.00 false_hold_rate=0.00 concern_caught=1.00 "
                          "kind_accuracy=1.00 n=4")


def test_screening_eval_command_refuses_a_bad_label(app, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "x", "label": "maybe"}) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["moderation", "screening-eval", str(path)])
    assert result.exit_code != 0 and "label" in result.output
