"""The "Delete my account" form and the admin's "Erase now" form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from forum.forms import normalize_newlines
from forum.models import DeletionPosts

POSTS_CHOICES = {
    DeletionPosts.REMOVE.value:
        "Remove my posts (replies that other members quoted stay, shown as "
        "\u201ca former member\u201d)",
    DeletionPosts.KEEP.value:
        "Keep my posts for others to read, shown as \u201ca former member\u201d",
}


class DeleteAccountForm(FlaskForm):
    posts = RadioField("What should happen to your posts?", choices=POSTS_CHOICES,
                       default=DeletionPosts.REMOVE.value,
                       validators=[InputRequired("Choose what happens to your posts.")])
    password = PasswordField("Your password",
                             validators=[InputRequired("Please enter your password.")])
    submit = SubmitField("Delete my account")


class EraseNowForm(FlaskForm):
    """An admin erases a member at once, on the member's request."""

    posts = RadioField("Their posts", choices=POSTS_CHOICES, default=DeletionPosts.REMOVE.value,
                       validators=[InputRequired("Choose what happens to their posts.")])
    reason = TextAreaField(
        "Reason (for the audit log)", filters=[normalize_newlines],
        description="How the member asked, e.g. \u201cemail to the privacy contact, ref. "
                    "2026-114\u201d. Don't write their name or email address: the log keeps "
                    "only a pseudonym.",
        validators=[InputRequired("Give the reason: it goes in the audit log."),
                    Length(max=500)])
    confirm = RadioField("Are you sure?", choices={"yes": "Yes: erase this account now. "
                                                          "This cannot be undone."},
                         validators=[InputRequired("Confirm that you want to erase the "
                                                   "account now.")])
    submit = SubmitField("Erase now")
