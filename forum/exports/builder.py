"""Writing one member's ZIP: ``data.json`` and a readable ``index.html`` of the same.

Both files are streamed straight into the archive: the JSON one list item at a time,
the HTML through Jinja's ``generate()``, each reading its sections afresh in chunks
(``forum.exports.data``). Nothing holds the whole export in memory, so a member with
10,000 posts costs what one chunk costs (``bench/export.py``).

``index.html`` is self-contained: one ``<style>`` block, no scripts, no images, no
links anywhere but to its own headings, and every value escaped by Jinja's autoescape.
Its template lives in this package (``forum/exports/templates/``), not in the site's
``templates/``, because it is a file for the member's own disk, not a page the site
serves under its Content-Security-Policy.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import jinja2
from flask import current_app

from forum.exports import data

_env: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    """The export's own Jinja environment: autoescape on for everything."""
    global _env
    if _env is None:
        _env = jinja2.Environment(
            loader=jinja2.PackageLoader("forum.exports", "templates"),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined)
        _env.filters["when"] = _when
        _env.filters["label"] = lambda name: data.LABELS.get(
            name, name.replace("_", " ").capitalize())
    return _env


def _when(value: str | None) -> str:
    """An ISO timestamp from data.py as "2 Nov 2026, 09:00 UTC" ("—" for none)."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


# One list item per line, compact: ``indent`` would switch ``json`` to its pure-Python
# encoder, three times slower for 10,000 posts (index.html is the readable copy).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "),
                           default=_json_default).encode


def _dump(value) -> str:
    return _encode(value)


def write_json(user_id: int, out: BinaryIO) -> None:
    """``data.json``: one object; each list is written item by item as it is read."""
    forum_name = current_app.config["FORUM_NAME"]
    with io.TextIOWrapper(out, encoding="utf-8", newline="\n") as text:
        text.write('{\n  "about": ' + _dump(data.about(user_id, forum_name)))
        for key, _title, record in data.RECORDS:
            text.write(f',\n  "{key}": ' + _dump(record(user_id)))
        for section in data.LISTS:
            text.write(f',\n  "{section.key}": [')
            first = True
            for item in section.rows(user_id):
                text.write(("\n    " if first else ",\n    ") + _dump(item))
                first = False
            text.write("]" if first else "\n  ]")
        text.write("\n}\n")


def write_html(user_id: int, out: BinaryIO) -> None:
    """``index.html``: the same sections, as a page a person can read offline."""
    forum_name = current_app.config["FORUM_NAME"]
    template = _environment().get_template("index.html")
    stream = template.generate(
        forum_name=forum_name, about=data.about(user_id, forum_name),
        records=[(key, title, record(user_id)) for key, title, record in data.RECORDS],
        sections=[(section, section.rows(user_id)) for section in data.LISTS])
    with io.TextIOWrapper(out, encoding="utf-8", newline="\n") as text:
        buffer: list[str] = []
        size = 0
        for piece in stream:
            buffer.append(piece)
            size += len(piece)
            if size >= 64 * 1024:
                text.write("".join(buffer))
                buffer, size = [], 0
        text.write("".join(buffer))


def build(user_id: int, path: Path) -> int:
    """Write ``user_id``'s export to ``path`` (via a temporary name in the same folder,
    renamed when complete, so a half-written file is never offered); its size in bytes."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = partial_path(path)
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, \
                zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED,
                                compresslevel=1) as archive:
            with archive.open("data.json", "w", force_zip64=True) as entry:
                write_json(user_id, entry)
            with archive.open("index.html", "w", force_zip64=True) as entry:
                write_html(user_id, entry)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path.stat().st_size


def partial_path(path: Path) -> Path:
    """Where ``path`` is written before it is complete."""
    return path.with_name(f".{path.name}.partial")


def final_name(file_name: str) -> str:
    """The export a file in the folder belongs to: ``file_name`` itself, or the name a
    partial file will be renamed to."""
    if file_name.startswith(".") and file_name.endswith(".partial"):
        return file_name[1:-len(".partial")]
    return file_name
