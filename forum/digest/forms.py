"""Digest forms: the public subscribe form, a member's settings, admins' category modes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from forum.auth.forms import email_field
from forum.digest.audience import DIGEST_MODES


class SubscribeForm(FlaskForm):
    email = email_field("Your email address")
    submit = SubmitField("Send me the weekly digest")


class DigestSettingsForm(FlaskForm):
    """On, off, and which categories: one form for joining, changing and leaving."""

    subscribed = BooleanField("Send me the weekly digest by email")
    categories = SelectMultipleField(
        "Categories in my digest", coerce=int, option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False), validators=[Optional()],
        description="Leave them all ticked to get every category, new ones included.")
    submit = SubmitField("Save digest settings")


class CategoryModeForm(FlaskForm):
    """How the digest treats one category (sensitive categories: titles only, or nothing)."""

    mode = SelectField("In the digest", choices=dict(DIGEST_MODES))
    submit = SubmitField("Save")
