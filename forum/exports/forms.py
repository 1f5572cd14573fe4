"""The export page's two buttons: ask for an export, download a ready one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length


class RequestExportForm(FlaskForm):
    """The member's password: a copy of everything is as sensitive as an email change
    (SECURITY.md 12, 33), so a stolen session alone cannot ask for it."""

    password = PasswordField(
        "Your password", validators=[InputRequired("Please enter your password."),
                                     Length(max=200)],
        description="For your safety a copy of everything needs your password, even "
                    "though you are logged in.")


class DownloadForm(FlaskForm):
    """The single-use token of a ready export (shown only to its owner, in this form)."""

    token = HiddenField(validators=[DataRequired(), Length(max=100)])
