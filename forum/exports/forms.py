"""The export page's two buttons: ask for an export, download a ready one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length


class RequestExportForm(FlaskForm):
    """Only the CSRF token: the button is the whole request."""


class DownloadForm(FlaskForm):
    """The single-use token of a ready export (shown only to its owner, in this form)."""

    token = HiddenField(validators=[DataRequired(), Length(max=100)])
