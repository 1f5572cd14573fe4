"""Reading what a member typed into the search box, and turning it into a Whoosh query.

The syntax is small on purpose: words, "exact phrases", ``-word`` or ``-"phrase"`` to
exclude, and ``OR`` between alternatives (``pump OR pens``). Everything else is just
text: there are no fields, wildcards, fuzzy or range operators to abuse, so any
input parses, in time linear in its (capped) length. Problems are reported as
``notes`` for the results page instead of errors.

Words go through the index's analyzer (so "injecting" finds "injection"), and runs of
words that match an entry of the synonym table (``synonyms.txt``) also find the
other entries of its group, ranked a little lower.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from whoosh import query as wq

from forum.search.schema import ANALYZER, TEXT_FIELDS

MAX_QUERY_LENGTH = 256
MAX_CLAUSES = 12
MAX_SYNONYM_WORDS = 4
SYNONYM_BOOST = 0.5
SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")
OR_WORDS = {"OR", "|"}
IGNORED_WORDS = {"AND", "&&", "+"}

Tokens = tuple[str, ...]


@dataclass(frozen=True)
class Clause:
    """One thing to match: a word or phrase (as analyzed tokens), maybe with synonyms."""

    tokens: Tokens
    synonyms: tuple[Tokens, ...] = ()

    def alternatives(self) -> list[tuple[Tokens, float]]:
        """``(tokens, boost)`` pairs: what was typed first, then its synonyms."""
        return [(self.tokens, 1.0)] + [(s, SYNONYM_BOOST) for s in self.synonyms]


@dataclass
class ParsedQuery:
    """A query as AND of OR-groups, minus exclusions, plus notes for the reader."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def highlight_terms(self) -> frozenset[str]:
        """Analyzed tokens to mark in snippets (synonyms included, exclusions not)."""
        return frozenset(
            token for group in self.groups for clause in group
            for tokens, _ in clause.alternatives() for token in tokens
        )

    def to_whoosh(self) -> wq.Query:
        """The Whoosh query (call only when not ``is_empty``)."""
        positive = wq.And([_group_query(group) for group in self.groups])
        if self.excluded:
            return wq.AndNot(positive, wq.Or([_clause_query(c) for c in self.excluded]))
        return positive


# --- from text to clauses ----------------------------------------------------------------

def clean(text: str) -> tuple[str, list[str]]:
    """Drop control and formatting characters, fold whitespace, cap the length."""
    notes = []
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] or text[:MAX_QUERY_LENGTH]
        notes.append(f"Your search was long, so we used its first {MAX_QUERY_LENGTH} characters.")
    return text, notes


@dataclass(frozen=True)
class _Lexeme:
    text: str
    quoted: bool = False
    negated: bool = False

    @property
    def is_or(self) -> bool:
        return not self.quoted and not self.negated and self.text in OR_WORDS


def lex(text: str) -> tuple[list[_Lexeme], list[str]]:
    """Split cleaned text into words, quoted phrases and operators."""
    lexemes, notes, pos = [], [], 0
    while pos < len(text):
        if text[pos] == " ":
            pos += 1
            continue
        negated = text[pos] == "-" and pos + 1 < len(text) and text[pos + 1] != " "
        start = pos + 1 if negated else pos
        if text[start] == '"':
            end = text.find('"', start + 1)
            if end == -1:
                notes.append("A closing quote mark was missing, so those words were "
                             "searched for separately.")
                text = text[:start] + " " + text[start + 1:]
                continue
            lexemes.append(_Lexeme(text[start + 1:end], quoted=True, negated=negated))
            pos = end + 1
            continue
        end = text.find(" ", start)
        end = len(text) if end == -1 else end
        lexemes.append(_Lexeme(text[start:end].replace('"', " "), negated=negated))
        pos = end
    return lexemes, notes


def analyze(text: str) -> Tokens:
    """The index's tokens for ``text`` (stemmed, stop words dropped)."""
    return tuple(token.text for token in ANALYZER(text))


def parse(text: str) -> ParsedQuery:
    """Parse what was typed. Never raises; empty or unusable input gives ``is_empty``."""
    cleaned, notes = clean(text)
    lexemes, lex_notes = lex(cleaned)
    parsed = ParsedQuery(notes=notes + lex_notes)
    pending_or = False
    for clause, lexeme in _clauses(lexemes, parsed):
        if lexeme is None:
            pending_or = bool(parsed.groups)
            continue
        if lexeme.negated:
            parsed.excluded.append(clause)
        elif pending_or:
            parsed.groups[-1].append(clause)
        else:
            parsed.groups.append([clause])
        pending_or = False
    _limit(parsed)
    if parsed.is_empty and parsed.excluded:
        parsed.notes.append("Add at least one word to search for, as well as the words "
                            "to leave out.")
    return parsed


def _clauses(lexemes: list[_Lexeme], parsed: ParsedQuery):
    """Yield ``(clause, lexeme)`` pairs, or ``(None, None)`` for an OR operator."""
    run: list[Tokens] = []
    for lexeme in lexemes:
        if lexeme.is_or:
            yield from _plain_run(run)
            run = []
            yield None, None
            continue
        if lexeme.text in IGNORED_WORDS and not lexeme.quoted:
            continue
        tokens = analyze(lexeme.text)
        if not tokens:
            continue
        if lexeme.quoted or lexeme.negated:
            yield from _plain_run(run)
            run = []
            yield Clause(tokens), lexeme
        else:
            run.append(tokens)
    yield from _plain_run(run)


_PLAIN = _Lexeme("")


def _plain_run(run: list[Tokens]):
    """Clauses for consecutive plain words, joining those that form a synonym entry."""
    table = synonym_table()
    index = 0
    while index < len(run):
        for size in range(min(MAX_SYNONYM_WORDS, len(run) - index), 0, -1):
            tokens = tuple(t for word in run[index:index + size] for t in word)
            group = table.get(tokens)
            if group is not None or size == 1:
                synonyms = tuple(g for g in group or () if g != tokens)
                yield Clause(tokens, synonyms), _PLAIN
                index += size
                break


def _limit(parsed: ParsedQuery) -> None:
    """Keep at most MAX_CLAUSES clauses in all, so a query's cost stays bounded."""
    budget = MAX_CLAUSES
    groups = []
    for group in parsed.groups:
        if budget <= 0:
            break
        groups.append(group[:budget])
        budget -= len(groups[-1])
    excluded = parsed.excluded[:max(budget, 0)]
    if groups != parsed.groups or excluded != parsed.excluded:
        parsed.notes.append(f"Only the first {MAX_CLAUSES} words or phrases were used.")
    parsed.groups, parsed.excluded = groups, excluded


# --- synonyms ----------------------------------------------------------------------------

def load_synonyms(path: Path) -> dict[Tokens, tuple[Tokens, ...]]:
    """``{entry tokens: all entries of its group}`` from a synonyms file."""
    table: dict[Tokens, tuple[Tokens, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        group = tuple(dict.fromkeys(t for t in (analyze(e) for e in line.split(",")) if t))
        for entry in group:
            if len(entry) <= MAX_SYNONYM_WORDS:
                table[entry] = group
    return table


@cache
def synonym_table() -> dict[Tokens, tuple[Tokens, ...]]:
    """The shipped synonym table, read once per process."""
    return load_synonyms(SYNONYMS_FILE)


# --- to Whoosh ---------------------------------------------------------------------------

def _leaves(tokens: Tokens, boost: float) -> list[wq.Query]:
    if len(tokens) == 1:
        return [wq.Term(name, tokens[0], boost=boost) for name in TEXT_FIELDS]
    return [wq.Phrase(name, list(tokens), boost=boost) for name in TEXT_FIELDS]


def _union(clauses: list[Clause]) -> wq.Query:
    """One flat OR over every field and alternative of ``clauses``.

    Flat, because Whoosh builds a binary tree of union matchers per nested OR, and
    with synonyms the tree gets deep; with more than two leaves Whoosh's array union
    (which accumulates scores in one pass per term) is about 1.5x faster.
    """
    leaves = [leaf for clause in clauses for tokens, boost in clause.alternatives()
              for leaf in _leaves(tokens, boost)]
    union = wq.Or(leaves)
    if len(leaves) > 2:
        union.matcher_type = wq.Or.ARRAY_MATCHER
    return union


def _clause_query(clause: Clause) -> wq.Query:
    return _union([clause])


def _group_query(group: list[Clause]) -> wq.Query:
    return _union(group)
