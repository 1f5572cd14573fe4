"""The digest as ``flask digest send`` writes it (``DigestWriter``, the fast path) is the
same message as the general path (``build_digest_email``): same headers, same parts."""

from __future__ import annotations

import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from forum.email import QPBody, RawMessage, qp_encode
from forum.extensions import db
from forum.models import User
from tests.helpers import new_thread, parse_strict

VARYING = {"Date", "Message-ID", "Content-Type"}  # the boundary differs too


def _both(app, subscription_id: int):
    from forum.clock import utcnow
    from forum.digest.content import Selections
    from forum.digest.emails import DigestWriter, build_digest_email, load_recipient
    from forum.digest.schedule import Schedule, latest_ended_period

    with app.app_context():
        period = latest_ended_period(Schedule.from_config(app.config), utcnow())
        recipient = load_recipient(subscription_id)
        digest = Selections(period).compose(recipient)
        fast = DigestWriter().message(recipient, digest)
        assert isinstance(fast, RawMessage)  # the fast path, not its fallback
        slow = build_digest_email(recipient, digest)
        return parse_strict(fast.as_bytes()), parse_strict(slow.as_bytes()), fast


def _same(fast, slow) -> None:
    assert not fast.defects and all(not part.defects for part in fast.walk())
    assert fast.get_content_type() == slow.get_content_type() == "multipart/alternative"
    fast_headers = [(k, str(v)) for k, v in fast.items() if k not in VARYING]
    slow_headers = [(k, str(v)) for k, v in slow.items() if k not in VARYING]
    assert sorted(fast_headers) == sorted(slow_headers)
    fast_parts, slow_parts = list(fast.iter_parts()), list(slow.iter_parts())
    assert [p.get_content_type() for p in fast_parts] == ["text/plain", "text/html"]
    for mine, theirs in zip(fast_parts, slow_parts, strict=True):
        assert mine.get_content() == theirs.get_content()
        assert mine["Content-Transfer-Encoding"] == "quoted-printable"


@pytest.mark.parametrize("who", ["reader", "mod", "guest"])
def test_fast_path_equals_general_path(app, world, who):
    fast, slow, raw = _both(app, world.subs[who])
    _same(fast, slow)
    assert max(len(line) for line in raw.as_bytes().split(b"\r\n")) <= 998
    assert raw.as_bytes().endswith(b"--\r\n")


def _reader_renamed(app, world, name: str):
    """The reader's fast and general digests after renaming them to ``name``."""
    with app.app_context():
        db.session.execute(update(User).where(User.id == world.ids["reader"])
                           .values(display_name=name))
        db.session.commit()
    fast, slow, _raw = _both(app, world.subs["reader"])
    _same(fast, slow)
    return fast


def test_names_and_titles_that_need_escaping_or_encoding(app, world):
    new_thread(app, category_id=world.general_id,
               title='<b>"Hypo" & ünïcødé</b> = 5 mmol/l' + " long" * 20)
    fast = _reader_renamed(app, world, "Zoë <O'Neil> & \"co\"")
    html = fast.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;&#34;Hypo&#34; &amp; ünïcødé&lt;/b&gt; = 5 mmol/l long" in html
    assert '<b>"Hypo"' not in html
    html = fast.get_body(preferencelist=("html",)).get_content()
    assert "Hello Zoë &lt;O&#39;Neil&gt; &amp; &#34;co&#34;," in html
    assert "Hello Zoë <O'Neil> & \"co\"," in fast.get_body(preferencelist=("plain",)).get_content()


def test_a_member_without_a_display_name_is_greeted_plainly(app, world):
    fast = _reader_renamed(app, world, "")
    assert fast.get_body(preferencelist=("plain",)).get_content().startswith("Hello,\r\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120),
                max_size=8),
       st.sampled_from(["", "Rita", "Zoë & co", " trailing  "]))
def test_qp_body_fill_is_encoding_the_filled_text(lines, name):
    text = "\n".join(lines + ["Hello MARK,", "link LINK end", *lines[:2]])
    values = {"MARK": name, "LINK": "https://forum.test/digest/unsubscribe/abc.def"}
    filled = text
    for mark, value in values.items():
        filled = filled.replace(mark, value)
    assert QPBody(text, tuple(values)).fill(values) == qp_encode(filled)
    assert binascii.a2b_qp(qp_encode(filled)).decode("utf-8") == \
        filled.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
