"""Password hashing and the password policy: the only place that touches either.

Hashing is argon2id (argon2-cffi), with its cost read from the app config
(ARGON2_TIME_COST, ARGON2_MEMORY_COST, ARGON2_PARALLELISM) so tests can make it
cheap. Hashes made by Werkzeug (``scrypt:...``/``pbkdf2:...``) from before the
switch still verify, and ``needs_rehash`` tells the login code to upgrade them.

The policy follows current guidance (NIST SP 800-63B): a minimum length and a
block-list of common and context-specific passwords, but no composition rules
("one digit, one symbol"), no truncation and any Unicode allowed. A long sentence
is the easiest strong password to remember, so that is what the messages suggest.
The password itself is hashed exactly as typed: lower-casing and stripping happen
only on the copies used for the block-list checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Werkzeug hash formats accepted for old accounts (upgraded on the next login).
WERKZEUG_PREFIXES = ("scrypt:", "pbkdf2:")

# Words a member of this forum is likely to build a password around; the forum's
# name and the member's own email local part and display name are added per call.
BUILTIN_CONTEXT_WORDS = (
    "diabetes", "diabetic", "insulin", "metformin", "glucose", "sugarcircle", "sugar circle",
)
# A context word this long or longer is refused when it makes up most of the password.
CONTEXT_WORD_MIN_LETTERS = 4

COMMON_MESSAGE = (
    "That password is one of the most common ones; please choose something less guessable."
)
CONTEXT_MESSAGE = (
    "Avoid passwords built around the forum's name, your name or words like \"diabetes\"."
)

# Any fixed string will do: it only gives dummy_verify() a real hash to check against.
_DUMMY_PASSWORD = "no account has this password; it only makes timing uniform"


def _params() -> tuple[int, int, int]:
    """(time_cost, memory_cost in KiB, parallelism) from the config (config.py sets them)."""
    config = current_app.config
    return (
        int(config["ARGON2_TIME_COST"]),
        int(config["ARGON2_MEMORY_COST"]),
        int(config["ARGON2_PARALLELISM"]),
    )


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """One argon2id hasher per parameter tuple, built once and reused."""
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )


def _current_hasher() -> PasswordHasher:
    """The hasher for the running app's configured cost."""
    return _hasher(*_params())


def _argon2_verify(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    """Check ``password`` against an argon2 hash; any failure (mismatch, bad hash) is False."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError, ValueError):
        # VerifyMismatchError is a VerificationError; ValueError covers non-ASCII
        # hashes and passwords that cannot be encoded (lone surrogates).
        return False


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password`` exactly as typed, for storing on the user.

    Argon2id is memory-hard, so stolen hashes are expensive to crack on GPUs; the
    salt and parameters are stored inside the returned string (``$argon2id$v=19$m=...``).
    """
    return _current_hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; never raises.

    Accepts argon2 hashes and the Werkzeug ``scrypt:``/``pbkdf2:`` hashes of older
    accounts, so those members can still log in (the caller then rehashes when
    ``needs_rehash`` says so). Anything else, or a malformed hash, is simply False.
    """
    if not isinstance(stored_hash, str) or not isinstance(password, str):
        return False
    if stored_hash.startswith("$argon2"):
        return _argon2_verify(_current_hasher(), stored_hash, password)
    if stored_hash.startswith(WERKZEUG_PREFIXES):
        try:
            return check_password_hash(stored_hash, password)
        except (ValueError, TypeError, OverflowError):
            return False  # e.g. "scrypt:abc$..." with unparseable parameters
    return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` should be replaced by a fresh ``hash_password`` result.

    True for anything that is not argon2id with exactly the configured parameters:
    Werkzeug hashes, other argon2 variants, and argon2id made with a different cost
    (raising the cost in the config upgrades members as they log in).
    """
    if not isinstance(stored_hash, str) or not stored_hash.startswith("$argon2id$"):
        return True
    try:
        return _current_hasher().check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A real hash with the given parameters, computed once, for dummy_verify()."""
    return _hasher(time_cost, memory_cost, parallelism).hash(_DUMMY_PASSWORD)


def dummy_verify(password: str) -> None:
    """Spend the time of one real password check, and discard the result.

    Call it when a login names an email with no account: the response then takes as
    long as a wrong password would, so timing does not reveal who is a member.
    """
    params = _params()
    _argon2_verify(_hasher(*params), _dummy_hash(*params), password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password block-list (lower case), read once from common_passwords.txt.

    Lines starting with "#" are the file's header (source and license) and are skipped.
    """
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(
            entry for line in lines if (entry := line.strip()) and not line.startswith("#")
        )


def _letters(text: str) -> str:
    """``text`` lower-cased, letters only: "Sugar-Circle 1" -> "sugarcircle"."""
    return "".join(ch for ch in text.lower() if ch.isalpha())


def _guessable_forms(password: str) -> set[str]:
    """The password lower-cased and trimmed, plus the forms left when non-letters are cut
    off its end one by one, also after cutting non-letters off its start.

    "Password123!" gives {"password123!", "password123", "password12", "password1",
    "password"}, and "!!password!!" also gives "password": adding digits or a "!" to a
    common password does not make it safe.
    """
    lowered = password.strip().lower()
    start = 0
    while start < len(lowered) and not lowered[start].isalpha():
        start += 1
    forms = set()
    for text in (lowered, lowered[start:]):
        forms.add(text)
        end = len(text)
        while end > 0 and not text[end - 1].isalpha():
            end -= 1
            forms.add(text[:end].strip())
    forms.discard("")
    return forms


def _context_words(extra: Iterable[str]) -> tuple[set[str], set[str]]:
    """(raw lower-cased words, letters-only words) for the built-in, forum and caller's words.

    Each word also contributes its parts ("Ann Smith" -> "ann", "smith"), so a
    password repeating just the surname is caught too.
    """
    words = [*BUILTIN_CONTEXT_WORDS, current_app.config["FORUM_NAME"], *extra]
    raw: set[str] = set()
    letters: set[str] = set()
    for word in words:
        word = (word or "").strip().lower()
        if not word:
            continue
        raw.add(word)
        parts = "".join(ch if ch.isalpha() else " " for ch in word).split()
        letters.update(parts)
        letters.add("".join(parts))
    letters.discard("")
    return raw, letters


def _mostly_context(password: str, words: set[str]) -> bool:
    """Whether the password's letters are a context word, or mostly made of them.

    "diabetes2024!" and "Insulin-insulin" are; "I manage my diabetes with lots of
    tea" is not, because "diabetes" is only a minority of its letters.
    """
    letters = _letters(password)
    if not letters:
        return False
    if letters in words:
        return True
    covered = [False] * len(letters)
    for word in words:
        if len(word) < CONTEXT_WORD_MIN_LETTERS:
            continue
        start = letters.find(word)
        while start != -1:
            covered[start:start + len(word)] = [True] * len(word)
            start = letters.find(word, start + 1)
    return sum(covered) * 2 > len(letters)


def password_problems(password: str, *, context_words: Iterable[str] = ()) -> list[str]:
    """Friendly reasons why ``password`` is not acceptable; an empty list means it is fine.

    Rules: between PASSWORD_MIN_LENGTH and PASSWORD_MAX_LENGTH characters (Unicode
    code points; spaces and emoji welcome), not one of the commonest passwords (even
    with digits or punctuation added around it, or all spaces), and not built around a context word:
    the forum's name, diabetes words, or ``context_words`` (the caller passes the
    member's email local part and display name). No composition rules on purpose.
    """
    config = current_app.config
    min_length = int(config["PASSWORD_MIN_LENGTH"])
    max_length = int(config["PASSWORD_MAX_LENGTH"])
    if len(password) > max_length:
        # Checked first and alone: no point scanning an over-long input any further.
        return [f"Use at most {max_length} characters — a sentence that long is plenty."]

    problems = []
    if len(password) < min_length:
        problems.append(
            f"Use at least {min_length} characters — a short sentence is easy to remember."
        )
    raw_words, letter_words = _context_words(context_words)
    forms = _guessable_forms(password)
    if not password.strip() or forms & common_passwords():  # all spaces counts as common
        problems.append(COMMON_MESSAGE)
    elif forms & raw_words or _mostly_context(password, letter_words):
        problems.append(CONTEXT_MESSAGE)
    return problems
