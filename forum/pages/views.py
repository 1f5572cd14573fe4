"""Static-ish pages: the "Need help now?" crisis page, the community guidelines, the
privacy page, and ``/robots.txt``."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from forum.auth.tokens import UNDO_EMAIL_CHANGE_DAYS
from forum.pages.services import crisis_help, robots_txt
from forum.security import allow_indexing

bp = Blueprint("pages", __name__)


@bp.get("/help")
def help():
    """What to do in a medical emergency, the region's emergency number and crisis lines,
    and what the forum can and cannot do."""
    allow_indexing()
    return render_template("pages/help.html", crisis=crisis_help(current_app.config))


@bp.get("/guidelines")
def guidelines():
    """How we look after each other here."""
    allow_indexing()
    return render_template("pages/guidelines.html")


@bp.get("/privacy")
def privacy():
    """What we store about members, why, for how long, who sees it, and how to take it
    away or delete it; the retention periods come from config, so the page is never
    out of date."""
    allow_indexing()
    return render_template("pages/privacy.html", undo_days=UNDO_EMAIL_CHANGE_DAYS)


@bp.get("/robots.txt")
def robots():
    """What crawlers may fetch, consistent with ``SEARCH_ENGINES`` (forum.security)."""
    return current_app.response_class(robots_txt(current_app.config["SEARCH_ENGINES"]),
                                      mimetype="text/plain")
