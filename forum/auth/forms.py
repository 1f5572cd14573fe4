"""Forms for registration, login and password reset."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from forum.auth import passwords
from forum.models import display_name_key

DISPLAY_NAME = re.compile(r"^[\w][\w .'-]*$")
# Erased accounts' pseudonyms ("Former member 7f3a9c") and the shared "A former member"
# account (forum.erasure): nobody may pass as one.
RESERVED_NAME_PREFIXES = ("former member", "a former member")
PASSWORD_HELP = ("At least 12 characters. A short sentence you will remember works well; "
                 "no special characters are required.")


def _strip(value):
    """Pasted addresses often carry a space or a line break at either end."""
    return value.strip() if isinstance(value, str) else value


def email_field(label: str = "Email address") -> EmailField:
    return EmailField(label, filters=[_strip], validators=[
        DataRequired("Please enter your email address."),
        Length(max=254, message="That email address is too long."),
        # allow_smtputf8=False: our mail stack cannot deliver to a non-ASCII local part
        # ("ñandu@..."), so such an address would leave an account no email can reach.
        Email("Please enter a valid email address, like name@example.org.",
              check_deliverability=False, allow_smtputf8=False),
    ])


def new_password_field(label: str) -> PasswordField:
    return PasswordField(label, description=PASSWORD_HELP,
                         validators=[InputRequired("Please choose a password.")])


def check_new_password(form, field, *context_words: str) -> None:
    problems = passwords.password_problems(field.data or "", context_words=context_words)
    if problems:
        raise ValidationError(" ".join(problems))


def validate_display_name(form, field) -> None:
    name = " ".join((field.data or "").split())
    if not 3 <= len(name) <= 40:
        raise ValidationError("Use 3 to 40 characters for your display name.")
    if "@" in name or not DISPLAY_NAME.match(name):
        raise ValidationError(
            "Use letters, numbers, spaces and - _ . ' only. Don't use your email address: "
            "a pseudonym keeps you private."
        )
    if display_name_key(name).startswith(RESERVED_NAME_PREFIXES):
        raise ValidationError("Names starting with \u201cformer member\u201d are kept for "
                              "erased accounts. Please choose another.")


class RegisterForm(FlaskForm):
    email = email_field()
    display_name = StringField(
        "Display name", validators=[validate_display_name],
        description="Shown on your posts instead of your real name. Your email is never shown.",
    )
    password = new_password_field("Password")
    agree = BooleanField(
        "I understand this is a peer-support forum, not medical advice, and I agree to the "
        "community guidelines.",
        validators=[DataRequired("Please confirm you have read the guidelines.")],
    )
    submit = SubmitField("Create account")

    def validate_password(self, field):
        local_part = (self.email.data or "").split("@")[0]
        check_new_password(self, field, local_part, self.display_name.data or "")


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[InputRequired("Please enter your password.")])
    remember = BooleanField("Keep me logged in on this device for 30 days")
    submit = SubmitField("Log in")


class ResetRequestForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send me a reset link")


class ResetPasswordForm(FlaskForm):
    password = new_password_field("New password")
    submit = SubmitField("Set new password")

    context_words: tuple[str, ...] = ()

    def validate_password(self, field):
        check_new_password(self, field, *self.context_words)


class ResendConfirmationForm(FlaskForm):
    submit = SubmitField("Send the confirmation email again")
