"""A member's own settings: profile, display name and privacy, password, email address
(and undoing a change from the old address), notifications and the weekly digest."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError

from forum import clock, ratelimits
from forum.accounts import services as account_services
from forum.accounts.forms import (
    DisplayNameForm,
    EmailChangeForm,
    PasswordChangeForm,
    PrivacyForm,
    ProfileForm,
)
from forum.auth import emails, passwords, services, tokens
from forum.auth.forms import ResendConfirmationForm
from forum.auth.sessions import start_session
from forum.digest import subscriptions
from forum.digest.forms import settings_form
from forum.extensions import db
from forum.forms import ConfirmForm
from forum.notifications import services as notifications
from forum.notifications.forms import NotificationSettingsForm
from forum.templating import format_datetime
from forum.web import me as _me

bp = Blueprint("accounts", __name__, url_prefix="/settings")


def _remembered() -> bool:
    """Whether this browser holds a remember-me cookie (the member chose "keep me logged in")."""
    return bool(request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"]))


def _render(status=200, **forms):
    forms.setdefault("profile_form", ProfileForm(data={"bio": current_user.bio}))
    forms.setdefault("display_name_form", DisplayNameForm(formdata=None))
    forms.setdefault("privacy_form", PrivacyForm(
        data={"profile_hidden": current_user.profile_hidden}))
    if "next_name_change" not in forms:
        upcoming = account_services.next_name_change(
            current_user, every_days=current_app.config["DISPLAY_NAME_CHANGE_DAYS"])
        forms["next_name_change"] = upcoming if upcoming and upcoming > clock.utcnow() else None
    forms.setdefault("password_form", PasswordChangeForm())
    forms.setdefault("email_form", EmailChangeForm())
    forms.setdefault("resend_form", ResendConfirmationForm())
    forms.setdefault("notifications_form", NotificationSettingsForm(data={
        "auto_follow": current_user.auto_follow,
        "notify_mentions": current_user.notify_mentions,
        "email_replies": current_user.email_replies,
        "email_follows": current_user.email_follows,
        "quiet_hours": current_user.quiet_hours,
        "time_zone": current_user.time_zone}))
    if "digest_form" not in forms:
        forms["digest_form"] = settings_form(current_user)
    return render_template("accounts/settings.html", **forms), status


@bp.get("")
@login_required
def settings():
    """The settings page with its three forms."""
    return _render()


@bp.post("/profile")
@login_required
def update_profile():
    """Save the public bio."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render(400, profile_form=form)
    current_user.bio = (form.bio.data or "").strip()
    db.session.commit()
    flash("Your profile is saved.", "success")
    return redirect(url_for("accounts.settings"))


def _name_change_refused(form, status: int, message: str):
    form.display_name.errors = [*form.display_name.errors, message]
    return _render(status, display_name_form=form)


@bp.post("/display-name")
@login_required
def change_display_name():
    """A new display name, at most once every ``DISPLAY_NAME_CHANGE_DAYS`` days; the old
    one is kept for moderators only."""
    form = DisplayNameForm()
    if not form.validate_on_submit():
        return _render(400, display_name_form=form)
    every_days = current_app.config["DISPLAY_NAME_CHANGE_DAYS"]
    try:
        account_services.change_display_name(_me(), form.display_name.data,
                                             now=clock.utcnow(), every_days=every_days)
        db.session.commit()
    except account_services.TooSoon as exc:
        return _name_change_refused(
            form, 409, f"You can change your display name once every {every_days} days. "
                       f"You can change it again from {format_datetime(exc.possible_from)}.")
    except account_services.SameName:
        return _name_change_refused(form, 400, "That is already your display name.")
    except (services.DisplayNameTaken, IntegrityError):
        db.session.rollback()
        return _name_change_refused(form, 400,
                                    "That display name is taken. Please choose another.")
    flash(f"Your display name is now {current_user.display_name}.", "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/privacy")
@login_required
def update_privacy():
    """Hide the profile from visitors (members still see it), or show it again."""
    form = PrivacyForm()
    if not form.validate_on_submit():
        return _render(400, privacy_form=form)
    account_services.set_profile_hidden(_me(), form.profile_hidden.data)
    db.session.commit()
    flash("Visitors who are not logged in now see only your display name."
          if form.profile_hidden.data else "Your profile is visible to everyone again.",
          "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/password")
@login_required
@ratelimits.login_limit()  # it checks a password: as guessable as the login form
def change_password():
    """Change password; every other session and remember cookie is logged out."""
    form = PasswordChangeForm()
    form.context_words = (current_user.email.split("@")[0], current_user.display_name)
    if not form.validate_on_submit():
        return _render(400, password_form=form)
    if not passwords.verify_password(current_user.password_hash, form.current_password.data):
        form.current_password.errors.append("That is not your current password.")
        return _render(400, password_form=form)
    user = _me()
    services.set_password(user, form.new_password.data)
    emails.send_password_changed_email(user)
    db.session.commit()
    # This browser stays logged in with a fresh session, remembered if it was before.
    start_session(user, remember=_remembered())
    flash("Your password is changed. Other devices have been logged out.", "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/email")
@login_required
@ratelimits.login_limit()
def change_email():
    """Start an email change: a link goes to the new address, which must confirm it."""
    form = EmailChangeForm()
    if not form.validate_on_submit():
        return _render(400, email_form=form)
    if not passwords.verify_password(current_user.password_hash, form.password.data):
        form.password.errors.append("That is not your current password.")
        return _render(400, email_form=form)
    existing = services.find_by_email(form.email.data)
    if existing is None:
        emails.send_email_change_email(_me(), form.email.data.strip().lower())
    elif existing.id != current_user.id:
        emails.send_account_exists_email(existing)
    db.session.commit()  # the email goes out after the response
    flash("We've sent a confirmation link to the new address. Your email changes when you "
          "follow it.", "info")
    return redirect(url_for("accounts.settings"))


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token):
    """Finish an email change from the link sent to the new address."""
    loaded = tokens.read_email_change_token(token)
    if loaded is None:
        return render_template("auth/token_invalid.html", what="email change"), 404
    user, new_email = loaded
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/confirm_email_change.html", form=form, new_email=new_email)
    old_email = user.email
    try:
        services.change_email(user, new_email)
    except services.EmailTaken:
        return render_template("auth/token_invalid.html", what="email change"), 409
    emails.send_email_changed_email(user, old_email=old_email, new_email=user.email)
    db.session.commit()
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()
    flash("Your email address is changed. Please log in again.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/email/undo/<token>", methods=["GET", "POST"])
def undo_email_change(token):
    """From the link emailed to the old address: put it back (a button, then POST) and
    log out every session, for when someone else changed it."""
    loaded = tokens.read_undo_email_change_token(token)
    if loaded is None:
        return render_template("auth/token_invalid.html", what="undo"), 404
    user, old_email = loaded
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/undo_email_change.html", form=form, old_email=old_email)
    try:
        services.undo_email_change(user, old_email)
    except services.EmailTaken:
        return render_template("accounts/undo_email_change.html", form=form,
                               old_email=old_email, taken=True), 409
    db.session.commit()
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()  # the bumped session version ends every other session of theirs
    flash(f"Your account's email address is {old_email} again, and everyone using the "
          "account was logged out. If you did not make the change, someone may know your "
          "password: reset it now with the form below.", "success")
    return redirect(url_for("auth.request_reset"))


@bp.post("/digest")
@login_required
def update_digest_settings():
    """Turn the weekly digest on or off and choose its categories."""
    form = settings_form(current_user, request.form)
    if not form.validate_on_submit():
        return _render(400, digest_form=form)
    visible = {choice for choice, _label in form.categories.choices}
    try:
        subscriptions.save_member_settings(
            _me(), subscribed=form.subscribed.data,
            category_ids=set(form.categories.data or []), visible_ids=visible)
    except subscriptions.NotConfirmed:
        flash("Please confirm your email address first: the digest can only go to a "
              "confirmed address.", "error")
        return redirect(url_for("accounts.settings"))
    db.session.commit()
    flash("Your digest settings are saved." if form.subscribed.data
          else "You won't get the weekly digest any more.", "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/notifications")
@login_required
def update_notification_settings():
    """Following what one writes in, quote/mention notifications, and which of them
    are emailed, when (immediately, daily, never) and not at night (quiet hours)."""
    form = NotificationSettingsForm()
    if not form.validate_on_submit():
        return _render(400, notifications_form=form)
    notifications.save_settings(_me(), auto_follow=form.auto_follow.data,
                                notify_mentions=form.notify_mentions.data,
                                email_replies=form.email_replies.data,
                                email_follows=form.email_follows.data,
                                quiet_hours=form.quiet_hours.data,
                                time_zone=form.time_zone.data)
    db.session.commit()
    flash("Your notification settings are saved.", "success")
    return redirect(url_for("accounts.settings"))
