"""The risk engine: for any text, ``assess`` decides ``crisis``, ``concern`` or ``none``,
the kind of risk (emotional or medical) and the evidence (which rule matched which
words). Pure and fast (no database, no network); the rules are data (``rules.toml``).

How a text is read:

1. normalised and cut into sentences (``text.py``); idioms ("dying for a cuppa",
   "this sensor is killing me") are blanked so their scary words match nothing;
2. every concept lexicon is matched in every sentence, and measures read numbers with
   their units ("ketones 3.2", "38 mg/dl", "meter says LO"), giving threshold concepts
   ("ketones_3_or_more");
3. each match is checked against the cues its rule lists: past tense or a time marker
   in its sentence, a question or hypothetical, advice to others, negation in the few
   words before it, fiction or the news, a doctor's decision, a recovered low;
4. a rule fires when each of its concepts has a live match within ``window`` sentences
   of the others. The strongest decision wins; among crisis rules the highest priority
   gives the kind;
5. when no crisis rule fired, the statistical second opinion (``model.py``, weights in
   ``model.json``) reads the same sentences: at or above its threshold the post is a
   crisis of the model's kind, with evidence ``statistical_model: p=…: top words …``.
   ``rules_decision`` is the rules alone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from forum.moderation.screening.model import Model, features, opinion
from forum.moderation.screening.rules import Matcher, Rule, RuleSet, default_rules
from forum.moderation.screening.text import Sentence, sentences

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^ ]")


@dataclass(frozen=True)
class Hit:
    """One concept found in one sentence (``start`` is a word index in it)."""

    concept: str
    sentence: int
    start: int
    words: str


@dataclass
class RiskDecision:
    """What the engine decided about a text, and why."""

    decision: str = "none"  # crisis | concern | none
    kind: str | None = None  # emotional | medical | None
    evidence: list[tuple[str, str]] = field(default_factory=list)

    @property
    def evidence_text(self) -> str:
        """The evidence as one line for moderators: ``rule: “words”; ...``."""
        return "; ".join(f"{rule}: “{words}”" for rule, words in self.evidence)


# The cues that make a frightening word safe where it stands: used for watched crisis
# phrases, which name no rule of their own.
PHRASE_CUES = ("past", "question", "hypothetical", "advice", "negation", "fiction_news",
               "others", "recovered")


class _Reading:
    """A text prepared for the rules: sentences, their words, and the cues in each."""

    def __init__(self, text: str, rules: RuleSet):
        self.rules = rules
        self.raw = sentences(text, rules.spellings)
        # All sentences in one string, joined by " | " (no term can match across it).
        self.joined = " | ".join(s.words for s in self.raw)
        self._index_words()
        if rules.idioms is not None:
            matches = self.scan(rules.idioms)
            if matches:  # each letter becomes "_": no term matches it, offsets stay put
                pieces, last = [], 0
                for match in matches:
                    pieces += [self.joined[last:match.start()],
                               _LETTER.sub("_", match.group())]
                    last = match.end()
                self.joined = "".join(pieces) + self.joined[last:]
        parts = self.joined.split(" | ") if self.raw else []
        self.sentences = [Sentence(words, raw.question)
                          for words, raw in zip(parts, self.raw, strict=True)]
        self.words = [s.words.split(" ") for s in self.sentences]
        self.sentence_cues: list[set[str]] = [set() for _ in self.sentences]
        self._starts = starts = []
        offset = 0
        for sentence in self.sentences:
            starts.append(offset)
            offset += len(sentence.words) + 3
        # (cue, sentence) -> word indexes of its matches, for the cues whose place matters:
        # a cue with an ``unless`` cue, and that cue
        placed = {c.unless for c in rules.cues.values() if c.unless} | {
            c.name for c in rules.cues.values() if c.unless}
        self.cue_places: dict[tuple[str, int], list[int]] = {}
        joined = self.joined
        for cue in rules.cues.values():
            if cue.scope in ("sentence", "window"):
                for match in self.scan(cue.pattern):
                    index = bisect_right(starts, match.start()) - 1
                    self.sentence_cues[index].add(cue.name)
                    if cue.name in placed:
                        self.cue_places.setdefault((cue.name, index), []).append(
                            joined.count(" ", starts[index], match.start()))
            elif cue.scope == "question":
                for index, sentence in enumerate(self.sentences):
                    if sentence.question and cue.pattern.search(sentence.words):
                        self.sentence_cues[index].add(cue.name)
        self.hits: dict[str, list[Hit]] = {}
        self._find_concepts()
        self._find_measures()

    def _index_words(self) -> None:
        self.positions: dict[str, list[int]] = {}
        offset = 0
        for word in self.joined.split(" "):  # words are separated by single spaces
            entry = self.positions.get(word)
            if entry is None:
                self.positions[word] = [offset]
            else:
                entry.append(offset)
            offset += len(word) + 1
        # matcher id -> the words of this text that start with one of its prefixes
        by_matcher: dict[int, list[str]] = {}
        stem_matchers = self.rules.stem_matchers
        for word in self.positions:
            for key in stem_matchers(word):
                entry = by_matcher.get(key)
                if entry is None:
                    by_matcher[key] = [word]
                else:
                    entry.append(word)
        self.stem_words = by_matcher

    def scan(self, matcher: Matcher) -> list[re.Match]:
        """Every match of ``matcher`` in the joined text, trying it only where one of the
        words its terms start with begins (or scanning, if it has no such list)."""
        if matcher.literals is None:
            return list(matcher.finditer(self.joined))
        positions = self.positions
        words = matcher.literals & positions.keys()
        stem_words = self.stem_words.get(id(matcher))
        if stem_words:
            words.update(stem_words)
        if not words:
            return []
        # each start with the pattern of the terms that can begin with its word
        at: dict[int, object] = {}
        for word in words:
            at.update(dict.fromkeys(positions[word], matcher.for_word(word).match))
        found = []
        end = -1
        joined = self.joined
        for start in sorted(at):
            if start < end:
                continue
            match = at[start](joined, start)
            if match:
                end = match.end()
                found.append(match)
        return found

    def _add(self, concept: str, index: int, start: int, words: str) -> None:
        self.hits.setdefault(concept, []).append(Hit(concept, index, start, words))

    def _find_concepts(self) -> None:
        # One pass per concept over the whole text: sentences joined by " | ", which no
        # term can match across, then each match mapped back to its sentence.
        joined, starts = self.joined, self._starts
        unions = self.rules.unions
        needed = {c for rule in self.rules.rules for c in rule.all}
        needed |= {part for name in needed & unions.keys() for part in unions[name]}
        for name, pattern in self.rules.concepts.items():
            if name not in needed or name in unions:
                continue
            for match in self.scan(pattern):
                index = bisect_right(starts, match.start()) - 1
                start = joined.count(" ", starts[index], match.start())
                self._add(name, index, start, match.group())
        for name in needed & unions.keys():
            self._add_union(name, unions[name])

    def _add_union(self, name: str, parts: tuple[str, ...]) -> None:
        """The hits of a lexicon made only of other lexicons: theirs, without overlaps
        (the longer of two overlapping hits is kept, as one scan would find it)."""
        found = sorted((h for part in parts for h in self.hits.get(part, ())),
                       key=lambda h: (h.sentence, h.start, -len(h.words)))
        last = None
        for hit in found:
            if last is not None and self._overlap(hit, last):
                continue
            self._add(name, hit.sentence, hit.start, hit.words)
            last = hit

    def _find_measures(self) -> None:
        rules, starts, joined = self.rules, self._starts, self.joined
        # what each number read as a measure means: the thresholds it meets, or
        # "<quantity>_in_range" (the statistical model reads numbers this way)
        self.measured: set[str] = set()
        for key, matcher in rules.readings.items():  # words that are readings: "LO", "HI"
            for match in self.scan(matcher):
                index = bisect_right(starts, match.start()) - 1
                self._add(key.split(":", 1)[1], index,
                          joined.count(" ", starts[index], match.start()), match.group())
        numbers_at = {}
        for index, words in enumerate(self.words):
            if _DIGIT.search(self.sentences[index].words):
                numbers_at[index] = [i for i, word in enumerate(words) if word[:1].isdigit()]
        if not numbers_at:
            return
        claimed: dict[int, set[int]] = {index: set() for index in numbers_at}
        for measure in rules.measures:
            for index, positions in numbers_at.items():
                words = self.words[index]
                for position, value in _read(measure, words, positions, claimed[index],
                                             rules):
                    met = False
                    for threshold in rules.thresholds:
                        if threshold.measure != measure.name:
                            continue
                        if threshold.at_least is not None and value < threshold.at_least:
                            continue
                        if threshold.below is not None and value >= threshold.below:
                            continue
                        met = True
                        self.measured.add(threshold.name)
                        self._add(threshold.name, index, position,
                                  " ".join(words[max(0, position - 2):position + 3]))
                    if not met:
                        self.measured.add(measure.name.split("_")[0] + "_in_range")

    def cancelled(self, hit: Hit, rule: Rule) -> bool:
        """Whether one of ``rule``'s cues cancels ``hit``."""
        for name in rule.cancel:
            cue = self.rules.cues[name]
            if cue.scope == "before":
                before = " ".join(self.words[hit.sentence][max(0, hit.start - cue.span):
                                                           hit.start])
                if before and cue.pattern.search(before):
                    return True
            elif cue.scope != "window" and name in self.sentence_cues[hit.sentence]:
                if cue.unless and self._voided(cue, hit):
                    continue
                return True
        return False

    def _voided(self, cue, hit: Hit) -> bool:
        """Whether every match of ``cue`` in the hit's sentence is followed, before the hit,
        by a match of its ``unless`` cue: "diagnosed last month, she's been sick all night,
        ketones 2.8" (the past cue's time is over by the time the hit is told)."""
        later = self.cue_places.get((cue.unless, hit.sentence))
        if not later:
            return False
        return all(any(at < place <= hit.start for place in later)
                   for at in self.cue_places.get((cue.name, hit.sentence), ()))

    def _span(self, hit: Hit) -> int:
        """How many words ``hit`` covers (a measure's hit quotes words around its number,
        but covers the number alone)."""
        size = hit.words.count(" ") + 1
        words = self.words[hit.sentence]
        return size if " ".join(words[hit.start:hit.start + size]) == hit.words else 1

    def _overlap(self, one: Hit, other: Hit) -> bool:
        """Whether two hits share words of the same sentence."""
        if one.sentence != other.sentence:
            return False
        return (one.start < other.start + self._span(other)
                and other.start < one.start + self._span(one))

    def window_cancelled(self, rule: Rule, first: int, last: int) -> bool:
        """Whether a window cue sits in the evidence's sentences or the one after them
        ("ketones 3.4 at lunch. Back down to 0.3 now")."""
        last = min(last + 1, len(self.sentences) - 1)
        return any(name in self.sentence_cues[i] for i in range(first, last + 1)
                   for name in rule.cancel if self.rules.cues[name].scope == "window")

    def fire(self, rule: Rule) -> list[Hit] | None:
        """The hits that make ``rule`` fire, or None."""
        live = []
        for concept in rule.all:
            hits = [h for h in self.hits.get(concept, ()) if not self.cancelled(h, rule)]
            if not hits:
                return None
            live.append(hits)
        if len(live) == 1:
            hits = live[0]
            distinct = {h.words for h in hits}
            if len(distinct) < rule.min_hits:
                return None
            for hit in hits:
                if not self.window_cancelled(rule, hit.sentence, hit.sentence):
                    return [hit]
            return None
        for anchor in live[0]:
            chosen = [anchor]
            for hits in live[1:]:
                # each concept needs words of its own: one phrase in two lexicons is one hit
                near = [h for h in hits if abs(h.sentence - anchor.sentence) <= rule.window
                        and not any(self._overlap(h, c) for c in chosen)]
                if not near:
                    break
                chosen.append(min(near, key=lambda h: abs(h.sentence - anchor.sentence)))
            else:
                first = min(h.sentence for h in chosen)
                last = max(h.sentence for h in chosen)
                if not self.window_cancelled(rule, first, last):
                    return chosen
        return None


def _read(measure, words: list[str], numbers_at: list[int], claimed: set[int],
          rules: RuleSet):
    """(word index, value) of each number ``measure`` reads in one sentence, given the
    indexes of its words that are numbers: a number a few words after one of the
    measure's anchors (no stop word between), or followed by its unit, or any number."""
    found = []
    numbers = rules.numbers

    def usable(i: int) -> float | None:
        if i in claimed or i >= len(words) or not _NUMBER.fullmatch(words[i]):
            return None
        if measure.decimal_only and "." not in words[i]:
            return None
        after = words[i + 1] if i + 1 < len(words) else ""
        before = words[i - 1] if i > 0 else ""
        if after in numbers["not_before"] or before in numbers["threshold_words"]:
            return None
        if " ".join(words[i + 1:i + 3]) in numbers["threshold_after"]:
            return None
        value = float(words[i])
        return value if measure.minimum <= value <= measure.maximum else None

    if measure.anchor is not None:
        for i in numbers_at:
            low = max(0, i - measure.gap - 3)
            before = " ".join(words[low:i])
            end = None
            for match in measure.anchor.finditer(before):
                end = match.end()
            if end is None:
                continue
            start = low + before.count(" ", 0, end) + 1  # the word after the anchor
            if i - start >= measure.gap or any(w in numbers["stop"] for w in words[start:i]):
                continue
            value = usable(i)
            if value is not None:
                claimed.add(i)
                found.append((i, value))
    if measure.bare:
        for i in numbers_at:
            value = usable(i)
            if value is not None:
                claimed.add(i)
                found.append((i, value))
    if measure.unit is not None:
        for i in numbers_at:
            if i + 1 >= len(words):
                continue
            rest = " ".join(words[i + 1:i + 3])
            if not measure.unit.match(rest):
                continue
            value = usable(i)
            if value is not None:
                claimed.add(i)
                found.append((i, value))
    return found


def _pick(fired: list[tuple[Rule, list[Hit]]]) -> RiskDecision:
    if not fired:
        return RiskDecision()
    crisis = [(r, h) for r, h in fired if r.decision == "crisis"]
    chosen = crisis or fired
    chosen.sort(key=lambda pair: -pair[0].priority)
    top = chosen[0][0]
    evidence = [(rule.name, " … ".join(dict.fromkeys(h.words for h in hits)))
                for rule, hits in chosen]
    return RiskDecision(top.decision, top.kind if top.decision == "crisis" else
                        top.kind, evidence)


def _by_rules(text: str, rules: RuleSet) -> tuple[RiskDecision, _Reading]:
    reading = _Reading(text, rules)
    fired = []
    for rule in rules.rules:
        hits = reading.fire(rule)
        if hits is not None:
            fired.append((rule, hits))
    return _pick(fired), reading


def rules_decision(text: str, rules: RuleSet | None = None) -> RiskDecision:
    """The decision of the rules alone, without the statistical second opinion."""
    return _by_rules(text, rules or default_rules())[0]


def model_features(text: str, rules: RuleSet | None = None) -> set[str]:
    """What the statistical model reads in ``text`` (for training it)."""
    reading = _Reading(text, rules or default_rules())
    return features(reading.raw, reading.measured)


def assess(text: str, rules: RuleSet | None = None, model: Model | None = None) -> RiskDecision:
    """The risk decision for ``text`` under ``rules`` (default: the shipped rules), with
    the statistical second opinion (``model.py``; default: the shipped model): when the
    rules find no crisis but the model is sure of one (probability at or above its
    threshold), a crisis of the model's kind, its evidence naming the words that
    weighed most."""
    decision, reading = _by_rules(text, rules or default_rules())
    if decision.decision == "crisis":
        return decision
    view = opinion(reading.raw, reading.measured, model)
    if view is None or not view.crisis:
        return decision
    return RiskDecision("crisis", view.kind,
                        [("statistical_model", view.evidence), *decision.evidence])


def phrase_in_safe_context(text: str, words: list[str], rules: RuleSet | None = None) -> bool:
    """Whether every occurrence of a watched phrase (folded ``words``, a trailing ``*``
    for a prefix) sits in a context the rules call safe: an idiom, the past, a question,
    advice, negation, fiction or news, support for someone else, a recovered low.
    A phrase the engine cannot find stays unsafe (it holds, as before)."""
    rules = rules or default_rules()
    parts = []
    for word in words:
        for piece in rules.spellings.get(word.rstrip("*"), word.rstrip("*")).split():
            parts.append(re.escape(piece))
        if word.endswith("*"):
            parts[-1] += "[a-z0-9]*"
    if not parts:
        return False
    pattern = re.compile(r"(?<![a-z0-9.])" + " ".join(parts) + r"(?![a-z0-9])")
    reading = _Reading(text, rules)
    rule = Rule("watched_phrase", "crisis", None, (), 0,
                tuple(c for c in PHRASE_CUES if c in rules.cues), 0)
    found_raw = any(pattern.search(s.words) for s in reading.raw)
    found = False
    for index, sentence in enumerate(reading.sentences):
        for match in pattern.finditer(sentence.words):
            found = True
            hit = Hit("watched_phrase", index, sentence.words.count(" ", 0, match.start()),
                      match.group())
            if not reading.cancelled(hit, rule) and not reading.window_cancelled(
                    rule, index, index):
                return False
    return found or found_raw  # found only before idioms were blanked: an idiom
