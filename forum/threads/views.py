"""Reading and writing threads: home, category, thread pages, replies, edits, reactions."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from forum import permissions, ratelimits
from forum.extensions import db, login_manager
from forum.moderation.watch import personal_info
from forum.routing import ID
from forum.routing import me as _me
from forum.text import quote_markdown
from forum.threads import posting, queries, services
from forum.threads.forms import ConfirmForm, EditPostForm, NewThreadForm, ReactionForm, ReplyForm

bp = Blueprint("threads", __name__)

# ASCII digits only ("²".isdigit() is true but int() refuses it), and few enough of
# them that page * per_page stays a small integer for the database's OFFSET.
_NUMBER = re.compile(r"[0-9]{1,9}")


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    if not _NUMBER.fullmatch(raw):
        abort(404)
    return int(raw)


def _log_in_first():
    """Send a visitor to the login page, keeping where they were going.

    Views that take an id call this *after* loading the object with the viewer's
    visibility filter, so a visitor gets the same 404 for a members-only id as for
    one that doesn't exist, and a login prompt only for what they could see anyway.
    """
    return login_manager.unauthorized()


def _privacy_prompt(form, *texts) -> list[str]:
    """Contact details found in the text that the member has not yet agreed to share."""
    found = personal_info("\n".join(t or "" for t in texts))
    return [] if form.share_anyway.data else found


def _after_submit(result: posting.Submitted, posted_message: str, target: str | None = None):
    """Tell the member what happened to their post and where to go next."""
    if result.crisis:
        return redirect(url_for("moderation.support", post_id=result.post.id))
    if result.held:
        flash("Thank you. Your post is waiting for a trained peer moderator to look at it "
              "before everyone can see it: new members' first posts are checked, and so are "
              "posts that mention some topics. You can see it in the thread meanwhile.", "info")
    else:
        flash(posted_message, "success")
    return redirect(target or _post_url(result.post))


def _post_url(post) -> str:
    return url_for("threads.show", thread_id=post.thread_id, page=queries.page_of_post(post),
                   _anchor=f"post-{post.id}")


@bp.get("/")
def index():
    """Home: the categories with their counts and latest activity."""
    return render_template("threads/index.html", categories=queries.home_categories(current_user))


@bp.get("/c/<slug>")
def category(slug):
    """A category's threads, pinned first, then by latest activity."""
    cat = queries.category_or_404(slug, current_user)
    pagination = queries.category_threads(cat, _page_arg(), current_user)
    return render_template("threads/category.html", category=cat, pagination=pagination,
                           leads=permissions.category_leads(cat.id))


@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@ratelimits.posting_limit()
def new_thread(slug):
    """Start a new thread in a category."""
    cat = queries.category_or_404(slug, current_user)
    if not current_user.is_authenticated:
        return _log_in_first()
    form = NewThreadForm()
    if not permissions.can_start_thread(current_user, cat):
        return render_template("threads/new.html", category=cat, form=form), 403
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("threads/new.html", category=cat, form=form), status
    found = _privacy_prompt(form, form.title.data, form.body.data)
    if found:
        return render_template("threads/new.html", category=cat, form=form, personal_info=found)
    try:
        result = posting.submit_thread(
            cat, author=_me(), title=form.title.data, body=form.body.data,
            personal_info_confirmed=form.share_anyway.data,
            moderator_led=form.moderator_led.data)
    except posting.PostBlocked as blocked:
        form.body.errors.append(blocked.message)
        return render_template("threads/new.html", category=cat, form=form), 400
    db.session.commit()
    return _after_submit(result, "Your thread is posted. Thank you for sharing.",
                         url_for("threads.show", thread_id=result.post.thread_id))


@bp.get(f"/t/<{ID}:thread_id>")
def show(thread_id):
    """A thread's posts in order, 20 a page, with the reply form at the end."""
    thread = queries.thread_or_404(thread_id, current_user)
    pagination = queries.thread_posts(thread, _page_arg())
    post_ids = [p.id for p in pagination.items]
    user = _me() if current_user.is_authenticated else None
    permissions.preload_moderator_powers(post.author for post in pagination.items)
    return render_template(
        "threads/show.html", thread=thread, pagination=pagination, form=ReplyForm(),
        reaction_counts=services.reaction_counts(post_ids),
        my_reactions=services.reactions_by(user, post_ids),
    )


@bp.route(f"/t/<{ID}:thread_id>/reply", methods=["GET", "POST"])
@ratelimits.posting_limit()
def create_reply(thread_id):
    """Reply to a thread (GET shows the form, optionally quoting a post)."""
    thread = queries.thread_or_404(thread_id, current_user)
    if not current_user.is_authenticated:
        return _log_in_first()
    form = ReplyForm()
    if not permissions.can_reply(current_user, thread):
        return render_template("threads/reply.html", thread=thread, form=form), 403
    if request.method == "GET":
        _prefill_quote(form, thread)
        return render_template("threads/reply.html", thread=thread, form=form)
    if not form.validate():
        return render_template("threads/reply.html", thread=thread, form=form), 400
    found = _privacy_prompt(form, form.body.data)
    if found:
        return render_template("threads/reply.html", thread=thread, form=form, personal_info=found)
    try:
        result = posting.submit_reply(thread, author=_me(), body=form.body.data,
                                      personal_info_confirmed=form.share_anyway.data)
    except posting.PostBlocked as blocked:
        form.body.errors.append(blocked.message)
        return render_template("threads/reply.html", thread=thread, form=form), 400
    db.session.commit()
    return _after_submit(result, "Your reply is posted.")


def _prefill_quote(form, thread) -> None:
    quote_id = request.args.get("quote", "")
    if not _NUMBER.fullmatch(quote_id):
        return
    quoted = queries.post_or_404(int(quote_id), current_user)
    if quoted.thread_id == thread.id and permissions.can_view_post(current_user, quoted):
        form.body.data = quote_markdown(quoted.author.display_name, quoted.body_source)


@bp.get(f"/p/<{ID}:post_id>")
def permalink(post_id):
    """A stable link to one post: redirects to its page and anchor."""
    post = queries.post_or_404(post_id, current_user)
    return redirect(_post_url(post))


@bp.route(f"/p/<{ID}:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id):
    """Edit one's own post; the previous text is kept in its history."""
    post = queries.post_or_404(post_id, current_user)
    if not current_user.is_authenticated:
        return _log_in_first()
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    opening = services.is_opening_post(post)
    form = EditPostForm(data={"body": post.body_source, "title": post.thread.title})
    form.title_required = opening
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("threads/edit.html", post=post, form=form, opening=opening), status
    title = form.title.data if opening else None
    found = _privacy_prompt(form, title, form.body.data)
    if found:
        return render_template("threads/edit.html", post=post, form=form, opening=opening,
                               personal_info=found)
    try:
        result = posting.submit_edit(post, editor=_me(), body=form.body.data, title=title,
                                     personal_info_confirmed=form.share_anyway.data)
    except posting.PostBlocked as blocked:
        form.body.errors.append(blocked.message)
        return render_template("threads/edit.html", post=post, form=form, opening=opening), 400
    db.session.commit()
    return _after_submit(result, "Your changes are saved.")


@bp.get(f"/p/<{ID}:post_id>/history")
def history(post_id):
    """Earlier versions of an edited post (for whoever may read the post)."""
    post = queries.post_or_404(post_id, current_user)
    if not permissions.can_view_post(current_user, post):
        abort(404)
    return render_template("threads/history.html", post=post)


@bp.route(f"/p/<{ID}:post_id>/delete", methods=["GET", "POST"])
def delete_post(post_id):
    """Remove one's own post; a placeholder keeps the thread readable."""
    post = queries.post_or_404(post_id, current_user)
    if not current_user.is_authenticated:
        return _log_in_first()
    if not permissions.can_delete_post(current_user, post):
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("threads/delete.html", post=post, form=form)
    services.delete_post_by_author(post, author=_me())
    db.session.commit()
    flash("Your post was removed.", "success")
    return redirect(_post_url(post))


@bp.post(f"/p/<{ID}:post_id>/react")
def react(post_id):
    """Add or take back a "Thanks" or "Me too" on someone else's post."""
    post = queries.post_or_404(post_id, current_user)
    if not current_user.is_authenticated:
        return _log_in_first()
    form = ReactionForm()
    if not form.validate():
        abort(400)
    if not permissions.can_react(current_user, post):
        abort(403)
    try:
        services.toggle_reaction(post, user=_me(), kind=form.kind.data)
        db.session.commit()
    except IntegrityError:  # a double click raced itself: the reaction is there already
        db.session.rollback()
    return redirect(_post_url(post))
