"""Static-ish pages: the "Need help now?" crisis page and the community guidelines."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from forum.pages.services import crisis_help

bp = Blueprint("pages", __name__)


@bp.get("/help")
def help():
    """What to do in a medical emergency, the region's emergency number and crisis lines,
    and what the forum can and cannot do."""
    return render_template("pages/help.html", crisis=crisis_help(current_app.config))


@bp.get("/guidelines")
def guidelines():
    """How we look after each other here."""
    return render_template("pages/guidelines.html")
