"""Finding quotes and @mentions in a post's Markdown (forum.notifications.mentions)."""

from __future__ import annotations

from forum.notifications.mentions import MAX_PEOPLE, find, resolve
from forum.text import quote_markdown

MEMBERS = {"ann": 1, "ann author": 2, "bob o'neill": 3, "dan": 4, "j.r. smith": 5}


def mentioned(source: str) -> list[int]:
    return resolve(find(source), MEMBERS)[1]


def test_the_longest_name_that_is_a_member_wins():
    assert mentioned("Thanks @Ann Author for this") == [2]
    assert mentioned("Thanks @ann, and @ANN   author!") == [1, 2]
    assert mentioned("@Bob O'Neill's idea") == []  # no such name
    assert mentioned("@Bob O'Neill, yes") == [3]
    assert mentioned("ask @J.R. Smith.") == [5]


def test_what_is_not_a_mention():
    assert mentioned("mail ann@dan or @ alone or @@dan") == []
    assert mentioned("> @dan said this in a quote") == []


def test_a_quote_made_by_the_quote_button_is_found_and_beats_a_mention():
    source = (quote_markdown("Ann Author", "Hello @dan\n\nsecond line")
              + "Yes @Ann Author, and @Dan.")
    quoted, names = resolve(find(source), MEMBERS)
    assert quoted == [2] and names == [4]  # dan mentioned by the reply, not by the quote


def test_people_named_per_post_are_capped():
    many = {f"member {n}": n for n in range(1, 50)}
    source = " ".join(f"@member {n}," for n in range(1, 50))
    assert len(resolve(find(source), many)[1]) == MAX_PEOPLE
