"""Normalising a post for the risk rules: case, accents, apostrophes, spelling
variants, typos and emoji folded away; the text cut into sentences of plain words.

A sentence here is what a member would read as one thought: it ends at ``.``, ``!``,
``?``, ``;``, ``:``, a line break or a spaced dash, but never at the point of a decimal
number ("ketones 3.2"). Numbers keep their decimal point; every other character that is
not a letter or digit separates words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_SENTENCE_END = re.compile(r"(?:(?<!\d)\.|\.(?!\d)|[!?;:\n\u2026]|\s[-\u2013\u2014]+\s)+")
# Combining accents and invisible format characters (zero-width space, soft hyphen, BOM,
# joiners) that may sit inside a word.
_MARKS = re.compile("[\u0300-\u036f\u00ad\u200b-\u200f\u2060-\u2064\ufeff\ufe0e\ufe0f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z0-9]+")
# Urine ketone strips are read in plus signs ("ketones +++"): spelt out as words.
_PLUSES = re.compile(r"\+{2,}")


@dataclass(frozen=True)
class Sentence:
    """One sentence: its words joined by single spaces, and whether it asked a question."""

    words: str
    question: bool


def fold(text: str) -> str:
    """Case-folded ``text`` without accents, apostrophes or invisible format characters.
    Emoji and other symbols become spaces; letters of other scripts are dropped (the
    rules are English)."""
    text = _APOSTROPHES.sub("", text.casefold())
    if "++" in text:
        text = _PLUSES.sub(lambda m: " " + " ".join(["plus"] * len(m.group())) + " ", text)
    if text.isascii():
        return text
    decomposed = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return _NON_ASCII.sub(" ", decomposed)


def sentences(text: str, spellings: Mapping[str, str]) -> list[Sentence]:
    """``text`` as normalised sentences (empty ones dropped); ``spellings`` maps a
    variant or typo to the word the rules use ("vomitting" → "vomiting",
    "wanna" → "want to")."""
    folded = fold(text)
    result = []
    start = 0
    for end_match in [*_SENTENCE_END.finditer(folded), None]:
        end = end_match.start() if end_match else len(folded)
        chunk = folded[start:end]
        question = bool(end_match and "?" in end_match.group())
        start = end_match.end() if end_match else end
        words = [spellings.get(w, w) for w in _TOKEN.findall(chunk)]
        if words:
            result.append(Sentence(" ".join(words), question))
    return result
