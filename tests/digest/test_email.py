"""The digest email as a real SMTP server receives it: headers, MIME, links, line lengths."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from forum.extensions import db
from forum.models import DigestDelivery, Thread
from tests.helpers import SEND_TIME, body_text, new_thread, parse_strict, send, summary_of


def _raw_for(mailbox, address: str) -> bytes:
    matches = [raw for raw in mailbox.raw if address.encode() in raw.split(b"\r\n\r\n")[0]]
    assert len(matches) == 1, f"{len(matches)} messages for {address}"
    return matches[0]


def test_headers_and_mime_structure(app, runner, world, mailbox):
    result = send(runner)
    assert result.exit_code == 0, result.output
    raw = _raw_for(mailbox, "reader@example.test")
    message = parse_strict(raw)

    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == \
        ["text/plain", "text/html"]
    assert all(not part.defects for part in message.walk()) and not message.defects
    assert message["Subject"] == "Your weekly digest: 1 new conversation"
    assert str(message["From"]) == "Sugar Circle <no-reply@forum.test>"
    assert message["From"].addresses[0].display_name == "Sugar Circle"
    assert message["To"] == "reader@example.test"
    assert parsedate_to_datetime(message["Date"]) == SEND_TIME
    assert re.fullmatch(r"<[^<>@\s]+@forum\.test>", message["Message-ID"])
    assert message["List-Id"] == "Sugar Circle weekly digest <digest.forum.test>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https://forum\.test/digest/unsubscribe/[\w.-]+>",
                        message["List-Unsubscribe"])
    # The raw header is plain ASCII, not RFC 2047 encoded words mail providers can't use.
    raw_headers = raw.split(b"\r\n\r\n")[0]
    assert b"List-Unsubscribe: <https://forum.test/digest/unsubscribe/" in raw_headers
    assert b"=?" not in raw_headers
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    for part in message.iter_parts():
        assert part["Content-Transfer-Encoding"] == "quoted-printable"


def test_body_has_items_links_unsubscribe_and_why(app, runner, world, mailbox):
    send(runner)
    message = parse_strict(_raw_for(mailbox, "reader@example.test"))
    text = body_text(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    thread_url = f"https://forum.test/t/{world.thread_id}"
    assert "Night-time hypos" in text and thread_url in text
    assert "Does anyone else wake up low after exercise?" in text
    assert "General chat" in text and "0 replies" in text
    assert "Why you receive this" in text and "Why you receive this" in html
    unsubscribe = re.search(r"<(https://[^>]+)>", str(message["List-Unsubscribe"])).group(1)
    assert unsubscribe in text and f'href="{unsubscribe}"' in html
    assert f'href="{thread_url}"' in html
    # Every link is absolute; nothing is loaded from anywhere; no tracking.
    assert not re.search(r'href="(?!https://forum\.test/)', html)
    assert "<img" not in html and "src=" not in html and "<script" not in html
    assert "<link" not in html and "url(" not in html
    sizes = [int(size) for size in re.findall(r"font-size:(\d+)px", html)]
    assert sizes and min(sizes) >= 16


def test_mailto_unsubscribe_when_configured(app, runner, world, mailbox):
    app.config["DIGEST_MAILTO_UNSUBSCRIBE"] = "unsubscribe@forum.test"
    send(runner)
    raw = _raw_for(mailbox, "reader@example.test")
    header = parse_strict(raw)["List-Unsubscribe"]
    https, mailto = [uri.strip() for uri in str(header).split(",")]
    assert https.startswith("<https://forum.test/digest/unsubscribe/")
    assert re.fullmatch(r"<mailto:unsubscribe@forum\.test\?subject=unsubscribe%20[\w.-]+>", mailto)


def test_subject_never_carries_post_content(app, runner, world, mailbox):
    send(runner)
    for raw in mailbox.raw:
        subject = parse_strict(raw)["Subject"]
        assert subject.startswith("Your weekly digest: ")
        assert "hypos" not in subject.lower()


def test_crlf_in_a_title_never_reaches_a_header(app, runner, world, mailbox):
    with app.app_context():
        thread = db.session.get(Thread, world.thread_id)
        thread.title = "Hi\r\nBcc: evil@example.test\r\nSubject: pwned"
        db.session.commit()
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert all("evil@example.test" not in envelope.rcpt_tos for envelope in mailbox.envelopes)
    for raw in mailbox.raw:
        message = parse_strict(raw)
        assert message["Bcc"] is None and "pwned" not in message["Subject"]
        assert "Hi Bcc: evil@example.test Subject: pwned" in body_text(message)
    assert len(mailbox.raw) == 3


def test_very_long_lines_are_encoded_within_998_octets(app, runner, world, mailbox):
    new_thread(app, category_id=world.general_id, title="W" * 150,
               body="x" * 5000 + " " + "é" * 3000)
    send(runner)
    for raw in mailbox.raw:
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        message = parse_strict(raw)
        assert not any(part.defects for part in message.walk())
        assert "W" * 150 in body_text(message)


def test_excerpt_is_plain_text_cut_on_a_word(app, runner, world, mailbox):
    words = " ".join(f"word{n}" for n in range(100))
    new_thread(app, category_id=world.general_id, title="A long opening post",
               body=f"**Bold** and <b>tags</b> then {words}")
    send(runner)
    message = parse_strict(_raw_for(mailbox, "guest@example.test"))
    line = next(line.strip() for line in body_text(message).splitlines() if "Bold and" in line)
    # Markdown is rendered to text; raw HTML in a post is text, shown escaped in the HTML part.
    assert line.startswith("Bold and <b>tags</b> then word0")
    assert len(line) <= 200 and line.endswith("…")
    assert re.search(r"word\d+…$", line)  # whole words only
    assert "**" not in line
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Bold and &lt;b&gt;tags&lt;/b&gt; then" in html


def test_one_connection_for_all_messages(app, runner, world, mailbox):
    result = send(runner)
    assert summary_of(result.output)["sent"] == "3"
    assert len(mailbox.raw) == 3
    assert len(set(mailbox.peers)) == 1


def test_a_dropped_connection_is_reopened(app, runner, world, mailbox):
    mailbox.data["mod@example.test"] = ["421 4.3.2 Service shutting down"]
    result = send(runner)
    assert summary_of(result.output)["sent"] == "3", result.output
    assert sorted(m["To"] for m in mailbox.messages) == \
        ["guest@example.test", "mod@example.test", "reader@example.test"]
    assert len(set(mailbox.peers)) == 2


def test_outbox_transport_writes_the_same_message(app, runner, world, tmp_path):
    app.config["MAIL_SERVER"] = None
    result = send(runner)
    assert summary_of(result.output)["sent"] == "3", result.output
    files = sorted((tmp_path / "outbox").glob("*-digest-*.eml"))
    assert len(files) == 3
    for path in files:
        raw = path.read_bytes()
        message = parse_strict(raw)
        assert message.get_content_type() == "multipart/alternative"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    with app.app_context():
        assert set(db.session.scalars(select(DigestDelivery.status))) == {"sent"}
