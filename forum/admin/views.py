"""Program staff pages: health dashboard, moderators and training, watched phrases."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from forum.admin import evaluation, queries, services
from forum.admin.forms import (
    CategoriesForm,
    PhraseForm,
    PhraseUpdateForm,
    ResearchExportForm,
    RoleForm,
    TrainingForm,
)
from forum.clock import utcnow
from forum.erasure import services as erasure
from forum.erasure.forms import EraseNowForm
from forum.extensions import db
from forum.forms import ConfirmForm
from forum.models import Category, User, WatchedPhrase
from forum.research.services import consenting_count
from forum.web import ID
from forum.web import me as _me

bp = Blueprint("admin", __name__, url_prefix="/admin")
@bp.before_request
@login_required
def _admins_only():
    # login_required lets OPTIONS through, anonymous users included.
    if not getattr(current_user, "is_admin", False):
        abort(403)


@bp.get("/")
def dashboard():
    """The program's health at a glance, and the programme evaluation."""
    return _render_dashboard()


def _render_dashboard(status=200, export_form=None):
    return render_template("admin/dashboard.html", stats=queries.program_stats(),
                           nudges=queries.advice_nudges(), due=queries.recertification_due(),
                           reply_weeks=queries.reply_times(), evaluation=evaluation.weekly(),
                           flag_reasons=evaluation.FLAG_REASONS,
                           flag_outcomes=evaluation.FLAG_OUTCOMES,
                           research_members=consenting_count(),
                           export_form=export_form or ResearchExportForm()), status


def _csv_response(text: str, name: str) -> Response:
    filename = f"{name}-{utcnow().date().isoformat()}.csv"
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/evaluation/weekly.csv")
def evaluation_weekly_csv():
    """The weekly evaluation figures, de-identified: counts, shares and durations only,
    counts under 5 shown as "<5"."""
    rows = evaluation.weekly_rows(evaluation.weekly())
    return _csv_response(evaluation.to_csv(evaluation.WEEKLY_COLUMNS, rows), "evaluation-weekly")


@bp.post("/evaluation/posts.csv")
def evaluation_posts_csv():
    """Consenting members' public posts of the evaluated weeks, pseudonymised; the text
    only if ticked. Audited."""
    form = ResearchExportForm()
    if not form.validate_on_submit():
        return _render_dashboard(400, export_form=form)
    header, rows = evaluation.export_posts(admin=_me(), include_text=form.include_text.data)
    db.session.commit()
    return _csv_response(evaluation.to_csv(header, rows), "evaluation-posts")


@bp.get("/people")
def people():
    """Moderators with their training, and a search for members to appoint."""
    query = (request.args.get("q") or "").strip()[:40]
    return render_template("admin/people.html", staff=queries.staff(), query=query,
                           found=queries.find_members(query) if query else [])


def _person_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _render_person(user, status=200, **forms):
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    forms.setdefault("training_form", TrainingForm())
    forms.setdefault("role_form", RoleForm(data={"role": user.role}))
    forms.setdefault("erase_form", EraseNowForm())
    cat_form = forms.setdefault(
        "categories_form", CategoriesForm(data={"categories": queries.led_category_ids(user)}))
    cat_form.categories.choices = {c.id: c.name for c in categories}
    return render_template("admin/person.html", person=user,
                           trainings=queries.trainings(user), **forms), status


@bp.get(f"/people/<{ID}:user_id>")
def person(user_id):
    """One member's moderator record: trainings, role and categories."""
    return _render_person(_person_or_404(user_id))


@bp.post(f"/people/<{ID}:user_id>/training")
def record_training(user_id):
    """Record a completed moderator training."""
    user = _person_or_404(user_id)
    form = TrainingForm()
    if not form.validate_on_submit():
        return _render_person(user, 400, training_form=form)
    services.record_training(user, admin=_me(), course_name=form.course_name.data,
                             completed_on=form.completed_on.data,
                             valid_until=form.valid_until.data, trainer=form.trainer.data,
                             notes=form.notes.data)
    db.session.commit()
    flash("Training recorded.", "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.post(f"/people/<{ID}:user_id>/role")
def set_role(user_id):
    """Appoint a trained member as moderator, or step a moderator down."""
    user = _person_or_404(user_id)
    if user.is_admin:
        abort(403)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render_person(user, 400, role_form=form)
    try:
        services.set_role(user, admin=_me(), role=form.role.data)
    except services.NoCurrentTraining:
        form.role.errors.append("Record a current moderator training first.")
        return _render_person(user, 409, role_form=form)
    db.session.commit()
    role = "peer moderator" if user.role == "moderator" else "member"
    flash(f"{user.display_name} is now a {role}.", "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.post(f"/people/<{ID}:user_id>/categories")
def set_categories(user_id):
    """Choose the categories a moderator leads."""
    user = _person_or_404(user_id)
    form = CategoriesForm()
    form.categories.choices = {c.id: c.name for c in db.session.scalars(select(Category))}
    if not form.validate_on_submit():
        return _render_person(user, 400, categories_form=form)
    services.set_categories(user, admin=_me(), category_ids=set(form.categories.data or []))
    db.session.commit()
    flash("Categories saved.", "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.post(f"/people/<{ID}:user_id>/erase")
def erase_now(user_id):
    """Erase a member's account at once, on their request (audited). Admins cannot
    erase themselves or another admin here."""
    user = _person_or_404(user_id)
    if user.is_admin or user.id == current_user.id:
        abort(403)
    if user.erased_at is not None:
        flash("This account is already erased.", "info")
        return redirect(url_for("admin.person", user_id=user.id))
    form = EraseNowForm()
    if not form.validate_on_submit():
        return _render_person(user, 400, erase_form=form)
    try:
        erasure.erase_now(user, admin=_me(), reason=form.reason.data, posts=form.posts.data)
    except erasure.AlreadyErased:
        db.session.rollback()
        flash("This account is already erased.", "info")
        return redirect(url_for("admin.person", user_id=user.id))
    db.session.commit()
    flash(f"The account is erased. It now shows as \u201c{user.display_name}\u201d.", "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/phrases", methods=["GET", "POST"])
def phrases():
    """Watched phrases: add one, or see and edit the list."""
    form = PhraseForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_phrase(admin=_me(), phrase=form.phrase.data, action=form.action.data,
                                category=form.category.data)
            db.session.commit()
            flash("Phrase added.", "success")
            return redirect(url_for("admin.phrases"))
        except services.DuplicatePhrase:
            form.phrase.errors.append("That phrase is already on the list.")
            status = 409
    elif form.is_submitted():
        status = 400
    listing = db.session.scalars(
        select(WatchedPhrase).order_by(WatchedPhrase.category, WatchedPhrase.phrase)).all()
    return render_template("admin/phrases.html", form=form, phrases=listing,
                           delete_form=ConfirmForm()), status


@bp.route(f"/phrases/<{ID}:phrase_id>", methods=["GET", "POST"])
def edit_phrase(phrase_id):
    """Change a watched phrase's action or category."""
    watched = db.session.get(WatchedPhrase, phrase_id)
    if watched is None:
        abort(404)
    form = PhraseUpdateForm(data={"action": watched.action, "category": watched.category})
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/phrase_edit.html", form=form, watched=watched), status
    services.update_phrase(watched, admin=_me(), action=form.action.data,
                           category=form.category.data)
    db.session.commit()
    flash("Phrase updated.", "success")
    return redirect(url_for("admin.phrases"))


@bp.post(f"/phrases/<{ID}:phrase_id>/delete")
def delete_phrase(phrase_id):
    """Stop watching a phrase."""
    watched = db.session.get(WatchedPhrase, phrase_id)
    if watched is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_phrase(watched, admin=_me())
    db.session.commit()
    flash("Phrase removed.", "success")
    return redirect(url_for("admin.phrases"))
