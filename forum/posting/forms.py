"""The writing forms, with the dose-advice prompt's two fields added to the threads
package's forms (``forum.threads.forms``), which other pages also use."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField

from forum.threads import forms

POST_ANYWAY = "Post it as it is: I have read the note about dose suggestions"


class DoseAdviceFields:
    """The member's answer to the dose-advice prompt. ``dose_post_anyway`` is shown only
    with the prompt (or once ticked); ``dose_prompted`` is a hidden marker that the form
    came from the prompt, so the next submission is counted as rephrased or posted
    anyway, and the prompt is not counted twice for one draft."""

    dose_post_anyway = BooleanField(POST_ANYWAY)
    dose_prompted = HiddenField()


class NewThreadForm(DoseAdviceFields, forms.NewThreadForm):
    pass


class ReplyForm(DoseAdviceFields, forms.ReplyForm):
    pass


class EditPostForm(DoseAdviceFields, forms.EditPostForm):
    pass
