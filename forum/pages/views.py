"""Static-ish pages: the "Need help now?" crisis page and the community guidelines."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/help")
def help():
    """Crisis contacts (configurable) and what the forum can and cannot do."""
    return render_template(
        "pages/help.html",
        crisis_text=current_app.config["CRISIS_TEXT"],
        contacts=current_app.config["CRISIS_CONTACTS"],
    )


@bp.get("/guidelines")
def guidelines():
    """How we look after each other here."""
    return render_template("pages/guidelines.html")
