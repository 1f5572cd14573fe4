"""Forms for flagging posts and for moderator actions.

Choices are shorthand dicts ({value: label}): WTForms 3.3 deprecates tuples.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from forum.models.moderation import FLAG_REASONS, SCREENER_ONLY_REASONS


class FlagForm(FlaskForm):
    reason = RadioField(
        "Why are you flagging this post?",
        choices={key: label for key, (label, _) in FLAG_REASONS.items()
                 if key not in SCREENER_ONLY_REASONS},
        validators=[InputRequired("Please choose a reason.")],
    )
    message = TextAreaField(
        "Anything a moderator should know? (required for “Something else”)",
        validators=[Length(max=1000, message="Please keep it under 1,000 characters.")],
        description="Moderators see this. The author never learns who flagged their post.",
    )
    submit = SubmitField("Send to a moderator")

    def validate_message(self, field):
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError("Please tell the moderators what is wrong.")


class ReasonForm(FlaskForm):
    """Actions that need a reason the author (or the audit log) will see."""

    reason = TextAreaField("Reason", validators=[
        InputRequired("Please give a reason."),
        Length(max=1000, message="Please keep it under 1,000 characters."),
    ])


class OptionalReasonForm(FlaskForm):
    reason = TextAreaField("Note (optional)", validators=[Optional(), Length(max=1000)])


class ModeratorEditForm(FlaskForm):
    body = TextAreaField("Edited text", validators=[InputRequired("The post can't be empty."),
                                                    Length(max=20_000)])
    reason = TextAreaField("Reason (the author sees it)",
                           validators=[InputRequired("Please give a reason."), Length(max=1000)])
    redact = BooleanField(
        "Also remove the earlier text from the post's history",
        description="For personal details such as a phone number or an address: the old "
                    "text is deleted for good, and the audit log keeps only your reason.")


class SuspendForm(FlaskForm):
    days = IntegerField("Days", validators=[Optional(), NumberRange(min=1, max=3650,
                        message="Choose between 1 and 3,650 days.")],
                        description="Moderators: 1 to 7 days. Admins: leave empty to suspend "
                                    "permanently.")
    reason = TextAreaField("Reason (the member sees it)",
                           validators=[InputRequired("Please give a reason."), Length(max=1000)])


class MoveForm(FlaskForm):
    category = SelectField("Move to", coerce=int)
    submit = SubmitField("Move thread")


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    category = SelectField("Category", coerce=str, validators=[Optional()])
    reason = SelectField("Reason", validators=[Optional()],
                         choices={"": "Any reason"} | {k: v[0] for k, v in FLAG_REASONS.items()})
    status = SelectField("Status", validators=[Optional()],
                         choices={"open": "Open", "resolved": "Resolved", "all": "All"})
    submit = SubmitField("Filter")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField("Action", validators=[Optional(), Length(max=40)])
    category = SelectField("Category", coerce=str, validators=[Optional()])
    actor = StringField("Moderator (display name)", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Filter")
