"""``/settings/export``: ask for a copy of one's data, see how it is going, download it
once; and the last logins, to spot one that was not you."""

from __future__ import annotations

import logging
import os

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from forum.auth import passwords
from forum.auth.login_history import recent_logins
from forum.exports import services
from forum.exports.forms import DownloadForm, RequestExportForm
from forum.extensions import db, limiter
from forum.web import me

log = logging.getLogger(__name__)

bp = Blueprint("exports", __name__, url_prefix="/settings/export")


def _per_member() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"


def _render(status: int = 200, *, message: str | None = None,
            request_form: RequestExportForm | None = None):
    export = services.latest(me())
    state = services.state(export)
    download_form = None
    if state == "ready":
        download_form = DownloadForm(
            data={"token": services.token_for(export.id, export.file_name)})
    page = render_template("exports/export.html", export=export, state=state,
                           request_form=request_form or RequestExportForm(),
                           download_form=download_form,
                           logins=recent_logins(me()), message=message,
                           link_days=current_app.config["EXPORT_LINK_DAYS"])
    return page, status


@bp.get("")
@login_required
def page():
    """How the member's export stands, the button to ask for one, and recent logins."""
    return _render()


@bp.post("")
@login_required
@limiter.limit(lambda: current_app.config.get("RATELIMIT_EXPORT", "5 per day"),
               key_func=_per_member, scope="export-request")
def request_export():
    """Ask for a new export (one at a time); the job builds it and emails the member."""
    form = RequestExportForm()
    if not form.validate_on_submit():
        return _render(400, request_form=form)
    if not passwords.verify_password(me().password_hash, form.password.data):
        form.password.errors.append("That is not your password.")
        return _render(400, request_form=form)
    try:
        services.request_export(me())
    except services.AlreadyPending:
        db.session.rollback()
        return _render(409, message="We're already preparing your data. We'll email you "
                                    "when it's ready, usually within a few minutes.")
    db.session.commit()
    flash("We're preparing your data. We'll email you when it's ready to download, "
          "usually within a few minutes.", "success")
    return redirect(url_for("exports.page"))


@bp.post("/download")
def download():
    """Download a ready export once. Only its owner, logged in, gets it: anyone else,
    visitors included, gets a 404 whatever token they send."""
    if not current_user.is_authenticated:
        abort(404)
    form = DownloadForm()
    if not form.validate_on_submit():
        abort(404)
    try:
        path = services.take_download(me(), form.token.data)
    except LookupError:
        db.session.rollback()
        abort(404)
    except services.Gone as gone:
        db.session.rollback()
        return render_template("exports/gone.html", reason=gone.reason), 410
    try:
        handle = open(path, "rb")  # noqa: SIM115 (send_file closes it)
    except FileNotFoundError:
        db.session.rollback()
        log.warning("export file missing at download")
        return render_template("exports/gone.html", reason="missing"), 410
    db.session.commit()
    # The file is deleted now; the open handle still reads it to the end. If the delete
    # fails, the next `flask exports run` deletes it (no export names it any more).
    try:
        os.unlink(path)
    except OSError as error:
        log.warning("export file not deleted at download: %s", type(error).__name__)
    name = f"{current_app.config['FORUM_NAME']}-my-data.zip".replace(" ", "-").lower()
    response = send_file(handle, mimetype="application/zip", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
