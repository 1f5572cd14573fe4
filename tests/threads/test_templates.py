"""Static checks on every template: raw HTML only from the sanitiser's ``body_html`` fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HTML_TEMPLATES = sorted(TEMPLATES.rglob("*.html"))

# ``|safe`` is allowed only directly on a ``.body_html`` attribute (rendered by forum.text).
SAFE_FILTER = re.compile(r"\|\s*safe\b")
ALLOWED_SAFE = re.compile(r"\b\w+\.body_html\s*\|\s*safe\b")
MARKUP = re.compile(r"\bMarkup\s*\(")
AUTOESCAPE_OFF = re.compile(r"autoescape\s+(false|False|0|none|None)\b")


def _relative(path: Path) -> str:
    return str(path.relative_to(TEMPLATES))


def test_templates_are_found():
    assert len(HTML_TEMPLATES) >= 10
    assert TEMPLATES / "threads" / "_post.html" in HTML_TEMPLATES


@pytest.mark.parametrize("path", HTML_TEMPLATES, ids=_relative)
def test_template_marks_only_body_html_safe(path):
    source = path.read_text(encoding="utf-8")

    uses = len(SAFE_FILTER.findall(source))
    allowed = len(ALLOWED_SAFE.findall(source))

    assert uses == allowed, f"{_relative(path)} uses |safe on something other than .body_html"


@pytest.mark.parametrize("path", HTML_TEMPLATES, ids=_relative)
def test_template_never_builds_markup_or_turns_autoescape_off(path):
    source = path.read_text(encoding="utf-8")

    assert not MARKUP.search(source), _relative(path)
    assert not AUTOESCAPE_OFF.search(source), _relative(path)


@pytest.mark.parametrize("snippet, ok", [
    ("{{ post.body_html|safe }}", True),
    ("{{ post.body_html | safe }}", True),
    ("{{ post.title|safe }}", False),
    ("{{ post.body_html_raw|safe }}", False),
    ("{{ user.bio | safe }}", False),
])
def test_safe_filter_check_itself(snippet, ok):
    assert (len(SAFE_FILTER.findall(snippet)) == len(ALLOWED_SAFE.findall(snippet))) is ok
