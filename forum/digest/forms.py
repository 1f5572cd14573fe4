"""Digest forms: the public subscribe form, a member's settings, admins' category modes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from forum.auth.forms import email_field
from forum.digest import subscriptions
from forum.digest.audience import DIGEST_MODES, MEMBERS, category_filter
from forum.extensions import db
from forum.models import Category


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


def settings_form(user, formdata=None) -> DigestSettingsForm:
    """The settings form for ``user``: every category they can see, theirs ticked."""
    visible = db.session.scalars(
        select(Category).where(category_filter(MEMBERS)).order_by(Category.position)).all()
    subscription = subscriptions.member_subscription(user)
    chosen = [c.id for c in visible]
    if subscription is not None and not subscription.all_categories:
        chosen = [c.id for c in subscription.categories]
    data = {"subscribed": subscription is not None and subscription.is_active,
            "categories": chosen}
    form = DigestSettingsForm(formdata=formdata, data=data) if formdata is not None \
        else DigestSettingsForm(data=data)
    form.categories.choices = [(c.id, c.name) for c in visible]
    return form
