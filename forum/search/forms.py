"""The search form: read from the query string (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SearchField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from forum.forms import DateInRange, squash_spaces

MAX_PAGE = 1_000
SORTS = {"relevance": "Best match", "newest": "Newest first"}  # shorthand dicts: no tuples


def _keep_raw(value):
    """The search text reaches only the parser (which cleans it), never SQL or logs."""
    return value if isinstance(value, str) else ""


class SearchForm(FlaskForm):
    """Search text plus the filters a person can set from the form or the URL."""

    class Meta:
        csrf = False

    q = SearchField("Search for", filters=[_keep_raw],
                    description='Words, "an exact phrase", -word to leave out, OR between '
                                "alternatives.")
    category = SelectField("Category", choices={"": "All categories"}, default="",
                           validate_choice=True)
    author = StringField("Written by", filters=[squash_spaces],
                         validators=[Optional(), Length(max=40, message="Display names have "
                                                        "at most 40 characters.")],
                         description="A member's display name.")
    after = DateField("From", validators=[Optional(), DateInRange()],
                      render_kw={"autocomplete": "off"})
    before = DateField("To", validators=[Optional(), DateInRange()],
                       render_kw={"autocomplete": "off"})
    sort = SelectField("Sort by", choices=SORTS, default="relevance")
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(
        min=1, max=MAX_PAGE, message=f"Pages run from 1 to {MAX_PAGE:,}.")])

    def set_categories(self, categories) -> None:
        self.category.choices = {"": "All categories"} | {c.slug: c.name for c in categories}

    def validate_before(self, field) -> None:
        if field.data and self.after.data and field.data < self.after.data:
            raise ValidationError("The end date is before the start date.")

    @property
    def has_input(self) -> bool:
        """Whether anything was asked at all (an empty form shows tips instead)."""
        return bool((self.q.data or "").strip() or self.category.data or self.author.data
                    or self.after.data or self.before.data)
