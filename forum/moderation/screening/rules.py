"""Loading the risk rules (``rules.toml``, shipped with the app) and compiling them.

The rules are data: lexicons of words and phrases, cue lists that cancel a match (past
tense, questions, negation...), numeric measures with thresholds, and the rules that
combine them. ``load_rules`` validates the file and raises ``RulesError`` naming the
faulty entry, so a bad edit fails loudly at start-up rather than silently screening
nothing.

A *term* is written in plain words, matched against the normalised text (see
``text.py``) as whole words:

* ``word*``         any word starting with ``word`` (``vomit*`` → vomiting, vomited)
* ``a|b|c*``        one word, any of these
* ``[word]``        an optional word (``ran out of [my] insulin``)
* ``~3``            a gap of up to three words (``stopped ~2 lantus``)
* ``@name``         any term of the lexicon ``name`` (``skip* ~2 @insulin``)
* ``re:...``        a raw regular expression, for what the above cannot say
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

RULES_FILE = Path(__file__).with_name("rules.toml")
DECISIONS = ("crisis", "concern")
KINDS = ("emotional", "medical")
CUE_SCOPES = ("sentence", "before", "question", "window")
_WORD = r"[a-z0-9.]+"


class RulesError(ValueError):
    """The rules file is malformed; the message says where."""


@dataclass(frozen=True)
class Cue:
    """Words whose presence cancels a match: in its sentence, in the few words before it
    (negation), at the start of a question, or anywhere in the rule's sentence window."""

    name: str
    scope: str
    pattern: Matcher
    span: int = 3
    # a sentence cue whose match between this cue's and the hit voids this cue there
    unless: str | None = None


@dataclass(frozen=True)
class Measure:
    """A number read after an anchor word (``ketones 3.2``), or with a unit after it
    (``38 mg/dl``). ``claims`` numbers so that no other measure reads them again."""

    name: str
    anchor: Matcher | None
    unit: re.Pattern | None
    gap: int
    minimum: float
    maximum: float
    decimal_only: bool
    bare: bool = False  # every (unclaimed) number in range is a reading


@dataclass(frozen=True)
class Threshold:
    """A concept that holds where ``measure`` reads at least/below a value."""

    name: str
    measure: str
    at_least: float | None
    below: float | None


@dataclass(frozen=True)
class Rule:
    """Concepts that together (within ``window`` sentences) decide ``decision``."""

    name: str
    decision: str
    kind: str | None
    all: tuple[str, ...]
    window: int
    cancel: tuple[str, ...]
    priority: int
    min_hits: int = 1


@dataclass
class RuleSet:
    spellings: dict[str, str]
    idioms: Matcher | None
    concepts: dict[str, Matcher]
    cues: dict[str, Cue]
    measures: list[Measure]
    readings: dict[str, Matcher]
    thresholds: list[Threshold]
    rules: list[Rule] = field(default_factory=list)
    numbers: dict[str, frozenset[str]] = field(default_factory=dict)
    # word -> the matchers one of whose prefixes it starts with (filled as words are seen)
    stem_cache: dict[str, frozenset[int]] = field(default_factory=dict)
    # lexicon -> the lexicons it is made of, when its terms are only ``@name``s: the engine
    # takes their matches instead of scanning the text again
    unions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def stem_matchers(self, word: str) -> frozenset[int]:
        """``id()`` of every matcher with a prefix that ``word`` starts with."""
        found = self.stem_cache.get(word)
        if found is None:
            if len(self.stem_cache) > 200_000:
                self.stem_cache.clear()
            found = frozenset(id(m) for m in self._with_stems() if word.startswith(m.stems))
            self.stem_cache[word] = found
        return found

    def _with_stems(self) -> list[Matcher]:
        matchers = [*self.concepts.values(), *(c.pattern for c in self.cues.values()),
                    *self.readings.values(), *(m.anchor for m in self.measures if m.anchor)]
        if self.idioms is not None:
            matchers.append(self.idioms)
        return [m for m in matchers if m.stems]


def _word_regex(word: str, lexicons: dict, seen: tuple[str, ...]) -> str:
    if word.startswith("@") and "|" not in word:
        return _lexicon_regex(word[1:], lexicons, seen)
    if word.startswith("re:"):
        return "(?:" + word[3:] + ")"
    options = []
    for option in word.split("|"):
        if option.startswith("@"):
            options.append(_lexicon_regex(option[1:], lexicons, seen))
            continue
        if not re.fullmatch(r"[a-z0-9.]+\*?", option):
            raise RulesError(f"bad word {option!r} in term (letters, digits, a trailing *)")
        stem = re.escape(option.rstrip("*"))
        options.append(stem + r"[a-z0-9]*" if option.endswith("*") else stem)
    return "(?:" + "|".join(options) + ")"


def _check_alternatives(term: str, pieces: list[str]) -> None:
    """``a|b`` offers single words: "looking up|looked up" reads as "looking (up|looked)
    up". Catch the shape that gives it away (a word offered beside the same word as the
    piece before or after it) and say how to write it."""
    plain = [p.strip("[]") if "|" not in p and not p.startswith(("~", "@", "re:")) else None
             for p in pieces]
    for i, piece in enumerate(pieces):
        if "|" not in piece or piece.startswith("re:"):
            continue
        options = piece.strip("[]").split("|")
        neighbours = {plain[j] for j in (i - 1, i + 1) if 0 <= j < len(pieces)} - {None}
        if neighbours & set(options):
            raise RulesError(
                f"term {term!r}: in {piece!r} each alternative is one word; for phrases, "
                "write one term per phrase (\"looking up\", \"looked up\")")


def _term_regex(term: str, lexicons: dict, seen: tuple[str, ...] = ()) -> str:
    if term.startswith("re:"):
        return "(?:" + term[3:] + ")"
    pieces = term.split()
    if not pieces:
        raise RulesError("empty term")
    _check_alternatives(term, pieces)
    out = ""
    for i, piece in enumerate(pieces):
        if re.fullmatch(r"~\d+", piece):
            if i in (0, len(pieces) - 1):
                raise RulesError(f"term {term!r}: a gap must sit between words")
            out += f"(?: {_WORD}){{0,{int(piece[1:])}}}"
            continue
        optional = piece.startswith("[") and piece.endswith("]")
        word = _word_regex(piece[1:-1] if optional else piece, lexicons, seen)
        if i == 0:
            out += f"(?:{word} )?" if optional else word
        else:
            out += f"(?: {word})?" if optional else f" {word}"
    return out


def _lexicon_regex(name: str, lexicons: dict, seen: tuple[str, ...] = ()) -> str:
    if name not in lexicons:
        raise RulesError(f"unknown lexicon @{name}")
    if name in seen:
        raise RulesError(f"lexicon @{name} refers to itself")
    terms = lexicons[name]
    return "(?:" + "|".join(_term_regex(t, lexicons, (*seen, name)) for t in terms) + ")"


def _word_triggers(word: str, lexicons: dict, seen: tuple[str, ...]):
    """(literal words, prefixes) one word piece can start with, or None (anything)."""
    literals, stems = set(), set()
    for option in word.split("|"):
        if option.startswith("re:"):
            return None
        if option.startswith("@"):
            name = option[1:]
            if name in seen or name not in lexicons:
                return None
            for term in lexicons[name]:
                found = _term_triggers(term, lexicons, (*seen, name))
                if found is None:
                    return None
                literals |= found[0]
                stems |= found[1]
        elif option.endswith("*"):
            stems.add(option[:-1])
        else:
            literals.add(option)
    return literals, stems


def _term_triggers(term: str, lexicons: dict, seen: tuple[str, ...] = ()):
    """The words a match of ``term`` can start with (None: it can start anywhere)."""
    if term.startswith("re:"):
        return None
    literals, stems = set(), set()
    for piece in term.split():
        optional = piece.startswith("[") and piece.endswith("]")
        found = _word_triggers(piece[1:-1] if optional else piece, lexicons, seen)
        if found is None:
            return None
        literals |= found[0]
        stems |= found[1]
        if not optional:
            return literals, stems
    return None


@dataclass(frozen=True)
class Matcher:
    """A compiled lexicon and the words its matches can start with: the engine tries
    the pattern only where one of those words starts (much faster than a scan), or
    scans the whole text when ``literals`` is None.

    Where a word starts, ``for_word`` gives a pattern of only the terms that can start
    with that word (in their order), which finds the same match as ``pattern`` there
    without trying every other term of a large lexicon."""

    pattern: re.Pattern
    literals: frozenset[str] | None
    stems: tuple[str, ...]
    # each term's regex and the (literal words, prefixes) its matches can start with
    bodies: tuple[str, ...] = ()
    triggers: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = ()
    _by_word: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    _by_terms: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def for_word(self, word: str) -> re.Pattern:
        """The pattern to try where ``word`` starts (``pattern`` itself when the terms
        are not known one by one)."""
        found = self._by_word.get(word)
        if found is not None:
            return found
        if not self.bodies:
            return self.pattern
        chosen = tuple(i for i, (literals, stems) in enumerate(self.triggers)
                       if word in literals or word.startswith(stems)
                       # a literal can end where a number's decimal point begins ("2" in "2.5")
                       or any(word.startswith(literal + ".") for literal in literals))
        found = self._by_terms.get(chosen)
        if found is None:
            found = re.compile(r"(?<![a-z0-9.])(?:" + "|".join(self.bodies[i] for i in chosen)
                               + r")(?![a-z0-9])") if chosen else _NEVER
            self._by_terms[chosen] = found
        if len(self._by_word) > 50_000:
            self._by_word.clear()
        self._by_word[word] = found
        return found

    def search(self, text: str) -> re.Match | None:
        return self.pattern.search(text)

    def finditer(self, text: str):
        return self.pattern.finditer(text)

    def sub(self, replacement: str, text: str) -> str:
        return self.pattern.sub(replacement, text)


_NEVER = re.compile(r"(?!)")


def _matcher(name: str, terms: list[str], lexicons: dict) -> Matcher:
    pattern = _compile(name, terms, lexicons)
    literals, stems = set(), set()
    triggers = []
    for term in terms:
        found = _term_triggers(term, lexicons, (name,))
        if found is None:
            return Matcher(pattern, None, ())
        literals |= found[0]
        stems |= found[1]
        triggers.append((frozenset(found[0]), tuple(sorted(found[1]))))
    bodies = tuple(_term_regex(t, lexicons, (name,)) for t in terms)
    return Matcher(pattern, frozenset(literals), tuple(sorted(stems)), bodies, tuple(triggers))


def _compile(name: str, terms: list[str], lexicons: dict) -> re.Pattern:
    try:
        body = "|".join(_term_regex(t, lexicons, (name,)) for t in terms)
        return re.compile(r"(?<![a-z0-9.])(?:" + body + r")(?![a-z0-9])")
    except (RulesError, re.error) as error:
        raise RulesError(f"lexicon {name!r}: {error}") from None


def _terms(where: str, entry: dict) -> list[str]:
    terms = entry.get("terms")
    if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
        raise RulesError(f"{where}: 'terms' must be a non-empty list of strings")
    return [t.strip().lower() if not t.startswith("re:") else t for t in terms]


def parse_rules(data: dict) -> RuleSet:
    """A validated, compiled ``RuleSet`` from the parsed TOML ``data``."""
    spellings = data.get("spellings", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in spellings.items()):
        raise RulesError("[spellings]: every value must be a string")
    raw = data.get("lexicons", {})
    lexicons = {name: _terms(f"[lexicons.{name}]", entry) for name, entry in raw.items()}
    concepts = {name: _matcher(name, terms, lexicons) for name, terms in lexicons.items()}
    idioms = None
    if "idioms" in data:
        idioms = _matcher("idioms", _terms("[idioms]", data["idioms"]), lexicons)

    cues = {}
    for name, entry in data.get("cues", {}).items():
        scope = entry.get("scope", "sentence")
        if scope not in CUE_SCOPES:
            raise RulesError(f"[cues.{name}]: scope must be one of {CUE_SCOPES}")
        pattern = _matcher(name, _terms(f"[cues.{name}]", entry), lexicons)
        if scope == "question":  # only at the start of a sentence that ends in "?"
            pattern = Matcher(re.compile(r"^" + pattern.pattern.pattern), None, ())
        cues[name] = Cue(name, scope, pattern, int(entry.get("span", 3)), entry.get("unless"))
    for cue in cues.values():
        if cue.unless is not None and (cues.get(cue.unless) is None or cue.scope != "sentence"
                                       or cues[cue.unless].scope != "sentence"):
            raise RulesError(f"[cues.{cue.name}]: 'unless' must name another sentence cue")

    measures, readings, thresholds = [], {}, []
    for name, entry in data.get("measures", {}).items():
        anchor = entry.get("anchors")
        unit = entry.get("units")
        if not anchor and not unit and not entry.get("bare"):
            raise RulesError(f"[measures.{name}]: needs 'anchors', 'units' or 'bare'")
        measures.append(Measure(
            name,
            _matcher(f"{name}.anchors", anchor, lexicons) if anchor else None,
            _compile(f"{name}.units", unit, lexicons) if unit else None,
            int(entry.get("gap", 3)), float(entry.get("min", 0)),
            float(entry.get("max", 1e9)), bool(entry.get("decimal_only", False)),
            bool(entry.get("bare", False))))
        if "readings" in entry:  # words that are readings themselves ("LO", "HI")
            for reading, terms in entry["readings"].items():
                readings[f"{name}:{reading}"] = _matcher(reading, terms, lexicons)
    measure_names = {m.name for m in measures}
    for i, entry in enumerate(data.get("thresholds", [])):
        name = entry.get("name")
        if not name or entry.get("measure") not in measure_names:
            raise RulesError(f"[[thresholds]] #{i + 1}: needs a name and a known measure")
        if "at_least" not in entry and "below" not in entry:
            raise RulesError(f"threshold {name!r}: needs 'at_least' or 'below'")
        thresholds.append(Threshold(name, entry["measure"], entry.get("at_least"),
                                    entry.get("below")))

    known = set(concepts) | {t.name for t in thresholds} | {
        r.split(":", 1)[1] for r in readings}
    rules = []
    for i, entry in enumerate(data.get("rules", [])):
        name = entry.get("name") or f"#{i + 1}"
        if entry.get("decision") not in DECISIONS:
            raise RulesError(f"rule {name!r}: decision must be one of {DECISIONS}")
        kind = entry.get("kind")
        if kind is not None and kind not in KINDS:
            raise RulesError(f"rule {name!r}: kind must be one of {KINDS}")
        if entry["decision"] == "crisis" and kind is None:
            raise RulesError(f"rule {name!r}: a crisis rule needs a kind")
        needed = entry.get("all")
        if not isinstance(needed, list) or not needed:
            raise RulesError(f"rule {name!r}: 'all' must list the concepts it needs")
        for concept in needed:
            if concept not in known:
                raise RulesError(f"rule {name!r}: unknown concept {concept!r}")
        for cue in entry.get("cancel", []):
            if cue not in cues:
                raise RulesError(f"rule {name!r}: unknown cue {cue!r}")
        rules.append(Rule(name, entry["decision"], kind, tuple(needed),
                          int(entry.get("window", 0)), tuple(entry.get("cancel", [])),
                          int(entry.get("priority", 1)), int(entry.get("min_hits", 1))))
    numbers = {}
    for key in ("not_before", "threshold_words", "threshold_after", "stop"):
        values = data.get("numbers", {}).get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise RulesError(f"[numbers] {key}: must be a list of strings")
        numbers[key] = frozenset(v.lower() for v in values)
    unions = {name: tuple(term[1:] for term in terms) for name, terms in lexicons.items()
              if all(re.fullmatch(r"@[a-z0-9_]+", term) for term in terms)}
    return RuleSet(spellings, idioms, concepts, cues, measures, readings, thresholds, rules,
                   numbers, unions=unions)


def load_rules(path: Path | str = RULES_FILE) -> RuleSet:
    """The rules in ``path`` (default: the shipped ``rules.toml``), validated."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{path}: {error}") from None
    return parse_rules(data)


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped rules, loaded once per process (from the same read of the file as the
    admins' additions are merged with, so the two never disagree)."""
    return parse_rules(tomllib.loads(_shipped_text()))


# --- local additions: rules an admin adds from the admin pages ----------------------------

@lru_cache(maxsize=1)
def _shipped_text() -> str:
    return RULES_FILE.read_text(encoding="utf-8")


def shipped_rules_text() -> str:
    """The shipped ``rules.toml``, comments and sources included (shown to admins)."""
    return _shipped_text()


def parse_additions(text: str) -> dict:
    """Local additions (TOML in the shipped file's format), parsed; ``RulesError`` with
    the line if they are not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"Not valid TOML: {error}") from None


def merge_rules(shipped: dict, additions: dict) -> dict:
    """The shipped rules extended by ``additions``, as one parsed TOML document.

    Additions can only add: terms are appended to a lexicon, cue or the idioms (or make a
    new one), spellings and measures are added, and a rule, measure or threshold with a
    new name is appended. A rule with a shipped rule's name replaces it (so an admin can
    widen a rule's window or cues), but the shipped decision of a crisis rule cannot be
    lowered: weakening the safety net takes a code change, reviewed, not a form.
    """
    unknown = set(additions) - {"version", "spellings", "lexicons", "idioms", "cues",
                                "measures", "thresholds", "rules", "numbers"}
    if unknown:
        raise RulesError(f"unknown section(s): {', '.join(sorted(unknown))}")
    merged = {key: (dict(value) if isinstance(value, dict) else
                    list(value) if isinstance(value, list) else value)
              for key, value in shipped.items()}
    merged["spellings"] = {**shipped.get("spellings", {}), **additions.get("spellings", {})}
    for section in ("lexicons", "cues"):
        table = {name: dict(entry) for name, entry in shipped.get(section, {}).items()}
        for name, entry in _table(additions, section).items():
            if not isinstance(entry, dict):
                raise RulesError(f"[{section}.{name}] must be a table with 'terms'")
            old = table.get(name, {})
            table[name] = {**old, **entry,
                           "terms": [*old.get("terms", []), *_terms(f"[{section}.{name}]",
                                                                    entry)]}
        merged[section] = table
    if "idioms" in additions:
        merged["idioms"] = {"terms": [*shipped.get("idioms", {}).get("terms", []),
                                      *_terms("[idioms]", _table(additions, "idioms"))]}
    merged["measures"] = {**shipped.get("measures", {}), **_table(additions, "measures")}
    numbers = {key: list(values) for key, values in shipped.get("numbers", {}).items()}
    for key, values in _table(additions, "numbers").items():
        if not isinstance(values, list):
            raise RulesError(f"[numbers] {key}: must be a list of strings")
        numbers[key] = [*numbers.get(key, []), *values]
    merged["numbers"] = numbers
    merged["thresholds"] = _by_name(shipped.get("thresholds", []),
                                    _list(additions, "thresholds"), "thresholds")
    shipped_rules = {r.get("name"): r for r in shipped.get("rules", [])}
    for rule in _list(additions, "rules"):
        before = shipped_rules.get(rule.get("name"))
        if before and before.get("decision") == "crisis" and rule.get("decision") != "crisis":
            raise RulesError(f"rule {rule.get('name')!r}: a shipped crisis rule can't be "
                             "turned into a lesser decision here")
    merged["rules"] = _by_name(shipped.get("rules", []), _list(additions, "rules"), "rules")
    return merged


def _table(data: dict, section: str) -> dict:
    value = data.get(section, {})
    if not isinstance(value, dict):
        raise RulesError(f"[{section}] must be a table")
    return value


def _list(data: dict, section: str) -> list[dict]:
    value = data.get(section, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise RulesError(f"[[{section}]] entries must be tables")
    for entry in value:
        if not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise RulesError(f"every [[{section}]] entry needs a name")
    return value


def _by_name(shipped: list[dict], added: list[dict], section: str) -> list[dict]:
    """``shipped`` with entries of ``added`` replacing those of the same name, new ones last."""
    names = [entry.get("name") for entry in added]
    if len(names) != len(set(names)):
        raise RulesError(f"[[{section}]]: two entries have the same name")
    replacing = {entry["name"]: entry for entry in added}
    out = [replacing.pop(entry.get("name"), entry) for entry in shipped]
    return out + [entry for entry in added if entry["name"] in replacing]


def rules_with_additions(additions_text: str) -> RuleSet:
    """The shipped rules extended by an admin's additions, validated and compiled; raises
    ``RulesError`` saying what is wrong."""
    merged = merge_rules(tomllib.loads(_shipped_text()), parse_additions(additions_text))
    return parse_rules(merged)
