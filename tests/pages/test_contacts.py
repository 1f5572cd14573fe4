"""The regional crisis contacts file: every region there, every number sourced."""

from __future__ import annotations

import re

import pytest

from forum.pages.contacts import CONTACTS_FILE, UnknownRegion, load, region, regions

REQUIRED = ("GB", "IE", "US", "CA", "AU", "NZ", "IN")


def test_every_required_region_has_an_emergency_number_and_crisis_lines():
    shipped = regions()
    for code in REQUIRED:
        assert shipped[code].emergency and shipped[code].contacts, code


@pytest.mark.parametrize(("code", "emergency", "line"), [
    ("GB", "999", ("Samaritans", "116 123")),
    ("GB", "999", ("Shout", "85258")),
    ("IE", "112 or 999", ("Samaritans", "116 123")),
    ("IE", "112 or 999", ("50808", "50808")),
    ("US", "911", ("988 Suicide & Crisis Lifeline", "988")),
    ("CA", "911", ("9-8-8: Suicide Crisis Helpline", "988")),
    ("AU", "000", ("Lifeline", "13 11 14")),
    ("NZ", "111", ("Need to talk? 1737", "1737")),
    ("NZ", "111", ("Lifeline Aotearoa", "0800 543 354")),
    ("IN", "112", ("Tele-MANAS", "14416")),
])
def test_the_best_known_lines(code, emergency, line):
    place = region(code)
    name, number = line
    assert place.emergency == emergency
    assert any(n == name and number in detail for n, detail in place.contacts), place.contacts


def test_every_number_has_a_source_comment_naming_a_page():
    """Each `emergency` and `detail` line follows a comment block with an https:// page."""
    lines = CONTACTS_FILE.read_text(encoding="utf-8").splitlines()
    checked = 0
    for i, line in enumerate(lines):
        if not re.match(r"(emergency|detail)\s*=", line):
            continue
        comment, j = [], i - 1
        while j >= 0 and lines[j].startswith("#"):
            comment.insert(0, lines[j])
            j -= 1
        assert "https://" in " ".join(comment), f"line {i + 1} has no source: {line}"
        checked += 1
    assert checked == sum(1 + len(r.contacts) for r in regions().values())


def test_region_codes_are_read_in_any_case():
    assert region(" us ") is region("US")


def test_an_unknown_region_names_the_known_ones():
    with pytest.raises(UnknownRegion, match="GB.*US"):
        region("XX")


def test_a_region_without_crisis_lines_is_refused(tmp_path):
    path = tmp_path / "contacts.toml"
    path.write_text('[ZZ]\nname = "Nowhere"\nemergency = "123"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="ZZ"):
        load(path)
