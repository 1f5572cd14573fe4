"""Full-text search over posts (Whoosh), respecting who may see what.

``init_app`` creates the app's ``Indexer`` (``app.extensions["forum.search"]``) and
registers the ``flask search`` commands. The session listeners in ``indexing`` are
registered once, on import. See README "Search" for the design.
"""

from __future__ import annotations

import logging
import re
import tempfile
import uuid
from pathlib import Path

from flask import Flask

from forum.search import indexing  # noqa: F401 - registers the session listeners
from forum.search.cli import search_cli
from forum.search.sync import Indexer
from forum.search.views import bp

__all__ = ["bp", "init_app"]

_SEARCH_QUERY = re.compile(r"(/search)\?\S*")


class RedactSearchQueries(logging.Filter):
    """Drop the query string of /search from access-log lines (search terms are
    health details). Applies to Werkzeug's development server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_SEARCH_QUERY.sub(r"\1?[redacted]", a) if isinstance(a, str)
                                else a for a in record.args)
        if isinstance(record.msg, str) and "/search?" in record.msg:
            record.msg = _SEARCH_QUERY.sub(r"\1?[redacted]", record.msg)
        return True


def index_dir(app: Flask) -> Path:
    """``SEARCH_INDEX_DIR``, else ``<instance>/search-index`` (a temporary folder in tests
    that did not choose one, so a test never touches the real instance folder)."""
    configured = app.config.get("SEARCH_INDEX_DIR")
    if configured:
        return Path(configured)
    if app.testing:
        return Path(tempfile.gettempdir()) / f"forum-search-{uuid.uuid4().hex[:12]}"
    return Path(app.instance_path) / "search-index"


def init_app(app: Flask) -> None:
    """Create the app's Indexer, register ``/search`` and ``flask search``, and keep
    search terms out of the development server's access log."""
    app.extensions["forum.search"] = Indexer(app, index_dir(app))
    app.register_blueprint(bp)
    app.cli.add_command(search_cli)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSearchQueries) for f in werkzeug.filters):
        werkzeug.addFilter(RedactSearchQueries())
