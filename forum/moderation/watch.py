"""Watched-phrase matching and personal-information detection at write time.

Matching is on whole words and phrases, case- and accent-insensitive: the text and
each phrase are folded to lower-case words without accents, apostrophes dropped ("can't" →
"cant"), and a phrase matches only as a run of complete words, so "hypothetical"
never matches "hypo". A phrase ending in ``*`` matches any word starting with it
("suicid*" → "suicidal", "suicide").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`]")
# Anything but a letter or digit (of any script) or the prefix marker separates words.
_NON_WORD = re.compile(r"(?:[^\w*]|_)+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Seven or more digits, possibly separated by spaces, dots, dashes or brackets,
# optionally led by + (international numbers).
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d(?:[\s().-]{0,2}\d){6,14}(?![\w])")
# Dates (2024-03-12, 12.03.2024, 12/03/24) are taken out before looking for phone numbers,
# so "2024-03-12 10:30" is not read as ten digits of a phone number. A date-like run that
# goes on with more separated digits (06.12.34.56.78) is left for the phone check.
_DATE = re.compile(r"(?<![\d./-])(?:\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{2,4})"
                   r"(?!\d|[./-]\d)")
# A one-decimal number such as a glucose reading (5.6, 12.1): phone numbers have none.
_READING = re.compile(r"\d\.\d(?!\d)")
PHONE_MIN_DIGITS, PHONE_MAX_GROUPS = 9, 6

ACTION_STRENGTH = {"block": 3, "hold": 2, "flag": 1}


def _strip_marks(text: str) -> str:
    """Case-folded ``text`` without accents, apostrophes or invisible format characters
    (a zero-width space or soft hyphen inside a word would otherwise split it in two)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed
                   if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    return _APOSTROPHES.sub("", kept)


def fold(text: str) -> list[str]:
    """Lower-case words of ``text`` (accents and apostrophes removed)."""
    return _NON_WORD.sub(" ", _strip_marks(text).replace("*", " ")).split()


def fold_phrase(phrase: str) -> list[str]:
    """Like ``fold`` but keeps a trailing ``*`` on a word as a prefix marker."""
    return [word for word in _NON_WORD.sub(" ", _strip_marks(phrase)).split()
            if word.strip("*")]


def _word_matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def phrase_in(words: list[str], pattern: list[str]) -> bool:
    """Whether the folded ``pattern`` occurs as consecutive whole words in ``words``."""
    size = len(pattern)
    if size == 0 or size > len(words):
        return False
    for start in range(len(words) - size + 1):
        if all(_word_matches(p, words[start + i]) for i, p in enumerate(pattern)):
            return True
    return False


@dataclass(frozen=True)
class Match:
    """A watched phrase found in a text."""

    phrase: str
    action: str
    category: str


def find_matches(text: str, phrases: Iterable) -> list[Match]:
    """Every watched phrase (objects with phrase/action/category) found in ``text``,
    strongest action first (block > hold > flag)."""
    words = fold(text)
    found = [
        Match(p.phrase, p.action, p.category)
        for p in phrases
        if phrase_in(words, fold_phrase(p.phrase))
    ]
    return sorted(found, key=lambda m: -ACTION_STRENGTH.get(m.action, 0))


def personal_info(text: str) -> list[str]:
    """Kinds of contact details found in ``text``: "email address", "phone number"."""
    kinds = []
    if _EMAIL.search(text):
        kinds.append("email address")
    if any(_looks_like_phone(m.group()) for m in _PHONE.finditer(_DATE.sub(" ", text))):
        kinds.append("phone number")
    return kinds


def _looks_like_phone(candidate: str) -> bool:
    """A run of digits long enough for a phone number that is not a list of readings."""
    if len(re.sub(r"\D", "", candidate)) < PHONE_MIN_DIGITS:
        return False
    if _READING.search(candidate):  # "5.6 7.8 9.1 6.2 4.4": a day of glucose readings
        return False
    return len(re.findall(r"\d+", candidate)) <= PHONE_MAX_GROUPS
