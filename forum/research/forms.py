"""The two buttons on the research-consent page (CSRF token only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class AgreeForm(FlaskForm):
    submit = SubmitField("I agree")


class WithdrawForm(FlaskForm):
    submit = SubmitField("Withdraw my agreement")
