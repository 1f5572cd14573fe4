"""Form helpers shared by every feature: length checks with clear, counted messages."""

from __future__ import annotations

from wtforms.validators import ValidationError


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
