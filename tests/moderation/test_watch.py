"""Watched-phrase matching and contact-detail detection: pure functions, no app needed.

Matching is on whole words and phrases, case- and accent-insensitive, across punctuation,
never on substrings inside other words; ``*`` ends a prefix.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.moderation.default_phrases import DEFAULT_PHRASES
from forum.moderation.watch import find_matches, fold, personal_info

ZWSP, SOFT_HYPHEN = "\u200b", "\u00ad"


def _phrase(text: str, action: str = "hold", category: str = "crisis"):
    return SimpleNamespace(phrase=text, action=action, category=category)


def _matches(text: str, phrase: str) -> bool:
    return bool(find_matches(text, [_phrase(phrase)]))


# (text, watched phrase, should it match?)
MATCH_TABLE = [
    # whole words only: no substrings inside other words
    ("Had a hypo at 3am", "hypo", True),
    ("Just a hypothetical question about basal", "hypo", False),
    ("Is hypoglycaemia the same thing?", "hypo", False),
    ("hypo-hyper rollercoaster all week", "hypo", True),
    ("She is very skilled with her pump", "kill", False),
    ("Insulin can kill if you get it wrong", "kill", True),
    ("I'd kill for a cup of tea", "kill myself", False),
    ("I'm killing myself laughing", "kill myself", False),
    ("I want to diet before the wedding", "want to die", False),
    ("Some nights I just want to die.", "want to die", True),
    ("kill", "kill myself", False),
    ("", "kill myself", False),
    # case
    ("I want to KILL MYSELF", "kill myself", True),
    ("i want to kill myself", "Kill Myself", True),
    # multi-word phrases across punctuation, markup and line breaks
    ("Kill. Myself.", "kill myself", True),
    ("kill\u2014myself", "kill myself", True),
    ("**kill** _myself_", "kill myself", True),
    ("I could kill\nmyself", "kill myself", True),
    ("kill, or help myself", "kill myself", False),
    ("self-harm", "self harm", True),
    ("self harm", "self-harm", True),
    ("DM me for pens!!!", "dm me for pens", True),
    # accents, in the text or in the phrase
    ("Café latte sent me to 14", "cafe", True),
    ("cafe latte", "café", True),
    ("CAFÉ LATTE", "Café", True),
    ("the cafeteria food", "cafe", False),
    ("naïve question about ketones", "naive", True),
    ("KİLL myself", "kill myself", True),
    # apostrophes: straight, curly, modifier letter; the phrase written either way
    ("I can\u2019t bring my low up", "cant bring my low up", True),
    ("I can't bring my low up", "can\u2019t bring my low up", True),
    ("I can\u02bct bring my low up", "cant bring my low up", True),
    ("I can bring my low up", "cant bring my low up", False),
    # prefixes
    ("I'm feeling suicidal tonight", "suicid*", True),
    ("Suicide prevention helpline", "suicid*", True),
    ("a sui generis sort of pump", "suicid*", False),
    ("hypoglycaemia at night", "hypo*", True),
    # invisible characters don't split a word
    (f"ki{ZWSP}ll myself", "kill myself", True),
    (f"self{SOFT_HYPHEN}harm", "selfharm", True),
    # digits are words too
    ("type 1 diabetes", "type 1", True),
    ("type 12 of the form", "type 1", False),
    # a word in another script is a word, not a gap: no match across it
    ("kill \u0441\u0430\u043c myself", "kill myself", False),
]


@pytest.mark.parametrize(("text", "phrase", "expected"), MATCH_TABLE,
                         ids=[f"{i}-{row[1]}" for i, row in enumerate(MATCH_TABLE)])
def test_matching_table(text, phrase, expected):
    assert _matches(text, phrase) is expected


def test_fold_gives_lower_case_words_without_accents_or_apostrophes():
    assert fold("Ça va? I CAN\u2019T… naïve!") == ["ca", "va", "i", "cant", "naive"]


def test_strongest_action_first_and_every_match_reported():
    phrases = [_phrase("tea", "flag", "spam"), _phrase("kill myself"),
               _phrase("selling insulin", "block", "prescription_trading")]
    found = find_matches("Selling insulin. I want to kill myself. Tea?", phrases)
    assert [m.action for m in found] == ["block", "hold", "flag"]
    assert {m.phrase for m in found} == {"tea", "kill myself", "selling insulin"}


# --- the shipped starting list ----------------------------------------------------------

def _default_categories(text: str) -> set[str]:
    phrases = [_phrase(p, a, c) for p, a, c in DEFAULT_PHRASES]
    return {m.category for m in find_matches(text, phrases)}


@pytest.mark.parametrize(("text", "category"), [
    ("Some days I feel like I want to die", "crisis"),
    ("I've been having suicidal thoughts again", "crisis"),
    ("Honestly I think everyone would be better off dead without me", "crisis"),
    ("I can't go on like this", "crisis"),
    ("I just want to end it all", "crisis"),
    ("I can\u2019t bring my low up, 2.8 after three juices", "medical_emergency"),
    ("Vomiting with high ketones, what do I do", "medical_emergency"),
    ("I've been rationing insulin since I lost my job", "medical_emergency"),
    ("Selling insulin pens, message me", "prescription_trading"),
    ("Cure diabetes in 30 days with this one trick", "spam"),
])
def test_starting_list_catches(text, category):
    assert category in _default_categories(text)


@pytest.mark.parametrize("text", [
    "In the end it all worked out",
    "I can't go on holiday without my pump supplies",
    "Just a hypothetical question about basal rates",
    "My nurse is very skilled with pumps",
    "I hurt myself at the gym, does that raise sugars?",
    "I'd kill for a cup of tea",
    "The selling point of this meter is the app",
    "Does anyone swap sites on their arms?",
])
def test_starting_list_leaves_everyday_sentences_alone(text):
    assert _default_categories(text) == set()


def test_every_crisis_phrase_in_the_starting_list_holds():
    for phrase, action, category in DEFAULT_PHRASES:
        if category in ("crisis", "medical_emergency"):
            assert action == "hold", phrase


# --- contact details at write time ------------------------------------------------------

@pytest.mark.parametrize(("text", "kinds"), [
    ("mail me at jo.bloggs@example.com", ["email address"]),
    ("JO@EXAMPLE.CO.UK is my work one", ["email address"]),
    ("call me on 01632 960000", ["phone number"]),
    ("text +44 7700 900123 any time", ["phone number"]),
    ("(0161) 496 0000 after six", ["phone number"]),
    ("020-7946-0958", ["phone number"]),
    ("07700900123", ["phone number"]),
    ("1-800-555-0199 is the pump helpline", ["phone number"]),
    ("06 12 34 56 78", ["phone number"]),
    ("06.12.34.56.78", ["phone number"]),
    ("555.123.4567", ["phone number"]),
    ("email jo@example.com or ring 07700 900123", ["email address", "phone number"]),
])
def test_contact_details_are_found(text, kinds):
    assert personal_info(text) == kinds


@pytest.mark.parametrize("text", [
    "HbA1c 48 mmol/mol, down from 58",
    "HbA1c went from 7.5% to 6.8% this year",
    "my readings today: 5.6 7.8 9.1 6.2 4.4",
    "readings 10.2 11.5 12.8 9.4 6.1 at 7.30",
    "ketones 0.6 then 1.2 then 3.4 then 0.8",
    "clinic appointment 2024-03-12 10:30",
    "seen on 12.03.2024 at 14:00",
    "diagnosed 12/03/2024, aged 12",
    "3/12/2024 10:30 was my last hypo",
    "basal 0.85 u/h from 22:00 to 06:00",
    "between 10:30 and 11:45 I went low",
    "ratio 1:10 and ISF 2.5",
    "Lantus 100 units/ml, 3ml pens, 5 a box",
    "order number 12345",
    "@jo on the app",
    "jo at example dot com",
])
def test_everyday_numbers_are_not_contact_details(text):
    assert personal_info(text) == []
