"""Forms for writing threads, replies and reactions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf

from forum.forms import Length
from forum.models import REACTION_KINDS
from forum.text import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN

BODY_HELP = "You can use Markdown: **bold**, *italic*, > quote, - list. Links are allowed; images are not."


class NewThreadForm(FlaskForm):
    title = StringField("Title", validators=[Length(TITLE_MIN, TITLE_MAX, "title")])
    body = TextAreaField("Your message", validators=[Length(BODY_MIN, BODY_MAX, "message")],
                         description=BODY_HELP)
    submit = SubmitField("Start thread")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[Length(BODY_MIN, BODY_MAX, "reply")],
                         description=BODY_HELP)
    submit = SubmitField("Post reply")


class EditPostForm(FlaskForm):
    title = StringField("Title")
    body = TextAreaField("Message", validators=[Length(BODY_MIN, BODY_MAX, "message")],
                         description=BODY_HELP)
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
