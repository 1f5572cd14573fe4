"""Forms for writing threads, replies and reactions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf

from forum.forms import Length, normalize_newlines, squash_spaces
from forum.models import REACTION_KINDS
from forum.text import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN

SHARE_ANYWAY = "I understand others will see these contact details: post it anyway"
BODY_HELP = ("You can use Markdown: **bold**, *italic*, > quote, - list. "
             "Links are allowed; images are not.")


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


class RedactForm(FlaskForm):
    """Remove an earlier version's text: moderators give a reason (kept in the audit
    log); for the author it is optional."""

    reason = TextAreaField("Why (kept in the audit log)", filters=[squash_spaces],
                           validators=[Length(0, 500, "reason")])
    submit = SubmitField("Remove this version's text")
