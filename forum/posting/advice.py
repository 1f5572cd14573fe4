"""Dose instructions to someone else: the sentences behind the medical-advice nudge.

Peer support shares experience, not prescriptions. ``dose_advice(text)`` returns the
sentences of a post that tell *another person* what insulin dose to take ("you should up
your basal to 20 units", "just take 4 more units", "change your ratio to 1:8"), so the
author can be asked, gently, to rephrase them as their own experience. It is a pure
function: no database, no app, no logging.

A sentence counts when all of these hold:

* it has a **dose verb** in its base form (take, up, increase, raise, drop, lower, cut,
  reduce, inject, bolus, give, add, try, change, set, ...), so "I upped my basal" and
  "taking 4 units helped" never count;
* a **dose** follows the verb in the same clause (up to ``WINDOW`` words, not past a
  comma): a number of units ("20 units", "4u", "2 iu", "a couple of units"); a ratio
  ("1:8"); or, when an insulin or setting word is in the clause (basal, bolus, lantus,
  levemir, tresiba, toujeo, novorapid, humalog, fiasp, apidra, ratio, correction factor,
  basal rate, ...), a bare number that reads as an amount ("to 20", "by 2", "4 more",
  "0.8") or a percentage. Grams, carbs, tablets, times of day and durations are not
  doses: "eat 15g of carbs", "take 4 glucose tabs", "take your lantus at 10" and "give it
  2 hours" do not count;
* the verb is **addressed to someone else**: an imperative (nothing but words such as
  "just", "maybe", "try to", "make sure to" before it in its clause; or a short opening
  such as "before bed", "if you're high" without a comma), or "you" as its subject ("you
  should", "you need to", "u could try"), or "I'd ... your ..." / "if I were you".

And a sentence never counts when it is:

* **first-person experience** ("I take 20 units", "what I do is take 4 more units");
* a **question** (it ends with "?", or opens like one: "should I take 4 more units"),
  except a suggestion dressed as one ("why not try 2 units less?");
* a **report** of what someone said ("my DSN told me to take 4 units", "I was told to
  up it by 2 units") or a pointer to the care team ("ask your team before you up your
  basal by 2 units", "talk to your team about your basal");
* a **hypothesis** about the reader ("if you take 4 units too many, you'll go low");
* **quoted**: Markdown blockquote lines (``> ...``) are someone else's words.

Text is folded first with the screener's public normaliser
(``forum.moderation.screening.text.fold``: case, accents, apostrophes, so "You’ll" reads
as "youll"). This is a nudge, not a gate: the author can always post anyway, so the rules
prefer missing an odd phrasing to interrupting people who share what worked for them.
"""

from __future__ import annotations

import re

from forum.moderation.screening.text import fold

__all__ = ["MAX_SHOWN", "WINDOW", "dose_advice"]

WINDOW = 8  # words after the verb in which the dose must appear
MAX_SHOWN = 3  # sentences returned at most (the prompt quotes them back to the author)
_SHOWN_CHARS = 160

# Sentences end at . ! ? ; … or a spaced dash, never inside a number ("0.8", "1:8"),
# and at the end of a Markdown block: a blank line, a list item, a heading. A single line
# break is only a space (a hard-wrapped line goes on). A colon does not end a sentence:
# "My DSN said: take 4 units" stays one (a report); it ends a clause instead ("Tip: take
# 4 units").
_BLOCK = re.compile(r"\n[ \t]*(?:\n|(?=[-*+#][ \t]|\d+[.)][ \t]))")
_SENTENCE = re.compile(r"[^.!?;\u2026]*(?:(?<=\d)\.(?=\d)[^.!?;\u2026]*)*(?:[.!?;\u2026]+|$)")
_SPACED_DASH = re.compile(r"\s[-\u2013\u2014]+\s")
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_MARKER = re.compile(r"^(?:[-*+#]+|\d+[.)])\s+")  # a list item's or heading's marker
_TOKEN = re.compile(r"\d+(?:\.\d+)?\s*:\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?|[a-z]+|[,:%]")
_ONE_TO = re.compile(r"1\s*:")  # "1:8", a ratio (not a time such as "10:30")

# --- vocabularies (folded words) ----------------------------------------------------------

DOSE_VERBS = frozenset({
    "take", "up", "increase", "raise", "drop", "lower", "cut", "reduce", "decrease",
    "inject", "bolus", "give", "add", "try", "change", "set", "use", "switch", "move",
    "bump", "put", "go", "start", "knock", "push", "double", "halve", "correct", "dose",
    "jab", "shoot", "make", "need", "needs",
})
# "go" is a dose verb only as "go up/down/to/for ...".
GO_ON = frozenset({"up", "down", "to", "for"})
# "you need 4 more units": "need" counts only with "you" as its subject, never "to" after
# it ("you need to take" is read at "take"), and never alone ("just need 2 units" is most
# often the author's own, subject left out).
NEED = frozenset({"need", "needs"})
MODALS = frozenset({"should", "needs", "need", "must", "ought"})
# Verbs that are a dose by themselves: "bolus 3 for that".
INSULIN_VERBS = frozenset({"bolus", "inject", "correct", "dose", "jab"})
UNIT_WORDS = frozenset({"units", "unit", "iu", "ius", "u"})
INSULIN_WORDS = frozenset({
    "insulin", "basal", "bolus", "boluses", "background", "dose", "doses", "correction",
    "lantus", "levemir", "tresiba", "toujeo", "abasaglar", "basaglar", "semglee",
    "humulin", "insulatard", "insuman", "hypurin", "novorapid", "novomix", "novo",
    "humalog", "fiasp", "apidra", "lyumjev", "admelog", "trurapi", "actrapid", "glargine",
    "degludec", "detemir", "aspart", "lispro", "glulisine",
    # pump and ratio settings
    "ratio", "ratios", "icr", "isf", "cf", "factor", "sensitivity", "rate", "rates",
})
RATIO_WORDS = frozenset({"ratio", "ratios", "icr", "isf", "cf", "factor", "sensitivity"})
NUMBER_WORDS = frozenset({
    "a", "an", "another", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty",
    "half", "couple", "few",
})
# A bare number reads as an amount after these ("up it to 20", "by 2", "another 4") ...
AMOUNT_BEFORE = frozenset({"to", "by", "another", "extra", "additional", "of"})
# ... or before these ("4 more", "2 less").
AMOUNT_AFTER = frozenset({"more", "less", "fewer", "extra", "lower", "higher", "up", "down"})
# Hedges between that word and the number: "up it to about 20", "at least 2 more".
HEDGES = frozenset({"about", "around", "roughly", "approximately", "approx", "maybe",
                    "like", "say", "just", "only", "least", "most", "an", "a"})
# Whatever follows a number that makes it something other than a dose.
NOT_A_DOSE = frozenset({
    "g", "gs", "gram", "grams", "gramme", "grammes", "carb", "carbs", "cho", "cp", "cps",
    "mmol", "mmols", "mg", "mgdl", "dl", "ml", "kg", "kgs", "lb", "lbs", "stone", "st",
    "am", "pm", "oclock", "h", "hr", "hrs", "hour", "hours", "min", "mins", "minute",
    "minutes", "sec", "secs", "seconds", "day", "days", "week", "weeks", "month", "months",
    "year", "years", "yrs", "times", "x", "doses", "injections", "shots", "jabs", "pens",
    "pen", "tabs", "tablets", "tablet", "sweets", "jelly", "jellies", "babies", "glasses",
    "glass", "cups", "cup", "slices", "slice", "pieces", "biscuits", "sugar", "glucose",
    "dextrose", "dextro", "lucozade", "juice", "mile", "miles", "km", "steps", "k",
})
# A number right after these is not an amount: a time ("at 10"), a reading ("above 10"),
# a diagnosis ("type 1").
NOT_AFTER = frozenset({"at", "type", "t", "than", "above", "below", "over", "under",
                       "between", "every", "from", "until", "till", "past", "since",
                       "before", "after", "number", "no", "page", "step"})

YOU = frozenset({"you", "u", "ya", "ye", "youre", "youll", "youd", "youve", "yourself",
                 "yall", "yous"})
FIRST_PERSON = frozenset({"i", "im", "ive", "id", "ill", "we", "weve", "wed", "me",
                          "myself", "us"})
# Words that may stand between a subject (or the start of a clause) and its verb
# without changing who is addressed: "you should probably just take", "just take",
# "make sure to take", "what you do is take".
FILLERS = frozenset({
    "just", "then", "so", "and", "or", "but", "also", "maybe", "perhaps", "probably",
    "definitely", "def", "defo", "deffo", "honestly", "seriously", "please", "pls", "plz",
    "simply", "only", "always", "never", "dont", "do", "does", "try", "to", "remember",
    "forget", "make", "sure", "might", "want", "wanna", "need", "needs", "have", "has",
    "got", "gotta", "should", "shd", "could", "would", "must", "can", "will", "shall",
    "may", "ought", "better", "really", "now", "instead", "first", "straight", "away",
    "immediately", "is", "guys", "all", "both", "still", "even", "ok", "okay", "yes",
    "yeah", "well", "oh", "hi", "hey", "again", "best", "be", "able", "lol", "haha",
    "tbh", "imo", "imho", "personally", "literally", "basically", "x", "xx",
})
# "I'd say take 4 more units": the author's view, then an imperative.
SAY = frozenset({"id", "i", "would", "wed", "we"})
# Openings that can stand before an imperative without a comma: "if you're high take 2
# units", "before bed take 2 units".
OPENERS = frozenset({"if", "when", "whenever", "once", "before", "after", "at", "for",
                     "with", "on", "in", "during", "while", "until"})
CONDITIONS = frozenset({"if", "when", "whenever", "once", "unless", "until", "because",
                        "cause", "cos", "as", "since", "that", "whether"})
PEOPLE = frozenset({
    "he", "she", "they", "it", "its", "hes", "shes", "theyre", "theyll", "someone",
    "somebody", "people", "everyone", "everybody", "anyone", "anybody", "nobody",
    "others", "some", "most", "many", "son", "daughter", "child", "kid", "kids", "husband",
    "wife", "partner", "mum", "dad", "mom", "friend", *FIRST_PERSON,
})
AUXILIARIES = frozenset({
    "should", "shall", "do", "does", "did", "can", "could", "would", "will", "is", "are",
    "am", "was", "were", "have", "has", "had", "must", "may", "might", "shd", "dont",
    "doesnt", "didnt", "wouldnt", "shouldnt", "cant", "isnt", "arent", "anyone",
    "anybody",
})
QUESTION_WORDS = frozenset({"how", "what", "why", "when", "which", "where", "who",
                            "whats", "hows", "whos"})
CLINICIANS = frozenset({
    "doctor", "doctors", "doc", "dr", "gp", "gps", "consultant", "consultants", "endo",
    "endos", "endocrinologist", "nurse", "nurses", "dsn", "dsns", "team", "teams",
    "clinic", "specialist", "specialists", "diabetologist", "pharmacist", "hospital",
    "dietitian", "dietician", "paediatrician", "pediatrician", "registrar", "hcp",
    "midwife", "educator", "cde",
})
# "said to", "told me to", "I was told": someone else's words, with or without a clinician.
REPORTING = frozenset({
    "said", "says", "told", "tells", "tell", "telling", "suggested", "advised",
    "recommended", "instructed", "asked", "according",
})
# With a clinician anywhere in the sentence, these report their decision too: "my
# consultant wants 20 units of lantus", "the DSN put my basal up to 20 units".
CLINICIAN_REPORTING = REPORTING | frozenset({
    "say", "suggests", "advises", "advice", "recommends", "recommend", "wants", "wanted",
    "prescribed", "reckons", "reckoned", "thinks", "thought", "put", "changed", "gave",
})
CONSULTING = frozenset({
    "ask", "asking", "talk", "talking", "speak", "speaking", "check", "checking",
    "discuss", "discussing", "mention", "mentioning", "see", "contact", "ring", "call",
    "phone", "email", "message", "raise", "consult", "consulting", "run",
})
REPORTED_TO = frozenset({"me", "us", "him", "her", "them", "you", "to", "my", "our"})
BEEN = frozenset({"was", "were", "been", "got", "get", "getting", "being", "i", "we",
                  "they", "she", "he"})


def dose_advice(text: str) -> list[str]:
    """The sentences of ``text`` that tell someone else what dose to take, as the author
    wrote them (whitespace squashed, long ones cut), at most ``MAX_SHOWN``; empty when
    there are none. See the module docstring for the rules."""
    found = []
    for sentence in _sentences(_QUOTE_LINE.sub("\n", text.replace("\r\n", "\n"))):
        if _is_dose_advice(sentence):
            found.append(_shown(sentence))
            if len(found) == MAX_SHOWN:
                break
    return found


def _sentences(text: str) -> list[str]:
    parts = []
    for block in _BLOCK.split(text):
        for chunk in _SPACED_DASH.split(block.replace("\n", " ")):
            parts.extend(m.group().strip() for m in _SENTENCE.finditer(chunk))
    return [part for part in parts if part]


def _shown(sentence: str) -> str:
    squashed = _MARKER.sub("", " ".join(sentence.split()))
    if len(squashed) <= _SHOWN_CHARS:
        return squashed
    return squashed[: _SHOWN_CHARS - 1].rsplit(" ", 1)[0] + "\u2026"


def _is_dose_advice(sentence: str) -> bool:
    folded = fold(sentence)
    words = _TOKEN.findall(folded)
    if not words:
        return False
    words, suggestion = _strip_why_not(words)
    if not words:
        return False
    if not suggestion and (folded.rstrip().endswith("?") or _opens_like_a_question(words)):
        return False
    if _reports_or_defers(words):
        return False
    return _your_dose_should_be(words) or any(
        _is_verb(words, i) and _addressed(words, i) and _dose_follows(words, i)
        for i in range(len(words)))


def _strip_why_not(words: list[str]) -> tuple[list[str], bool]:
    """ "why not try 2 units less?", "why don't you up it by 2 units?": a suggestion,
    read as the imperative that follows."""
    if words[:2] == ["why", "not"]:
        return words[2:], True
    if words[:2] == ["why", "dont"] and len(words) > 2 and words[2] in YOU:
        return words[3:], True
    return words, False


def _opens_like_a_question(words: list[str]) -> bool:
    """ "should I take 4 more units", "how much should I take" (no question mark)."""
    if len(words) >= 2 and words[0] in AUXILIARIES and words[1] in (YOU | PEOPLE):
        return True
    if words[0] in QUESTION_WORDS:
        return any(a in AUXILIARIES and b in (YOU | FIRST_PERSON)
                   for a, b in zip(words, words[1:], strict=False))
    return False


def _reports_or_defers(words: list[str]) -> bool:
    """What a clinician or someone else said ("my DSN told me to ...", "I was told to
    ..."), or a pointer to the care team ("ask your team before ..."): not the author's
    own instruction."""
    clinicians = [i for i, w in enumerate(words) if w in CLINICIANS]
    if clinicians:
        if any(w in CLINICIAN_REPORTING for w in words):
            return True
        # "ask your team before you up ...", but not "take 2 units and call your GP if ..."
        first, verb = clinicians[0], _first_verb(words)
        if any(w in CONSULTING for w in words[max(0, first - 4):min(first, verb)]):
            return True
    for i, word in enumerate(words):
        if word in REPORTING:
            after = words[i + 1] if i + 1 < len(words) else ""
            before = words[i - 1] if i > 0 else ""
            if after in REPORTED_TO or before in BEEN:
                return True
    return False


def _first_verb(words: list[str]) -> int:
    return next((i for i in range(len(words)) if _is_verb(words, i)), len(words))


def _is_verb(words: list[str], i: int) -> bool:
    word = words[i]
    if word not in DOSE_VERBS:
        return False
    following = words[i + 1] if i + 1 < len(words) else ""
    if word == "go":
        return following in GO_ON
    if word in NEED:
        return following != "to"
    return True


def _clause_start(words: list[str], verb: int) -> int:
    for j in range(verb - 1, -1, -1):
        if words[j] in (",", ":"):
            return j + 1
    return 0


def _addressed(words: list[str], verb: int) -> bool:
    """Whether the verb at ``verb`` is said to the reader: an imperative, or "you"."""
    start = _clause_start(words, verb)
    j = verb - 1
    while j >= start and words[j] in FILLERS:
        j -= 1
    need = words[verb] in NEED
    if j < start:
        return not need  # nothing but fillers: an imperative ("just take 4 more units")
    subject = words[j]
    if subject == "say" and j > start and words[j - 1] in SAY:
        return not need
    if subject in YOU:
        # "if you take 4 units too many": a condition, not an instruction
        return not (j > start and words[j - 1] in CONDITIONS)
    if need:
        return False
    if subject in FIRST_PERSON:
        return _advice_in_first_person(words, verb, j)
    if words[start] in OPENERS and verb - start <= 6:
        # "if you're high take 2 units", "before bed take 2 units": an imperative after a
        # short opening, unless someone else is the opening's subject ("when I go high").
        return not any(w in PEOPLE for w in words[start + 1:verb])
    return False


def _advice_in_first_person(words: list[str], verb: int, subject: int) -> bool:
    """ "I'd up your basal by 2 units", "if I were you I'd take 4 units": advice."""
    joined = " ".join(words)
    if "if i were you" in joined or "if i was you" in joined:
        return True
    conditional = words[subject] == "id" or "would" in words[subject:verb]
    return conditional and "your" in words[verb + 1:verb + 1 + WINDOW]


def _your_dose_should_be(words: list[str]) -> bool:
    """ "your basal should be 20 units", "your ratio needs to be 1:8"."""
    for i, word in enumerate(words):
        if word != "your":
            continue
        named = [k for k in range(i + 1, min(i + 4, len(words))) if words[k] in INSULIN_WORDS]
        if not named:
            continue
        modal = next((k for k in range(named[0] + 1, min(named[0] + 4, len(words)))
                      if words[k] in MODALS), None)
        if modal is not None and _dose_follows(words, modal):
            return True
    return False


def _dose_follows(words: list[str], verb: int) -> bool:
    """Whether a dose follows the verb within ``WINDOW`` words of its clause."""
    end = verb + 1
    while end < len(words) and end <= verb + WINDOW and words[end] not in (",", ":"):
        end += 1
    clause = words[_clause_start(words, verb):end]
    insulin = words[verb] in INSULIN_VERBS or any(w in INSULIN_WORDS for w in clause)
    ratio = any(w in RATIO_WORDS for w in clause)
    for k in range(verb + 1, end):
        word = words[k]
        if word in UNIT_WORDS:
            if _units_counted(words, verb, k):
                return True
            continue
        if not word[0].isdigit() or words[k - 1] in NOT_AFTER:
            continue
        if ":" in word:  # "1:8"
            if ratio or _ONE_TO.match(word):
                return True
            continue
        following = words[k + 1] if k + 1 < len(words) else ""
        if following in NOT_A_DOSE or float(word) > 300:
            continue
        if insulin and (following in ("%", "percent") or _reads_as_amount(words, verb, k)):
            return True
    return False


def _units_counted(words: list[str], verb: int, k: int) -> bool:
    """A unit word with an amount before it: "20 units", "4u", "a couple of units"."""
    previous = words[k - 1]
    if previous[0].isdigit():
        return ":" not in previous
    if words[k] == "u":  # "u" without a number is "you"
        return False
    return any(w in NUMBER_WORDS or w[0].isdigit() for w in words[max(verb + 1, k - 3):k])


def _reads_as_amount(words: list[str], verb: int, k: int) -> bool:
    """A bare number that reads as an insulin amount where it stands: right after the
    verb ("bolus 3"), after "to", "by", "another" or an insulin word ("up it to 20",
    "isf 3", "a factor of 2.5"), or before "more" or "less" ("4 more")."""
    following = words[k + 1] if k + 1 < len(words) else ""
    if following in AMOUNT_AFTER:
        return True
    j = k - 1
    while j > verb and words[j] in HEDGES:
        j -= 1
    before = words[j]
    if j == verb or before in INSULIN_WORDS or (before in AMOUNT_BEFORE and before != "of"):
        return True
    return before == "of" and words[j - 1] in INSULIN_WORDS
