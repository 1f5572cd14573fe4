"""``/settings/delete``: a member asks for their account to be deleted; and the login
listener that cancels a pending request."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from forum import ratelimits
from forum.auth import passwords
from forum.erasure import services
from forum.erasure.forms import DeleteAccountForm
from forum.extensions import db
from forum.web import me

bp = Blueprint("erasure", __name__, url_prefix="/settings")


def _render(form: DeleteAccountForm, status: int = 200):
    return render_template("erasure/delete.html", form=form,
                           grace_days=_grace_days()), status


def _grace_days() -> int:
    from flask import current_app

    return int(current_app.config["ERASURE_GRACE_DAYS"])


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@ratelimits.login_limit()  # it checks a password: as guessable as the login form
def delete_account():
    """GET: what deleting the account means, the choice for posts and the password.
    POST: schedule the erasure after the grace period and log out everywhere."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _render(form, 400 if form.is_submitted() else 200)
    if not passwords.verify_password(current_user.password_hash, form.password.data):
        form.password.errors.append("That is not your password.")
        return _render(form, 400)
    user = me()
    services.request_deletion(user, posts=form.posts.data)
    when = services.erase_on(user)
    db.session.commit()
    logout_user()
    flash(f"Your account will be deleted on {when:%d %B %Y}. We have emailed you. "
          "Changed your mind? Log in before then and nothing will be deleted.", "info")
    return redirect(url_for("threads.index"))


def cancel_on_login(app, user=None, **_extra) -> None:
    """Flask-Login's ``user_logged_in``: logging in during the grace period cancels
    the erasure. The login view has already committed, so this commits its own change."""
    if user is None or not services.cancel_deletion(user):
        return
    db.session.commit()
    flash("Your account will not be deleted: logging in cancelled your request. We have "
          "emailed you to confirm.", "success")
