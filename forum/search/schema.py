"""The Whoosh schema and the one text analyzer used for indexing, queries and highlights.

Design choices (see README "Search"):

- Only ``id`` and ``digest`` (a hash of the document, for ``flask search check``) are
  stored. Snippets are highlighted from the database's ``body_text``
  of the rows being shown, so the index stays small and never serves stale text.
- ``title`` is filled on a thread's opening post only, so a title match ranks that
  post and a thread's replies don't all match its title.
- Visibility fields (``status``, ``category_id``, ``members_only``, ``listed``,
  ``author_id``, ``thread_author_id``) are exact ``ID`` terms so the visibility filter
  is a cheap term query.
- ``created`` is a sortable number (epoch seconds) for "newest" and date ranges.
- Nothing personal beyond the author's numeric id is indexed: no email, no name.
"""

from __future__ import annotations

import re

from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.lang.porter import stem

# Whoosh's English stop list minus words that carry meaning in health talk
# ("not", "can", "no" questions) and the operators our parser reads itself.
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "if", "in", "is",
    "it", "of", "on", "or", "that", "the", "this", "to", "was", "were", "with",
))

# Words are runs of letters/digits, optionally joined by dots ("3.5", "hba1c").
TOKEN_PATTERN = r"\w+(?:\.?\w+)*"
MAX_TOKEN_LENGTH = 40


STEM_CACHE_SIZE = 200_000


class ForumAnalyzer(Tokenizer):
    """Tokenise, lowercase, drop stop words (keeping "1" in "type 1"), Porter-stem.

    The same result as Whoosh's ``RegexTokenizer | LowercaseFilter | StopFilter |
    StemFilter`` chain (positions renumbered past stop words, so phrases skip them),
    fused into one loop: indexing 100,000 posts spends most of its time here, and
    four chained generators per word cost about twice as much. The index's table of
    contents pickles this object, so the class must keep its import path.
    """

    def __init__(self):
        self.expression = re.compile(TOKEN_PATTERN)
        self._stems: dict[str, str] = {}

    def __getstate__(self):
        return {}  # the stem cache is not part of the schema

    def __setstate__(self, state):
        self.__init__()

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def _stem(self, word: str) -> str:
        stems = self._stems
        found = stems.get(word)
        if found is None:
            if len(stems) > STEM_CACHE_SIZE:
                stems.clear()
            found = stems[word] = stem(word)
        return found

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in self.expression.finditer(value):
            word = match.group(0).lower()
            if word in STOP_WORDS or len(word) > MAX_TOKEN_LENGTH:
                continue
            token.text = self._stem(word)
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = match.group(0)
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            pos += 1
            yield token


ANALYZER = ForumAnalyzer()

TEXT_FIELDS = ("title", "body")


def make_schema() -> Schema:
    """The schema of every index generation (a change here needs ``flask search reindex``)."""
    return Schema(
        id=ID(stored=True, unique=True),
        digest=STORED,
        thread_id=ID,
        category_id=ID,
        author_id=ID,
        thread_author_id=ID,
        listed=ID,
        status=ID,
        members_only=ID,
        # Signed: Whoosh 2.7's range queries are wrong on unsigned 64-bit numbers.
        created=NUMERIC(bits=64, sortable=True),
        title=TEXT(analyzer=ANALYZER, field_boost=2.0, phrase=True),
        body=TEXT(analyzer=ANALYZER, phrase=True),
    )
