"""Tests for forum.text: XSS corpora, Markdown vectors, link policy, plain text and helpers."""

from __future__ import annotations

import functools
import html
import json
import os
import re
from pathlib import Path

import html5lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.text import excerpt, quote_markdown, render, sanitize

CORPUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "xss"
MIN_CORPUS_VECTORS = 2_800
LINK_REL = "nofollow ugc noopener noreferrer"

# --- oracle -----------------------------------------------------------------------

FORBIDDEN_ELEMENTS = frozenset({
    "script", "iframe", "object", "embed", "svg", "math", "style", "form", "img", "input",
    "button", "textarea", "select", "link", "meta", "base", "frame", "frameset", "applet",
    "video", "audio", "source", "template", "noscript",
})
ALLOWED_ATTRIBUTES = {"a": frozenset({"href", "title", "rel"}), "ol": frozenset({"start"})}
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href"})
DANGEROUS_SCHEME = re.compile(r"(?:javascript|vbscript|data):")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_ATTRIBUTE_NAMESPACES = {
    "http://www.w3.org/1999/xlink": "xlink:",
    "http://www.w3.org/XML/1998/namespace": "xml:",
    "http://www.w3.org/2000/xmlns/": "xmlns:",
}


def _normalise_url(value: str) -> str:
    value = html.unescape(value).strip(_C0_AND_SPACE)
    return re.sub(r"[\t\n\r]", "", value).lower()


def _attribute_name(raw_name: str) -> str:
    if raw_name.startswith("{"):
        namespace, _, local = raw_name[1:].partition("}")
        return (_ATTRIBUTE_NAMESPACES.get(namespace, "") + local).lower()
    return raw_name.lower()


def _parse(fragment_html: str):
    return html5lib.parseFragment(fragment_html, treebuilder="etree", namespaceHTMLElements=False)


def unsafe_reasons(fragment_html: str) -> list[str]:
    """Why an HTML fragment is unsafe to show to other members ([] when it is safe)."""
    root = _parse(fragment_html)
    reasons = []
    for element in root.iter():
        if element is root or not isinstance(element.tag, str):
            continue  # the fragment container itself, and comments
        namespace, _, tag = element.tag.rpartition("}")
        tag = tag.lower()
        if tag in FORBIDDEN_ELEMENTS:
            reasons.append(f"forbidden element <{tag}>")
        elif namespace:
            reasons.append(f"foreign element {element.tag}")
        for raw_name, value in element.attrib.items():
            name = _attribute_name(raw_name)
            if name.startswith("on"):
                reasons.append(f"event handler {name} on <{tag}>")
            elif name == "style":
                reasons.append(f"style attribute on <{tag}>")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, ()):
                reasons.append(f"attribute {name} not allowed on <{tag}>")
            if name in URL_ATTRIBUTES and DANGEROUS_SCHEME.match(_normalise_url(value)):
                reasons.append(f"script-capable URL in {name}={value!r} on <{tag}>")
    return reasons


def _elements(fragment_html: str, tag: str) -> list:
    return [el for el in _parse(fragment_html).iter() if el.tag == tag]


@pytest.mark.parametrize(("fragment", "expected"), [
    ("<script>alert(1)</script>", "forbidden element <script>"),
    ("<img src=x>", "forbidden element <img>"),
    ("<svg><a xlink:href='javascript:alert(1)'>x</a></svg>", "xlink:href"),
    ("<math><mi>x</mi></math>", "forbidden element <math>"),
    ("<p onclick='alert(1)'>x</p>", "event handler onclick"),
    ("<p STYLE='color:red'>x</p>", "style attribute"),
    ("<p class='x'>x</p>", "attribute class not allowed"),
    ("<a href='javascript:alert(1)'>x</a>", "script-capable URL"),
    ("<a href=' &#1;JaVa&#9;Scr&#10;ipt:alert(1) '>x</a>", "script-capable URL"),
    ("<a href='&amp;#106;avascript:alert(1)'>x</a>", "script-capable URL"),
    ("<a href='VBScript:msgbox(1)'>x</a>", "script-capable URL"),
    ("<a href='data:text/html,x'>x</a>", "script-capable URL"),
    ("<form action='javascript:alert(1)'></form>", "script-capable URL"),
])
def test_unsafe_reasons_flags_known_unsafe_html(fragment, expected):
    reasons = unsafe_reasons(fragment)
    assert any(expected in reason for reason in reasons), reasons


def test_unsafe_reasons_accepts_allowed_html():
    fragment = (
        f'<h3>T</h3><p><a href="https://x.test" title="t" rel="{LINK_REL}">x</a> <!-- c --></p>'
        '<ol start="2"><li><strong>y</strong></li></ol><pre><code>z</code></pre>'
    )
    assert unsafe_reasons(fragment) == []


# --- public XSS corpora -------------------------------------------------------------


def _corpus_files() -> list[Path]:
    if not CORPUS_DIR.is_dir():
        return []
    texts = sorted(CORPUS_DIR.glob("payloadsallthethings-*.txt"))
    return [*texts, CORPUS_DIR / "dompurify-expect.json"]


CORPUS_FILES = _corpus_files()


def _corpus_missing() -> None:
    message = f"XSS corpus folder not found: {CORPUS_DIR} (expected 'shared/' beside the repo)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; it is required when CI=true")
    pytest.skip(message)


@functools.cache
def _load_vectors(path: Path) -> list[str]:
    if path.suffix == ".json":
        return [case["payload"] for case in json.loads(path.read_text(encoding="utf-8"))]
    # Split on newlines only: payloads may contain \x0b, \x1c, U+2028 ... that splitlines() cuts on.
    text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
    return [line for line in text.split("\n") if line.strip()]


def test_corpus_has_all_vectors():
    if not CORPUS_FILES:
        _corpus_missing()
    counts = {path.name: len(_load_vectors(path)) for path in CORPUS_FILES}
    assert sum(counts.values()) >= MIN_CORPUS_VECTORS, counts


@pytest.mark.parametrize(
    "path", CORPUS_FILES or [None], ids=lambda path: path.name if path else "corpus-missing",
)
def test_corpus_vectors_are_safe_through_render_and_sanitize(path):
    if path is None:
        _corpus_missing()
    vectors = _load_vectors(path)
    assert vectors, f"no vectors in {path}"
    failures = []
    for number, vector in enumerate(vectors, start=1):
        for stage, output in (("render", render(vector)[0]), ("sanitize", sanitize(vector))):
            reasons = unsafe_reasons(output)
            if reasons:
                failures.append(
                    f"#{number} {stage}({vector[:120]!r}) -> {output[:200]!r}: {reasons}"
                )
    assert not failures, (
        f"{len(failures)} unsafe outputs from {len(vectors)} vectors in {path.name}; first few:\n"
        + "\n".join(failures[:5])
    )


# --- Markdown-specific vectors -------------------------------------------------------

MARKDOWN_VECTORS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](&amp;#106;avascript:alert(1))",
    "[x](javascript&amp;colon;alert(1))",
    "[x](java&#9;script:alert(1))",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "<http://x.test>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: <javascript:alert(1)> 'title'",
    '![x](https://a.test/x.png"onerror="alert(1))',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "<img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](java\tscript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](https://x.test \"a\" onmouseover=\"alert(1)\")",
    "```\n<script>alert(1)</script>\n```",
    "`<svg onload=alert(1)>`",
]


@pytest.mark.parametrize("source", MARKDOWN_VECTORS)
def test_render_markdown_vector_is_safe(source):
    body_html, body_text = render(source)
    assert unsafe_reasons(body_html) == []
    assert unsafe_reasons(sanitize(source)) == []
    assert body_text == " ".join(body_text.split())


def test_render_drops_double_encoded_script_href():
    body_html, _ = render("[x](&amp;#106;avascript:alert(1))")
    (link,) = _elements(body_html, "a")
    assert "href" not in link.attrib


# --- link and HTML policy -------------------------------------------------------------


@pytest.mark.parametrize(("source", "href"), [
    ("[a](https://x.test)", "https://x.test"),
    ("[b](mailto:a@b.c)", "mailto:a@b.c"),
])
def test_render_keeps_allowed_links_with_rel(source, href):
    (link,) = _elements(render(source)[0], "a")
    assert link.get("href") == href
    assert link.get("rel") == LINK_REL


def test_render_drops_ftp_href():
    (link,) = _elements(render("[c](ftp://x.test)")[0], "a")
    assert "href" not in link.attrib
    assert link.text == "c"


def test_render_linkifies_bare_url():
    body_html, body_text = render("see https://example.org/page")
    (link,) = _elements(body_html, "a")
    assert link.get("href") == "https://example.org/page"
    assert link.get("rel") == LINK_REL
    assert body_text == "see https://example.org/page"


@pytest.mark.parametrize("source", [
    "[a](https://x.test)",
    "https://example.org/page",
    "<https://x.test>",
    '<a href="https://x.test" target="_blank">x</a>',
])
def test_render_and_sanitize_never_set_target(source):
    for output in (render(source)[0], sanitize(source)):
        assert all("target" not in el.attrib for el in _parse(output).iter())


def test_render_escapes_raw_html_as_text():
    body_html, body_text = render("Hi <b>bold</b> <script>alert(1)</script>")
    assert _elements(body_html, "b") == []
    assert _elements(body_html, "script") == []
    assert "&lt;b&gt;bold&lt;/b&gt;" in body_html
    assert body_text == "Hi <b>bold</b> <script>alert(1)</script>"


def test_render_produces_no_images():
    body_html, _ = render("![alt](https://evil.test/p.png)")
    assert _elements(body_html, "img") == []
    assert "<img" not in body_html


def test_sanitize_strips_generic_title_and_lang():
    assert sanitize('<b title="t" lang="en">x</b>') == "<b>x</b>"


def test_render_keeps_ordered_list_start():
    (ordered,) = _elements(render("5. five\n6. six")[0], "ol")
    assert ordered.get("start") == "5"


# --- headings, plain text, excerpt, quote ----------------------------------------------


def test_render_demotes_headings():
    body_html, _ = render("# One\n\n## Two")
    headings = _elements(body_html, "h3") + _elements(body_html, "h4")
    assert [(el.tag, el.text) for el in headings] == [("h3", "One"), ("h4", "Two")]
    assert _elements(body_html, "h1") == _elements(body_html, "h2") == []


def test_render_body_text_is_plain():
    source = "# Fish &amp; chips\n\nSome **bold**   and\n*em*\n\n> quoted\n\n1. one\n2. two"
    _, body_text = render(source)
    assert body_text == "Fish & chips Some bold and em quoted one two"


def test_excerpt_cuts_on_word_boundary_with_ellipsis():
    text = "alpha beta gamma delta epsilon"
    result = excerpt(text, 15)
    assert result == "alpha beta…"
    assert len(result) <= 15


def test_excerpt_returns_short_text_unchanged():
    assert excerpt("short text", 200) == "short text"
    assert excerpt("exactly ten", 11) == "exactly ten"


def test_excerpt_cuts_single_long_word():
    assert excerpt("x" * 50, 10) == "x" * 9 + "…"


@settings(deadline=None, database=None)
@given(st.text(alphabet=" \n\tab,.;:é", max_size=300), st.integers(min_value=1, max_value=250))
def test_excerpt_property_respects_limit(text, limit):
    folded = " ".join(text.split())
    result = excerpt(text, limit)
    assert len(result) <= limit
    if len(folded) <= limit:
        assert result == folded
    else:
        assert result.endswith("…")
        assert folded.startswith(result[:-1])


def test_quote_markdown_renders_blockquote_with_author():
    body_html, body_text = render(quote_markdown("Ann Lee", "First line\n\nSecond *line*"))
    (quote,) = _elements(body_html, "blockquote")
    assert [el.text for el in quote.iter("strong")] == ["Ann Lee"]
    assert body_text == "Ann Lee wrote: First line Second line"


def test_quote_markdown_of_hostile_input_is_safe():
    source = quote_markdown(
        "<img src=x onerror=alert(1)>", "<script>alert(1)</script>\n[x](javascript:alert(1))"
    )
    assert unsafe_reasons(render(source)[0]) == []


# --- property test -------------------------------------------------------------------

_ALPHABET = "<>\"'=/&;:#()[]!`* \n\tabcdijpstvx01\x00\x01"
_FRAGMENTS = [
    "<", ">", "</", "\"", "'", "=", "/", "&", ";", ":", "script", "javascript", "vbscript", "data",
    "on", "onerror", "img", "svg", "iframe", "a", "href", "src", "style", "&#106;", "&colon;",
    "&amp;", "&#x09;", "[x](", "](", ")", "![", "<http://", "https://x.test", "mailto:",
    "alert(1)", "\n\n", "    ", "> ", "# ", "`", "```\n", "\r",
]
_HTML_HEAVY = st.lists(
    st.one_of(st.text(alphabet=_ALPHABET, max_size=6), st.sampled_from(_FRAGMENTS)), max_size=40,
).map("".join)


@settings(deadline=None, database=None)
@given(_HTML_HEAVY)
def test_render_property_output_is_safe_and_sanitize_is_idempotent(source):
    body_html = render(source)[0].replace("\r", "\n")
    assert unsafe_reasons(body_html) == []
    once = sanitize(body_html)
    assert sanitize(once) == once
