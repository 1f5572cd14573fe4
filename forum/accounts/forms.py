"""Settings forms: profile, display name, privacy, password and email."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from forum.auth.forms import (
    check_new_password,
    email_field,
    new_password_field,
    validate_display_name,
)
from forum.forms import normalize_newlines

BIO_MAX = 1000


class ProfileForm(FlaskForm):
    bio = TextAreaField(
        "About you", filters=[normalize_newlines],
        validators=[Length(max=BIO_MAX, message=f"Please keep it under {BIO_MAX:,} characters.")],
        description="Optional and public. Think twice before sharing anything that identifies you.",
    )
    submit = SubmitField("Save profile")


class DisplayNameForm(FlaskForm):
    display_name = StringField(
        "New display name", validators=[validate_display_name],
        description="Shown on all your posts, old and new. Moderators can still see your "
                    "earlier names; other members and visitors cannot.")
    submit = SubmitField("Change display name")


class PrivacyForm(FlaskForm):
    profile_hidden = BooleanField(
        "Hide my profile from visitors who are not logged in",
        description="Visitors then see only your display name: no \"about you\", no list "
                    "of your threads. Logged-in members still see your profile.")
    submit = SubmitField("Save privacy settings")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Please enter your current password.")]
    )
    new_password = new_password_field("New password")
    submit = SubmitField("Change password")

    context_words: tuple[str, ...] = ()

    def validate_new_password(self, field):
        check_new_password(self, field, *self.context_words)


class EmailChangeForm(FlaskForm):
    email = email_field("New email address")
    password = PasswordField("Current password",
                             validators=[InputRequired("Please enter your current password.")])
    submit = SubmitField("Change email")
