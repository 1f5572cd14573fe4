"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request

from forum import permissions
from forum.clock import utcnow
from forum.models import REACTION_KINDS


def format_date(value: datetime | None) -> str:
    """'26 Nov 2026' (dates are UTC; the <time> element carries the exact instant)."""
    return "" if value is None else f"{value.day} {value:%b %Y}"


def format_datetime(value: datetime | None) -> str:
    return "" if value is None else f"{value.day} {value:%b %Y, %H:%M} UTC"


def time_ago(value: datetime | None) -> str:
    """A short relative time: 'just now', '5 minutes ago', '3 days ago', else the date."""
    if value is None:
        return ""
    seconds = (utcnow() - value).total_seconds()
    for limit, size, unit in ((60, 0, ""), (3600, 60, "minute"), (86400, 3600, "hour"),
                              (86400 * 14, 86400, "day")):
        if seconds < limit:
            if not size:
                return "just now"
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return format_date(value)


def _page_url(page: int) -> str:
    """This page's URL with another ``page``: the query string is kept, except what
    ``url_for`` would read as its own options (``_method``, ``_external``, ...) or as
    the route's values (which come from the route, never from the query string)."""
    from flask import url_for

    route = request.view_args or {}
    args = {key: value for key, value in request.args.items()
            if not key.startswith("_") and key not in route and key != "page"}
    return url_for(request.endpoint, **args, **route, page=page)


def init_app(app) -> None:
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, ago=time_ago)
    app.jinja_env.globals.update(permissions.TEMPLATE_HELPERS)
    app.jinja_env.globals.update(page_url=_page_url, REACTION_KINDS=REACTION_KINDS)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def forum_context():
        return {"forum_name": current_app.config["FORUM_NAME"], "today": utcnow().date()}
