"""Writing: start a thread, reply (optionally quoting a post) and edit one's own post.

Each view parses the form, authorises, calls one ``forum.posting.services`` function,
commits once and tells the member what happened to their post: published, held for a
moderator, or (for a crisis) the supportive page. Before that, the member may be asked
first, on the same form with their text kept: about contact details, about dose
instructions to someone else, or both.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from forum import permissions, ratelimits
from forum.errors import refuse
from forum.extensions import db
from forum.moderation import newcomers
from forum.posting import services
from forum.posting.forms import EditPostForm, NewThreadForm, ReplyForm
from forum.text import quote_markdown
from forum.threads import queries
from forum.threads.services import ThreadLocked
from forum.web import ID, log_in_first, me, parse_number

bp = Blueprint("posting", __name__)
# The form (new thread in a category, reply to a thread, edit of a post) whose dose-advice
# prompt was last counted, so a browser resending that first submission (a reload) does
# not count it again. Forgotten once a post is written there.
DOSE_PROMPT_COUNTED = "dose_prompt_counted"
# A moderator locked the thread between the page load and the reply.
bp.register_error_handler(ThreadLocked, refuse(
    403, "This thread was closed to new replies. Your reply was not posted."))


def _after_submit(result: services.Submitted, posted_message: str, target: str | None = None):
    """Tell the member what happened to their post and where to go next."""
    session.pop(DOSE_PROMPT_COUNTED, None)
    if result.crisis:
        return redirect(url_for("moderation.support", post_id=result.post.id))
    if result.held:
        flash("Thank you. Your post is waiting for a trained peer moderator to look at it "
              "before everyone can see it: new members' first posts are checked, and so are "
              "posts that mention some topics. You can see it in the thread meanwhile.", "info")
    else:
        flash(posted_message, "success")
    return redirect(target or queries.post_url(result.post))


def _advice_choice(form, where: str) -> services.AdviceChoice:
    """The member's answer to the dose-advice prompt, from ``form`` (``where`` names the
    form: "reply:12")."""
    prompted = form.dose_prompted.data == "1"
    return services.AdviceChoice(
        post_anyway=form.dose_post_anyway.data, prompted=prompted,
        counted=prompted or session.get(DOSE_PROMPT_COUNTED) == where)


def _submit(template: str, form, submit, where: str, **context):
    """Run ``submit()``; on a question for the member or a refusal, show the form again
    with their text (the contact-details and dose-advice prompts with 200, after
    committing the prompt's count; a blocked post with 400). Returns the service's
    result, or the response to send instead."""
    try:
        return submit(), None
    except services.AskFirst as ask:
        if ask.dose_advice:
            form.dose_prompted.data = "1"
            session[DOSE_PROMPT_COUNTED] = where
        db.session.commit()  # the count of a shown prompt, if any; never the post
        return None, render_template(template, form=form, personal_info=ask.found,
                                     dose_advice=ask.dose_advice, **context)
    except services.PostBlocked as blocked:
        form.body.errors.append(blocked.message)
        return None, (render_template(template, form=form, **context), 400)


@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@ratelimits.posting_limit()
def new_thread(slug):
    """Start a new thread in a category."""
    cat = queries.category_or_404(slug, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    form = NewThreadForm()
    if not permissions.can_start_thread(current_user, cat):
        return render_template("posting/new.html", category=cat, form=form), 403
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("posting/new.html", category=cat, form=form), status
    where = f"thread:{cat.id}"
    result, response = _submit("posting/new.html", form, lambda: services.submit_thread(
        cat, author=me(), title=form.title.data, body=form.body.data,
        personal_info_confirmed=form.share_anyway.data, advice=_advice_choice(form, where),
        moderator_led=form.moderator_led.data), where, category=cat)
    if response is not None:
        return response
    db.session.commit()
    return _after_submit(result, "Your thread is posted. Thank you for sharing.",
                         url_for("threads.show", thread_id=result.post.thread_id))


@bp.route(f"/t/<{ID}:thread_id>/reply", methods=["GET", "POST"])
@ratelimits.posting_limit()
def create_reply(thread_id):
    """Reply to a thread (GET shows the form, optionally quoting a post)."""
    thread = queries.thread_or_404(thread_id, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    form = ReplyForm()
    if not permissions.can_reply(current_user, thread):
        return render_template("posting/reply.html", thread=thread, form=form), 403
    if request.method == "GET":
        _prefill_quote(form, thread)
        _prefill_welcome(form, thread)
        return render_template("posting/reply.html", thread=thread, form=form)
    if not form.validate():
        return render_template("posting/reply.html", thread=thread, form=form), 400
    where = f"reply:{thread.id}"
    result, response = _submit("posting/reply.html", form, lambda: services.submit_reply(
        thread, author=me(), body=form.body.data, personal_info_confirmed=form.share_anyway.data,
        advice=_advice_choice(form, where)), where, thread=thread)
    if response is not None:
        return response
    db.session.commit()
    return _after_submit(result, "Your reply is posted.")


def _prefill_quote(form, thread) -> None:
    quote_id = parse_number(request.args.get("quote"))
    if quote_id is None:
        return
    quoted = queries.post_or_404(quote_id, current_user)
    if quoted.thread_id == thread.id and permissions.can_view_post(current_user, quoted):
        form.body.data = quote_markdown(quoted.author.display_name, quoted.body_source)


def _prefill_welcome(form, thread) -> None:
    """``?welcome=1`` from "Newcomers waiting": a moderator of the category starts from
    the welcome reply (anyone else gets the empty form)."""
    if (request.args.get("welcome") == "1" and current_user.id != thread.author_id
            and permissions.can_moderate(current_user, thread.category_id)):
        form.body.data = newcomers.welcome_text(thread.author.display_name,
                                                current_app.config["FORUM_NAME"])


@bp.route(f"/p/<{ID}:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id):
    """Edit one's own post; the previous text is kept in its history."""
    post = queries.post_or_404(post_id, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    opening = post.is_opening
    form = EditPostForm(data={"body": post.body_source, "title": post.thread.title})
    form.title_required = opening
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("posting/edit.html", post=post, form=form,
                               opening=opening), status
    where = f"edit:{post.id}"
    result, response = _submit("posting/edit.html", form, lambda: services.submit_edit(
        post, editor=me(), body=form.body.data, title=form.title.data if opening else None,
        personal_info_confirmed=form.share_anyway.data, advice=_advice_choice(form, where)),
        where, post=post, opening=opening)
    if response is not None:
        return response
    db.session.commit()
    return _after_submit(result, "Your changes are saved.")
