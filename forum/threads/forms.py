"""Forms for writing threads, replies and reactions."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf

from forum.forms import Length
from forum.models import REACTION_KINDS
from forum.text import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN

SHARE_ANYWAY = "I understand others will see these contact details: post it anyway"
BODY_HELP = ("You can use Markdown: **bold**, *italic*, > quote, - list. "
             "Links are allowed; images are not.")


# C0 control characters other than tab and newline: invisible, and PostgreSQL refuses
# NUL in text columns outright (a 500 instead of a saved post).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def squash_spaces(value):
    """Fold whitespace and drop control characters: the length checked is the length stored."""
    return " ".join(_CONTROLS.sub("", value).split()) if isinstance(value, str) else value


def normalize_newlines(value):
    """Browsers send CRLF: count and compare bodies with LF newlines and no control characters."""
    if not isinstance(value, str):
        return value
    return _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


class NewThreadForm(FlaskForm):
    title = StringField("Title", filters=[squash_spaces],
                        validators=[Length(TITLE_MIN, TITLE_MAX, "title")])
    body = TextAreaField("Your message", filters=[normalize_newlines],
                         validators=[Length(BODY_MIN, BODY_MAX, "message")], description=BODY_HELP)
    share_anyway = BooleanField(SHARE_ANYWAY)
    moderator_led = BooleanField("Moderator-led thread (for example a weekly check-in)")
    submit = SubmitField("Start thread")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", filters=[normalize_newlines],
                         validators=[Length(BODY_MIN, BODY_MAX, "reply")], description=BODY_HELP)
    share_anyway = BooleanField(SHARE_ANYWAY)
    submit = SubmitField("Post reply")


class EditPostForm(FlaskForm):
    title = StringField("Title", filters=[squash_spaces])
    body = TextAreaField("Message", filters=[normalize_newlines],
                         validators=[Length(BODY_MIN, BODY_MAX, "message")], description=BODY_HELP)
    share_anyway = BooleanField(SHARE_ANYWAY)
    submit = SubmitField("Save changes")

    def validate_title(self, field):
        if field.data is not None and self.title_required:
            Length(TITLE_MIN, TITLE_MAX, "title")(self, field)

    title_required = False


class ReactionForm(FlaskForm):
    kind = HiddenField(validators=[AnyOf(list(REACTION_KINDS))])


class ConfirmForm(FlaskForm):
    """A form with nothing but the CSRF token, for POST-only buttons."""

    submit = SubmitField("Confirm")
