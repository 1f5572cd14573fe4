"""Finding who a post quotes and @mentions, by display-name key.

Display names are 3 to 40 characters of letters, digits, spaces and ``- _ . '``
(``forum.auth.forms.validate_display_name``), so a name may hold spaces: "@Ann Author
thanks" could mean "Ann" or "Ann Author". The rule: after an ``@`` that does not follow
a letter or digit (so email addresses are not mentions), try the next one to six words
(at most 40 characters), each with and without trailing punctuation; of the candidates
that are someone's display name (compared by ``display_name_key``: case and spacing do
not matter), the longest wins.

Quotes are what the quote button writes (``forum.text.quote_markdown``): a line
``> **Name** wrote:``. Lines of quoted text (starting with ``>``) are skipped when
looking for mentions, so quoting a post does not mention again everyone it mentioned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from forum.models import display_name_key

MAX_NAME = 40
MAX_WORDS = 6
# At most this many people are notified per post for mentions and for quotes each: a
# post that names the whole forum is not a way to message everyone.
MAX_PEOPLE = 20

_AT = re.compile(r"(?<![\w@])@(?=\w)")
_QUOTE = re.compile(r"^> \*\*(.{1,60}?)\*\* wrote:\s*$", re.MULTILINE)
_TRAILING = ".,;:!?)]}'\"\u2019\u201d"


@dataclass
class Found:
    """Each mention's candidate keys (longest first), and the quoted names' keys."""

    mentions: list[list[str]] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)

    def keys(self) -> set[str]:
        return {key for options in self.mentions for key in options} | set(self.quoted)


def _candidates(after: str) -> list[str]:
    words = after.split()[:MAX_WORDS]
    found: list[str] = []
    for n in range(len(words), 0, -1):
        phrase = " ".join(words[:n])
        for option in (phrase, phrase.rstrip(_TRAILING)):
            key = display_name_key(option)
            if 0 < len(key) <= MAX_NAME and key not in found:
                found.append(key)
    return found


def find(source: str) -> Found:
    """The mentions and quotes in a post's Markdown ``source``."""
    found = Found(quoted=[display_name_key(name) for name in _QUOTE.findall(source)])
    for line in source.splitlines():
        if line.lstrip().startswith(">"):
            continue
        for match in _AT.finditer(line):
            options = _candidates(line[match.end():match.end() + MAX_NAME + MAX_WORDS])
            if options:
                found.mentions.append(options)
    return found


def resolve(found: Found, user_ids_by_key: dict[str, int]) -> tuple[list[int], list[int]]:
    """(quoted, mentioned) user ids: each mention's longest candidate that is a member;
    someone both quoted and mentioned is only quoted. At most MAX_PEOPLE of each."""
    quoted: list[int] = []
    for key in found.quoted:
        user_id = user_ids_by_key.get(key)
        if user_id is not None and user_id not in quoted:
            quoted.append(user_id)
    mentioned: list[int] = []
    for options in found.mentions:
        user_id = next((user_ids_by_key[k] for k in options if k in user_ids_by_key), None)
        if user_id is not None and user_id not in quoted and user_id not in mentioned:
            mentioned.append(user_id)
    return quoted[:MAX_PEOPLE], mentioned[:MAX_PEOPLE]
