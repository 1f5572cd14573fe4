"""Tests for forum.auth.passwords: argon2id hashing, old-hash upgrades and the policy.

Self-contained on purpose: a bare Flask app with cheap argon2 settings, no fixtures
from conftest, so the module can be tested before the rest of the app exists.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from forum.auth import passwords
from forum.auth.passwords import (
    COMMON_MESSAGE,
    CONTEXT_MESSAGE,
    dummy_verify,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)

PRODUCTION_ARGON2 = {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536, "ARGON2_PARALLELISM": 4}


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(
        ARGON2_TIME_COST=1,
        ARGON2_MEMORY_COST=1024,
        ARGON2_PARALLELISM=1,
        PASSWORD_MIN_LENGTH=12,
        PASSWORD_MAX_LENGTH=128,
        FORUM_NAME="Sugar Circle",
    )
    with app.app_context():
        yield app


def argon2_params(stored_hash: str) -> dict[str, int]:
    """{"m": ..., "t": ..., "p": ...} parsed from "$argon2id$v=19$m=..,t=..,p=..$salt$hash"."""
    params = stored_hash.split("$")[3]
    return {key: int(value) for key, value in (pair.split("=") for pair in params.split(","))}


# --- hashing -----------------------------------------------------------------------


def test_hash_is_argon2id_and_verifies(app):
    stored = hash_password("my pump beeps at 3am every night")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "my pump beeps at 3am every night")
    assert not verify_password(stored, "my pump beeps at 4am every night")


def test_case_changed_password_fails(app):
    stored = hash_password("Correct Horse Battery Staple")
    assert not verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "CORRECT HORSE BATTERY STAPLE")


def test_production_parameters_meet_owasp_minimum(app):
    app.config.update(PRODUCTION_ARGON2)
    params = argon2_params(hash_password("a perfectly good sentence"))
    assert params == {"m": 65536, "t": 3, "p": 4}
    assert params["m"] >= 19456 and params["t"] >= 2


def test_test_parameters_are_used(app):
    assert argon2_params(hash_password("a perfectly good sentence")) == {"m": 1024, "t": 1, "p": 1}


def test_hasher_is_cached_per_parameter_tuple():
    assert passwords._hasher(1, 1024, 1) is passwords._hasher(1, 1024, 1)
    assert passwords._hasher(1, 1024, 1) is not passwords._hasher(2, 1024, 1)


@pytest.mark.parametrize(
    "password",
    ["🩸🍬 sugar highs and lows 📉📈", "   spaces all around   ", "zuckerkrank & müde ☕☕☕"],
)
def test_unicode_and_spaces_accepted_and_verified_exactly(app, password):
    assert password_problems(password) == []
    stored = hash_password(password)
    assert verify_password(stored, password)
    assert not verify_password(stored, password[:-1])
    assert not verify_password(stored, password + " ")
    assert not verify_password(stored, " " + password)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "$argon2id$garbage",
        "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$",
        "$argon2id$v=19$m=1024,t=1,p=1$ü$ü",
        "$2b$12$abcdefghijklmnopqrstuv",
        "scrypt:nope$salt$hash",
        "scrypt:32768:8:1$saltonly",
        "pbkdf2:sha256:notanumber$salt$hash",
        "md5$salt$hash",
    ],
)
def test_invalid_hash_verifies_false_without_raising(app, stored):
    assert verify_password(stored, "a perfectly good sentence") is False
    assert needs_rehash(stored) is True


def test_verify_password_with_unencodable_password_is_false(app):
    stored = hash_password("a perfectly good sentence")
    assert verify_password(stored, "lone surrogate \ud800 here") is False


# --- upgrading old hashes -----------------------------------------------------------


def test_werkzeug_scrypt_hash_verifies_and_needs_rehash(app):
    old = generate_password_hash("an old scrypt password", method="scrypt:32768:8:1")
    assert old.startswith("scrypt:32768:8:1$")
    assert verify_password(old, "an old scrypt password")
    assert not verify_password(old, "An old scrypt password")
    assert needs_rehash(old)


def test_werkzeug_pbkdf2_hash_verifies_and_needs_rehash(app):
    old = generate_password_hash("an old pbkdf2 password", method="pbkdf2:sha256:1000")
    assert verify_password(old, "an old pbkdf2 password")
    assert not verify_password(old, "a different password")
    assert needs_rehash(old)


def test_fresh_hash_needs_no_rehash(app):
    assert not needs_rehash(hash_password("a perfectly good sentence"))


def test_lower_parameters_need_rehash_under_higher_ones(app):
    weak = hash_password("a perfectly good sentence")
    app.config.update(PRODUCTION_ARGON2)
    assert needs_rehash(weak)
    assert verify_password(weak, "a perfectly good sentence")  # still logs in, then upgrades
    assert not needs_rehash(hash_password("a perfectly good sentence"))


def test_argon2i_hash_needs_rehash(app):
    from argon2 import PasswordHasher, Type

    old = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.I).hash("x" * 12)
    assert verify_password(old, "x" * 12)
    assert needs_rehash(old)


# --- dummy verification ---------------------------------------------------------------


def test_dummy_verify_runs_one_argon2_verification(app, monkeypatch):
    calls = []
    real_verify = passwords._argon2_verify

    def counting_verify(hasher, stored_hash, password):
        calls.append(stored_hash)
        return real_verify(hasher, stored_hash, password)

    monkeypatch.setattr(passwords, "_argon2_verify", counting_verify)
    assert dummy_verify("whatever was typed") is None
    assert len(calls) == 1
    assert calls[0].startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_dummy_hash_follows_the_configured_parameters(app):
    app.config.update(PRODUCTION_ARGON2)
    dummy_verify("whatever was typed")
    assert argon2_params(passwords._dummy_hash(3, 65536, 4)) == {"m": 65536, "t": 3, "p": 4}


# --- policy: length -------------------------------------------------------------------


@pytest.mark.parametrize("length", [12, 15, 64, 128])
def test_lengths_in_range_accepted(app, length):
    password = ("walk the dog " * 20)[:length]
    assert len(password) == length
    assert password_problems(password) == []


@pytest.mark.parametrize("length", [0, 1, 11])
def test_too_short_refused(app, length):
    problems = password_problems("x7#Kq!m@2Zp9"[:length])
    assert "Use at least 12 characters — a short sentence is easy to remember." in problems


def test_too_long_refused(app):
    problems = password_problems(("walk the dog " * 20)[:129])
    assert len(problems) == 1 and "at most 128 characters" in problems[0]


def test_length_counts_code_points_not_bytes(app):
    assert password_problems("🍬" * 11)  # 44 bytes of UTF-8 but 11 characters
    assert password_problems("🍬" * 12) == []
    assert password_problems("é" * 128) == []


def test_minimum_length_comes_from_config(app):
    app.config["PASSWORD_MIN_LENGTH"] = 16
    assert "Use at least 16 characters" in password_problems("walk the dog!!")[0]


def test_no_composition_rules(app):
    assert password_problems("all lower case letters here") == []
    assert password_problems("8305 6612 9741") == []


# --- policy: common passwords ---------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "password123456",
        "qwertyuiop12!",
        "123456789012",
        "iloveyou1234",
        "  PASSWORD123456  ",
        "!!password!!!!",
        "2024 sunshine!!",
        "            ",
    ],
)
def test_common_passwords_refused(app, password):
    assert password_problems(password) == [COMMON_MESSAGE]


def test_short_common_password_gets_both_messages(app):
    problems = password_problems("password")
    assert len(problems) == 2 and COMMON_MESSAGE in problems


def test_common_list_has_at_least_10000_lowercase_entries():
    common = passwords.common_passwords()
    assert len(common) >= 10_000
    assert all(entry == entry.lower() == entry.strip() and entry for entry in common)
    assert not any(entry.startswith("#") for entry in common)
    assert {"123456", "password", "qwertyuiop", "iloveyou"} <= common


def test_common_list_file_names_its_source():
    header = passwords.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()[0:4]
    assert all(line.startswith("#") for line in header)
    assert "zxcvbn" in " ".join(header) and "MIT" in " ".join(header)


# --- policy: context words ------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "diabetes2024!",
        "Insulin-insulin",
        "sugarcircle123",
        "Sugar Circle 2024!",
        "2024!!diabetic!!",
        "metformin metformin",
        "glucose glucose glucose",
    ],
)
def test_context_words_refused(app, password):
    assert password_problems(password) == [CONTEXT_MESSAGE]


def test_display_name_refused_when_passed_as_context(app):
    assert password_problems("ann-the-runner", context_words=["ann-the-runner"]) == [
        CONTEXT_MESSAGE
    ]
    assert password_problems("ann-the-runner") == []


def test_email_local_part_refused_when_passed_as_context(app):
    problems = password_problems("Ann.Smith1984!", context_words=["ann.smith", "Ann"])
    assert problems == [CONTEXT_MESSAGE]


def test_forum_name_comes_from_config(app):
    app.config["FORUM_NAME"] = "Type One Together"
    assert password_problems("typeonetogether99") == [CONTEXT_MESSAGE]


@pytest.mark.parametrize(
    "password",
    [
        "my pump beeps at 3am every night",
        "I manage my diabetes with lots of tea",
        "insulin pens live in the butter tray",
    ],
)
def test_sentences_accepted(app, password):
    assert password_problems(password) == []


def test_password_itself_is_not_altered(app):
    # The checks lower-case and strip copies only; the hash is of exactly what was typed.
    stored = hash_password("  My Pump Beeps At 3AM  ")
    assert verify_password(stored, "  My Pump Beeps At 3AM  ")
    assert not verify_password(stored, "my pump beeps at 3am")
