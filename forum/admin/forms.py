"""Admin forms: training records, roles, category leads, watched phrases, the research
export."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forum.forms import DateInRange, normalize_newlines
from forum.models.moderation import PHRASE_ACTIONS, PHRASE_CATEGORIES


class TrainingForm(FlaskForm):
    course_name = StringField("Course", validators=[InputRequired("Name the course."),
                                                    Length(max=120)])
    completed_on = DateField("Completed on",
                             validators=[InputRequired("Give the date."), DateInRange()])
    valid_until = DateField("Valid until",
                            validators=[InputRequired("Give the expiry date."), DateInRange()])
    trainer = StringField("Trainer", validators=[InputRequired("Name the trainer."),
                                                 Length(max=120)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])

    def validate_valid_until(self, field):
        if self.completed_on.data and field.data and field.data <= self.completed_on.data:
            raise ValidationError("The training must be valid after the day it was completed.")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices={"member": "Member", "moderator": "Peer moderator"})


class CategoriesForm(FlaskForm):
    categories = SelectMultipleField("Categories this moderator leads", coerce=int,
                                     option_widget=CheckboxInput(),
                                     widget=ListWidget(prefix_label=False),
                                     validators=[Optional()])


class PhraseForm(FlaskForm):
    phrase = StringField("Word or phrase", validators=[InputRequired("Enter a word or phrase."),
                                                       Length(min=2, max=200)],
                         description="Whole words, any case or accents. End a word with * to "
                                     "match words starting with it (suicid*).")
    action = SelectField("Action", choices={"hold": "Hold for review",
                                            "flag": "Publish and queue for review",
                                            "block": "Refuse with a reason"})
    category = SelectField("Category", choices=dict(PHRASE_CATEGORIES))

    def validate_action(self, field):
        if field.data not in PHRASE_ACTIONS:
            raise ValidationError("Choose an action.")
        if self.category.data in ("crisis", "medical_emergency") and field.data != "hold":
            raise ValidationError("Crisis and medical-emergency phrases always hold the post: "
                                  "such posts are never refused or published unseen.")


class PhraseUpdateForm(PhraseForm):
    phrase = None


class ScreeningRulesForm(FlaskForm):
    """The admins' additions to the crisis-screening rules, and a sample to try them on.
    "Try" checks the additions and screens the sample without saving anything."""

    additions = TextAreaField(
        "Your additions",
        description="TOML in the shipped rules' format (below). Additions can add terms, "
                    "cues, spellings and rules; a rule with a shipped rule's name replaces it.",
        filters=[normalize_newlines], validators=[Optional(), Length(max=50_000)])
    sample = TextAreaField(
        "Sample text to try",
        description="Screened with the rules above (your additions included) when you press "
                    "Try. It is not saved or logged.",
        filters=[normalize_newlines], validators=[Optional(), Length(max=10_000)])
    note = StringField("What changed and why (for the audit log)",
                       validators=[Length(max=200)])
    try_sample = SubmitField("Try the sample")
    save = SubmitField("Save additions")

    def validate_note(self, field):
        if self.save.data and not (field.data or "").strip():
            raise ValidationError("Say what changed and why: it goes in the audit log.")


class ResearchExportForm(FlaskForm):
    """The research CSV of consenting members' posts; the text only when ticked."""

    include_text = BooleanField(
        "Include the text of the posts",
        description="Only when you need to read what was said. The export is recorded in "
                    "the audit log either way, with the number of rows and this choice.")
    submit = SubmitField("Download posts CSV")
