"""The only place that turns member-written Markdown into HTML.

Pipeline: CommonMark (markdown-it-py, raw HTML off, bare URLs linkified) → nh3
allow-list sanitiser → stored ``body_html``; plus a plain-text ``body_text`` for
search and digest excerpts. No Markdown renderer is safe on its own, so the HTML
is always sanitised after rendering. Images are not allowed at all: a remote image
would leak every reader's IP address to another host, and the forum has no uploads.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

TITLE_MIN, TITLE_MAX = 5, 150
BODY_MIN, BODY_MAX = 1, 20_000

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote",
    "code", "pre", "hr", "h3", "h4", "h5", "h6", "del", "s",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener noreferrer"

# Headings inside a post are demoted so they never compete with the page's own h1/h2.
_HEADING = re.compile(r"<(/?)h([12])>")
# C0 controls and Unicode spaces inside a URL: browsers ignore some of them, so a
# link containing them is dropped (defence in depth beyond nh3's scheme check).
_SUSPICIOUS_URL = re.compile(
    r"[\x00-\x20\x7f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]"
)
# A relative href such as "&#106;avascript:..." is harmless when the browser decodes
# it once, but becomes a script URL if anything downstream decodes it again: drop it.
_SCRIPT_SCHEME = re.compile(r"[\x00-\x20]*(?:javascript|vbscript|data):", re.IGNORECASE)

_md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_md.enable(["linkify", "strikethrough"])
_md.disable("image")  # "![alt](url)" stays a plain link: no remote images


def _demote_heading(match: re.Match) -> str:
    return f"<{match.group(1)}h{int(match.group(2)) + 2}>"


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and (
        _SUSPICIOUS_URL.search(value)
        or _SCRIPT_SCHEME.match(re.sub(r"[\t\n\r]", "", html.unescape(value)))
    ):
        return None
    return value


def sanitize(rendered_html: str) -> str:
    """Clean arbitrary HTML down to the forum's allow-list."""
    return nh3.clean(
        rendered_html,
        tags=ALLOWED_TAGS,
        # "*": nh3 otherwise allows ``lang`` and ``title`` on every tag by default.
        attributes={"*": set(), **ALLOWED_ATTRIBUTES},
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )


def to_plain_text(safe_html: str) -> str:
    """Plain text of sanitised HTML, whitespace folded (for search and excerpts)."""
    stripped = nh3.clean(re.sub(r"</(p|li|blockquote|pre|h\d)>|<br>", " ", safe_html), tags=set())
    return " ".join(html.unescape(stripped).split())


def render(source: str) -> tuple[str, str]:
    """Return ``(body_html, body_text)`` for member-written Markdown ``source``."""
    source = source.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    rendered = _HEADING.sub(_demote_heading, _md.render(source))
    safe_html = sanitize(rendered)
    return safe_html, to_plain_text(safe_html)


def quote_markdown(author_name: str, source: str) -> str:
    """Markdown that quotes ``source`` as a blockquote, attributed to ``author_name``."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in source.strip().splitlines())
    return f"> **{author_name}** wrote:\n>\n{quoted}\n\n"


def excerpt(text: str, limit: int = 200) -> str:
    """Cut ``text`` to at most ``limit`` characters on a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"
