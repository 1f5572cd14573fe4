"""Reading and writing threads: home, category, thread pages, replies, edits, reactions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from forum import permissions, ratelimits
from forum.extensions import db
from forum.threads import queries, services
from forum.threads.forms import ConfirmForm, EditPostForm, NewThreadForm, ReactionForm, ReplyForm
from forum.text import quote_markdown

bp = Blueprint("threads", __name__)


def _me():
    """The real ``User`` behind ``current_user`` (services never see the proxy)."""
    return current_user._get_current_object()


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit():
        abort(404)
    return int(raw)


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
    pagination = queries.category_threads(cat, _page_arg())
    return render_template("threads/category.html", category=cat, pagination=pagination)


@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@login_required
@ratelimits.posting_limit()
def new_thread(slug):
    """Start a new thread in a category."""
    cat = queries.category_or_404(slug, current_user)
    form = NewThreadForm()
    if not permissions.can_start_thread(current_user, cat):
        return render_template("threads/new.html", category=cat, form=form), 403
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("threads/new.html", category=cat, form=form), status
    thread = services.create_thread(cat, author=_me(), title=form.title.data, body=form.body.data)
    db.session.commit()
    flash("Your thread is posted. Thank you for sharing.", "success")
    return redirect(url_for("threads.show", thread_id=thread.id))


@bp.get("/t/<int:thread_id>")
def show(thread_id):
    """A thread's posts in order, 20 a page, with the reply form at the end."""
    thread = queries.thread_or_404(thread_id, current_user)
    pagination = queries.thread_posts(thread, _page_arg())
    post_ids = [p.id for p in pagination.items]
    user = _me() if current_user.is_authenticated else None
    return render_template(
        "threads/show.html", thread=thread, pagination=pagination, form=ReplyForm(),
        reaction_counts=services.reaction_counts(post_ids),
        my_reactions=services.reactions_by(user, post_ids),
    )


@bp.route("/t/<int:thread_id>/reply", methods=["GET", "POST"])
@login_required
@ratelimits.posting_limit()
def create_reply(thread_id):
    """Reply to a thread (GET shows the form, optionally quoting a post)."""
    thread = queries.thread_or_404(thread_id, current_user)
    form = ReplyForm()
    if not permissions.can_reply(current_user, thread):
        return render_template("threads/reply.html", thread=thread, form=form), 403
    if request.method == "GET":
        _prefill_quote(form, thread)
        return render_template("threads/reply.html", thread=thread, form=form)
    if not form.validate():
        return render_template("threads/reply.html", thread=thread, form=form), 400
    post = services.add_reply(thread, author=_me(), body=form.body.data)
    db.session.commit()
    flash("Your reply is posted.", "success")
    return redirect(_post_url(post))


def _prefill_quote(form, thread) -> None:
    quote_id = request.args.get("quote", "")
    if not quote_id.isdigit():
        return
    quoted = queries.post_or_404(int(quote_id), current_user)
    if quoted.thread_id == thread.id and permissions.can_view_post(current_user, quoted):
        form.body.data = quote_markdown(quoted.author.display_name, quoted.body_source)


@bp.get("/p/<int:post_id>")
def permalink(post_id):
    """A stable link to one post: redirects to its page and anchor."""
    post = queries.post_or_404(post_id, current_user)
    return redirect(_post_url(post))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id):
    """Edit one's own post; the previous text is kept in its history."""
    post = queries.post_or_404(post_id, current_user)
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    opening = services.is_opening_post(post)
    form = EditPostForm(data={"body": post.body_source, "title": post.thread.title})
    form.title_required = opening
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("threads/edit.html", post=post, form=form, opening=opening), status
    services.edit_post(post, editor=_me(), body=form.body.data,
                       title=form.title.data if opening else None)
    db.session.commit()
    flash("Your changes are saved.", "success")
    return redirect(_post_url(post))


@bp.get("/p/<int:post_id>/history")
def history(post_id):
    """Earlier versions of an edited post (for whoever may read the post)."""
    post = queries.post_or_404(post_id, current_user)
    if not permissions.can_view_post(current_user, post):
        abort(404)
    return render_template("threads/history.html", post=post)


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete_post(post_id):
    """Remove one's own post; a placeholder keeps the thread readable."""
    post = queries.post_or_404(post_id, current_user)
    if not permissions.can_delete_post(current_user, post):
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("threads/delete.html", post=post, form=form)
    services.delete_post_by_author(post, author=_me())
    db.session.commit()
    flash("Your post was removed.", "success")
    return redirect(_post_url(post))


@bp.post("/p/<int:post_id>/react")
@login_required
def react(post_id):
    """Add or take back a "Thanks" or "Me too" on someone else's post."""
    post = queries.post_or_404(post_id, current_user)
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
