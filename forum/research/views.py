"""``/settings/research``: the consent text, the member's status, agree and withdraw."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import login_required

from forum.extensions import db
from forum.research import consent, services
from forum.research.forms import AgreeForm, WithdrawForm
from forum.web import me

bp = Blueprint("research", __name__, url_prefix="/settings/research")


def _render(status: int = 200):
    mine = services.status(me())
    return render_template(
        "research/settings.html", version=consent.current(), status=mine,
        agreed_to=consent.by_id(mine.version) if mine.version else None,
        changes=consent.changes_since(mine.version) if mine.granted else [],
        operator=current_app.config["OPERATOR_NAME"],
        contact=current_app.config["OPERATOR_CONTACT"],
        agree_form=AgreeForm(), withdraw_form=WithdrawForm()), status


@bp.get("")
@login_required
def settings():
    """The current consent text and whether the member takes part."""
    return _render()


@bp.post("/agree")
@login_required
def agree():
    """Agree to the current text (a new ledger row)."""
    if not AgreeForm().validate_on_submit():
        return _render(400)
    row = services.grant(me())
    db.session.commit()
    flash("Thank you: your public posts can now be included, without your name, in the "
          "programme's research files." if row else
          "You had already agreed to this version: nothing has changed.", "success")
    return redirect(url_for("research.settings"))


@bp.post("/withdraw")
@login_required
def withdraw():
    """Withdraw (a new ledger row): in force for the very next export."""
    if not WithdrawForm().validate_on_submit():
        return _render(400)
    row = services.withdraw(me())
    db.session.commit()
    flash("You have withdrawn: your posts are left out of every research file from now on."
          if row else "You had not agreed, so there was nothing to withdraw.", "success")
    return redirect(url_for("research.settings"))
