"""Helpers shared by the auth and accounts tests: form errors, links and email checks."""

from __future__ import annotations

import email
import email.policy
import re
from email.utils import parseaddr
from html.parser import HTMLParser
from urllib.parse import urlsplit


def path_of(url: str) -> str:
    """The path and query of an absolute link, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Page(HTMLParser):
    """Form inputs by name and the text of every element with an id."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}

    def __init__(self, html: bytes | str):
        super().__init__()
        self.inputs: dict[str, dict] = {}
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html.decode() if isinstance(html, bytes) else html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and "name" in attrs:
            self.inputs[attrs["name"]] = attrs
        if tag in self.VOID:
            return
        self._open.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self.text_by_id[attrs["id"]] = ""

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data


def field_error(resp, name: str) -> str:
    """The error text that the input ``name`` points to with aria-describedby."""
    page = Page(resp.data)
    described = page.inputs[name].get("aria-describedby", "").split()
    errors = [i for i in described if i.endswith("-error")]
    assert errors, f"{name} has no error in aria-describedby={described}"
    assert page.inputs[name].get("aria-invalid") == "true"
    return " ".join(page.text_by_id[i] for i in errors).strip()


def assert_well_formed(raw: bytes) -> email.message.EmailMessage:
    """RFC 5322 basics that every account email must meet."""
    for line in raw.split(b"\n"):
        assert len(line.rstrip(b"\r")) <= 998
    message = email.message_from_bytes(raw, policy=email.policy.strict)
    for part in message.walk():
        assert not part.defects, part.defects
        for name, value in part.items():
            assert not getattr(value, "defects", ()), (name, value.defects)
    assert message["Date"] and message["Message-ID"]
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message["Message-ID"].strip())
    display_name, address = parseaddr(str(message["From"]))
    assert display_name and "@" in address
    subject = str(message["Subject"])
    assert subject and "\r" not in subject and "\n" not in subject
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None
    return message
