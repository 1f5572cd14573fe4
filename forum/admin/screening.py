"""The crisis-screening rules page: read the shipped rules, add your own, try them on a
sample. Registered on the admin blueprint (admins only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from forum.admin.forms import ScreeningRulesForm
from forum.admin.views import bp
from forum.extensions import db
from forum.moderation.screening import assess, custom
from forum.moderation.screening.rules import RulesError, shipped_rules_text
from forum.web import me as _me


@bp.route("/screening", methods=["GET", "POST"])
def screening():
    """Show the rules in force; "Try" screens a sample with the draft additions, "Save"
    stores them as a new version (validated, audited)."""
    current = custom.current_version()
    form = ScreeningRulesForm(data={"additions": current.additions if current else ""})
    result, status = None, 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        elif form.save.data:
            try:
                custom.save_additions(form.additions.data or "", admin=_me(),
                                      note=form.note.data or "")
                db.session.commit()
                flash("Screening rules saved: they apply to the next post.", "success")
                return redirect(url_for("admin.screening"))
            except RulesError as error:
                form.additions.errors.append(f"Not saved: {error}")
                status = 400
        else:
            try:
                result = assess(form.sample.data or "",
                                custom.check_additions(form.additions.data or ""))
            except RulesError as error:
                form.additions.errors.append(str(error))
                status = 400
    return render_template(
        "admin/screening.html", form=form, result=result, current=current,
        history=custom.history(), problem=custom.problem_with_current(),
        rules=custom.active_rules().rules, shipped=shipped_rules_text()), status
