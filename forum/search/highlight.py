"""Snippets with the matched words marked, built from the database's plain text.

A snippet is a list of ``(text, matched)`` pieces; the template wraps matched pieces
in ``<mark>`` and autoescapes everything, so member text can never inject HTML and no
Python code marks a string safe.
"""

from __future__ import annotations

from whoosh.highlight import ContextFragmenter, WholeFragmenter, highlight

from forum.search.schema import ANALYZER
from forum.text import excerpt

SNIPPET_CHARS = 240
SNIPPET_CONTEXT = 70
FRAGMENTS = 2
BETWEEN = " … "

Pieces = list[tuple[str, bool]]


class _PieceFormatter:
    """A Whoosh formatter that returns ``(text, matched)`` pieces instead of HTML."""

    def __call__(self, text: str, fragments) -> Pieces:
        pieces: Pieces = []
        for number, fragment in enumerate(fragments):
            if number:
                pieces.append((BETWEEN, False))
            pieces.extend(self._fragment(fragment))
        return pieces

    @staticmethod
    def _fragment(fragment) -> Pieces:
        pieces: Pieces = []
        text, index = fragment.text, fragment.startchar
        for token in fragment.matches:
            if token.startchar is None or token.startchar < index:
                continue
            if token.startchar > index:
                pieces.append((text[index:token.startchar], False))
            pieces.append((text[token.startchar:token.endchar], True))
            index = token.endchar
        pieces.append((text[index:fragment.endchar], False))
        return pieces


_FORMATTER = _PieceFormatter()


def snippet(text: str, terms: frozenset[str]) -> Pieces:
    """Up to two passages of ``text`` around the matched ``terms``, matches marked.

    Falls back to the start of the text when the match was elsewhere (the title).
    """
    if terms:
        fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=SNIPPET_CONTEXT)
        pieces = highlight(text, terms, ANALYZER, fragmenter, _FORMATTER, top=FRAGMENTS)
        if pieces:
            return pieces
    return [(excerpt(text, SNIPPET_CHARS), False)]


def mark_all(text: str, terms: frozenset[str]) -> Pieces:
    """``text`` (a title) with every matched word marked."""
    if terms:
        pieces = highlight(text, terms, ANALYZER, WholeFragmenter(), _FORMATTER, top=1)
        if pieces:
            return pieces
    return [(text, False)]
