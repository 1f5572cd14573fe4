"""The notification settings and the follow buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.validators import AnyOf

from forum.models import FollowLevel

# What a thread's follow buttons send: a level, or "none" to leave it to the category.
THREAD_CHOICES = (*(level.value for level in FollowLevel), "none")


class ThreadFollowForm(FlaskForm):
    level = SelectField("Follow", choices=THREAD_CHOICES,
                        validators=[AnyOf(THREAD_CHOICES)])


class CategoryFollowForm(FlaskForm):
    follow = SelectField("Follow", choices=("1", "0"), validators=[AnyOf(("1", "0"))])


class NotificationSettingsForm(FlaskForm):
    auto_follow = BooleanField(
        "Follow the threads I start or reply to",
        description="You'll be told about new replies in them. You can stop following any "
                    "thread from its page.")
    notify_mentions = BooleanField(
        "Tell me when someone quotes me or mentions me with @ and my display name")
    submit = SubmitField("Save notification settings")


class MarkReadForm(FlaskForm):
    page = HiddenField()


class MarkThreadReadForm(FlaskForm):
    """A thread read: to post ``upto`` (what a page showed; sent by read-marker.js), or,
    empty, to its end (the "Mark as read" button)."""
    upto = HiddenField()
