"""Register, confirm, log in and out, and reset a forgotten password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from forum import ratelimits
from forum.auth import emails, login_history, services, tokens
from forum.auth.forms import (
    LoginForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from forum.auth.sessions import start_session
from forum.extensions import db
from forum.forms import ConfirmForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str:
    """``target`` if it is a same-site path, else the home page (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("threads.index")
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return url_for("threads.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("threads.index")
    return target


@bp.route("/register", methods=["GET", "POST"])
@ratelimits.register_limit()
def register():
    """Create an account; the confirmation link arrives by email."""
    if current_user.is_authenticated:
        return redirect(url_for("threads.index"))
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_template("auth/register.html", form=form), 400 if form.is_submitted() else 200
    try:
        user = services.register(email=form.email.data, display_name=form.display_name.data,
                                 password=form.password.data)
    except services.DisplayNameTaken:
        form.display_name.errors.append("That display name is taken. Please choose another.")
        return render_template("auth/register.html", form=form), 409
    except services.EmailTaken:
        # Same page as a new registration: the page never reveals who has an account.
        emails.send_account_exists_email(services.find_by_email(form.email.data))
        db.session.commit()
        return render_template("auth/check_email.html")
    emails.send_confirmation_email(user)
    db.session.commit()
    return render_template("auth/check_email.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """Confirm an email address. GET shows a button so link scanners change nothing."""
    user = tokens.read_confirm_token(token)
    if user is None:
        return render_template("auth/token_invalid.html", what="confirmation"), 404
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("auth/confirm.html", form=form, already=user.is_confirmed)
    services.confirm_email(user)
    db.session.commit()
    flash("Thank you, your email address is confirmed. You can now post.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("threads.index"))
    return redirect(url_for("auth.login"))


@bp.post("/confirm/resend")
@login_required
@ratelimits.reset_limit()
def resend_confirmation():
    """Send the confirmation email again to the logged-in member."""
    if ResendConfirmationForm().validate_on_submit() and not current_user.is_confirmed:
        emails.send_confirmation_email(current_user._get_current_object())
        db.session.commit()
    flash("We've sent a new confirmation link. Please check your inbox.", "info")
    return redirect(url_for("accounts.settings"))


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.login_limit()
def login():
    """Log in with email and password (optionally remembered for 30 days)."""
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("auth/login.html", form=form), status
    user = services.authenticate(form.email.data, form.password.data, ip=request.remote_addr)
    if user is None:
        form.password.errors.append("That email and password don't match. Please try again.")
        return render_template("auth/login.html", form=form), 401
    login_history.record_login(user, address=request.remote_addr,
                               user_agent=request.headers.get("User-Agent"))
    db.session.commit()  # the login history, and a rehashed password
    start_session(user, remember=form.remember.data)
    flash(f"Welcome back, {user.display_name}.", "success")
    return redirect(next_url)


@bp.post("/logout")
def logout():
    """Log out everywhere this session or its remember cookie was copied to."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        services.logout(current_user._get_current_object())
        db.session.commit()
        logout_user()
    flash("You are logged out. Take care.", "info")
    return redirect(url_for("threads.index"))


@bp.route("/reset", methods=["GET", "POST"])
@ratelimits.reset_limit()
def request_reset():
    """Ask for a password reset link (the answer is the same whether or not we know you)."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("auth/reset_request.html", form=form), status
    emails.send_password_reset_email(services.find_by_email(form.email.data))
    db.session.commit()  # the link goes out after the response
    return render_template("auth/check_email.html", reset=True)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@ratelimits.reset_limit()
def reset_password(token):
    """Choose a new password from an emailed link (valid 1 hour, once)."""
    user = tokens.read_reset_token(token)
    if user is None:
        return render_template("auth/token_invalid.html", what="password reset"), 404
    form = ResetPasswordForm()
    form.context_words = (user.email.split("@")[0], user.display_name)
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("auth/reset_password.html", form=form), status
    services.set_password(user, form.password.data)
    services.confirm_email(user)  # the link proved they own the address
    db.session.commit()
    if current_user.is_authenticated:
        logout_user()
    flash("Your password is changed. Please log in with the new one.", "success")
    return redirect(url_for("auth.login"))
