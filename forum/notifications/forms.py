"""The notification settings and the follow buttons."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SubmitField
from wtforms.validators import AnyOf

from forum.models import FollowLevel

EMAIL_CHOICES = {
    "immediately": "Straight away (at most one email per thread every 15 minutes)",
    "daily": "In one summary a day",
    "never": "Never by email",
}


@cache
def _time_zones() -> dict[str, str]:
    return {"": "The forum's time zone"} | {
        name: name.replace("_", " ") for name in sorted(available_timezones())}


def time_zone_choices() -> dict[str, str]:
    return _time_zones()

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
    email_replies = RadioField("Email me about replies in the threads I started",
                               choices=EMAIL_CHOICES, default="immediately")
    email_follows = RadioField(
        "Email me about other threads I follow, quotes and mentions",
        choices=EMAIL_CHOICES, default="daily")
    quiet_hours = BooleanField(
        "Quiet hours: no notification emails between 22:00 and 07:00",
        description="Emails wait until the morning.")
    time_zone = SelectField("My time zone", choices=time_zone_choices, default="",
                            description="For quiet hours and the daily summary.")
    submit = SubmitField("Save notification settings")


class MarkReadForm(FlaskForm):
    page = HiddenField()


class MarkThreadReadForm(FlaskForm):
    """A thread read: to post ``upto`` (what a page showed; sent by read-marker.js), or,
    empty, to its end (the "Mark as read" button)."""
    upto = HiddenField()
