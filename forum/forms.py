"""Form pieces shared by every feature: length checks with clear, counted messages, the
text normalisers that make the length checked the length stored, and ConfirmForm."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import ValidationError

# Dates a member or admin may type: wide enough for any real use, narrow enough that
# date arithmetic (the day after, a timestamp) can never overflow.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


class DateInRange:
    """A date from EARLIEST_DATE to LATEST_DATE, with a message that says so."""

    def __call__(self, form, field):
        if field.data is not None and not EARLIEST_DATE <= field.data <= LATEST_DATE:
            raise ValidationError(
                f"Please give a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")


class Length:
    """Like WTForms' Length, but the message tells the member how long their text is."""

    def __init__(self, minimum: int, maximum: int, what: str):
        self.minimum, self.maximum, self.what = minimum, maximum, what

    def __call__(self, form, field):
        value = (field.data or "").strip()
        size = len(value)
        if size < self.minimum:
            if size == 0:
                raise ValidationError(f"Please write a {self.what}.")
            raise ValidationError(
                f"The {self.what} needs at least {self.minimum:,} characters (it has {size:,})."
            )
        if size > self.maximum:
            raise ValidationError(
                f"The {self.what} is {size:,} characters long; the limit is {self.maximum:,}. "
                "Please shorten it."
            )


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


class ConfirmForm(FlaskForm):
    """A form with nothing but the CSRF token, for POST-only buttons."""

    submit = SubmitField("Confirm")
