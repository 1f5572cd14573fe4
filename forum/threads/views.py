"""Reading threads: home, category and thread pages, permalinks, history; deleting
one's own post and reactions; recording how far a member has read (by POST: reading a
page changes nothing, SECURITY.md 26). Writing posts is ``forum.posting``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from forum import permissions
from forum.digest import subscriptions as digest_subscriptions
from forum.errors import refuse
from forum.extensions import db
from forum.forms import ConfirmForm
from forum.notifications import queries as notification_queries
from forum.notifications import reads
from forum.notifications import services as notifications
from forum.notifications.forms import CategoryFollowForm, MarkThreadReadForm, ThreadFollowForm
from forum.security import allow_indexing
from forum.threads import queries, services
from forum.threads.forms import ReactionForm, RedactForm, ReplyForm
from forum.web import ID, log_in_first, me, page_number, parse_number

bp = Blueprint("threads", __name__)
bp.register_error_handler(services.NotAllowed, refuse(
    403, "Only the author of a post can do that."))


@bp.get("/")
def index():
    """Home: the categories with their counts and latest activity."""
    categories = queries.home_categories(current_user)
    allow_indexing()  # the list of public categories (members-only ones are not named)
    return render_template("threads/index.html", categories=categories, new_counts=reads.new_counts(
        current_user, [latest.id for _, latest in categories if latest is not None]))


@bp.get("/c/<slug>")
def category(slug):
    """A category's threads, pinned first, then by latest activity."""
    cat = queries.category_or_404(slug, current_user)
    pagination = queries.category_threads(cat, page_number(), current_user)
    if not cat.members_only:
        allow_indexing()
    return render_template("threads/category.html", category=cat, pagination=pagination,
                           leads=permissions.category_leads(cat.id),
                           following=notification_queries.follows_category(current_user, cat.id),
                           follow_form=CategoryFollowForm(),
                           new_counts=reads.new_counts(current_user,
                                                       [t.id for t in pagination.items]))


@bp.get(f"/t/<{ID}:thread_id>")
def show(thread_id):
    """A thread's posts in order, 20 a page, with the reply form at the end."""
    thread = queries.thread_or_404(thread_id, current_user)
    pagination = queries.thread_posts(thread, page_number())
    post_ids = [p.id for p in pagination.items]
    user = me() if current_user.is_authenticated else None
    permissions.preload_moderator_powers(post.author for post in pagination.items)
    moderating = permissions.can_moderate(current_user, thread.category_id)
    reading = reads.thread_state(current_user, thread)
    upto = user and reading.upto(pagination.items,
                                 lambda post: permissions.can_view_post(user, post))
    if not thread.category.members_only and thread.is_listed:
        allow_indexing()
    return render_template(
        "threads/show.html", thread=thread, pagination=pagination, form=ReplyForm(),
        reaction_counts=services.reaction_counts(post_ids),
        my_reactions=services.reactions_by(user, post_ids), moderating=moderating,
        digest_pick=moderating and digest_subscriptions.is_featured_now(thread),
        follow_level=notification_queries.thread_follow_level(current_user, thread),
        follow_form=ThreadFollowForm(), reading=reading, mark_read_upto=upto,
        mark_read_form=MarkThreadReadForm(),
    )


@bp.get(f"/t/<{ID}:thread_id>/unread")
def first_unread(thread_id):
    """The thread at its first post that is new for the member (its page and anchor);
    the thread's first page if nothing is new (or for visitors)."""
    thread = queries.thread_or_404(thread_id, current_user)
    post = reads.first_unread_post(current_user, thread)
    if post is None:
        return redirect(url_for("threads.show", thread_id=thread.id))
    return redirect(queries.post_url(post))


@bp.post(f"/t/<{ID}:thread_id>/read")
def mark_read(thread_id):
    """Record that the member read the thread: up to post ``upto`` (the last one a page
    showed them, sent by static/js/read-marker.js; answers 204), or to its end (the
    "Mark as read" button; back to the thread). A marker never moves backwards."""
    thread = queries.thread_or_404(thread_id, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    form = MarkThreadReadForm()
    if not form.validate_on_submit():
        abort(400)
    upto = None
    if form.upto.data:
        upto = queries.post_or_404(parse_number(form.upto.data) or abort(400), current_user)
        if upto.thread_id != thread.id or not permissions.can_view_post(current_user, upto):
            abort(404)
    reads.mark_read(me(), thread, upto=upto)
    db.session.commit()
    if upto is not None:
        return "", 204
    flash("This thread is marked as read.", "success")
    return redirect(url_for("threads.show", thread_id=thread.id))


@bp.get(f"/p/<{ID}:post_id>")
def permalink(post_id):
    """A stable link to one post: redirects to its page and anchor."""
    post = queries.post_or_404(post_id, current_user)
    return redirect(queries.post_url(post))


@bp.get(f"/p/<{ID}:post_id>/history")
def history(post_id):
    """Earlier versions of an edited post: for its author and the category's moderators
    only (everyone else gets the same 404 as for a post they cannot see)."""
    post = queries.post_or_404(post_id, current_user)
    if not permissions.can_view_history(current_user, post):
        abort(404)
    return render_template("threads/history.html", post=post, form=RedactForm())


@bp.post(f"/p/<{ID}:post_id>/revisions/<{ID}:revision_id>/redact")
def redact_revision(post_id, revision_id):
    """Remove one earlier version's text for good (the author, or a moderator with a
    reason); the history then says who removed it and when."""
    post = queries.post_or_404(post_id, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    revision = next((r for r in post.revisions if r.id == revision_id), None)
    if revision is None or not permissions.can_view_history(current_user, post):
        abort(404)
    form = RedactForm()
    moderating = permissions.can_moderate(current_user, post.thread.category_id)
    if not form.validate_on_submit() or (moderating and not form.reason.data):
        if moderating and not form.reason.data:
            form.reason.errors = [*form.reason.errors, "Please give a reason."]
        return render_template("threads/history.html", post=post, form=form,
                               form_revision=revision.id), 400
    services.redact_revision(revision, by=me(), reason=form.reason.data
                             or "Removed by the author")
    db.session.commit()
    flash("That earlier version's text is removed for good.", "success")
    return redirect(url_for("threads.history", post_id=post.id))


@bp.route(f"/p/<{ID}:post_id>/delete", methods=["GET", "POST"])
def delete_post(post_id):
    """Remove one's own post; a placeholder keeps the thread readable."""
    post = queries.post_or_404(post_id, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    if not permissions.can_delete_post(current_user, post):
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("threads/delete.html", post=post, form=form)
    services.delete_post_by_author(post, author=me())
    db.session.commit()
    flash("Your post was removed.", "success")
    return redirect(queries.post_url(post))


@bp.post(f"/p/<{ID}:post_id>/react")
def react(post_id):
    """Add or take back a "Thanks" or "Me too" on someone else's post."""
    post = queries.post_or_404(post_id, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    form = ReactionForm()
    if not form.validate():
        abort(400)
    if not permissions.can_react(current_user, post):
        abort(403)
    try:
        services.toggle_reaction(post, user=me(), kind=form.kind.data)
        db.session.commit()
    except IntegrityError:  # a double click raced itself: the reaction is there already
        db.session.rollback()
    return redirect(queries.post_url(post))


@bp.post(f"/t/<{ID}:thread_id>/follow")
def follow_thread(thread_id):
    """Follow, mute or stop following a thread (``level``: follow, mute or none)."""
    thread = queries.thread_or_404(thread_id, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    form = ThreadFollowForm()
    if not form.validate_on_submit():
        abort(400)
    level = None if form.level.data == "none" else form.level.data
    notifications.set_thread_follow(me(), thread, level)
    db.session.commit()
    flash({"follow": "You are following this thread: new replies will be in your "
                     "notifications.",
           "mute": "This thread is muted: you won't be notified about it.",
           None: "You no longer follow this thread."}[level], "success")
    return redirect(url_for("threads.show", thread_id=thread.id))


@bp.post("/c/<slug>/follow")
def follow_category(slug):
    """Follow every new post in a category (``follow``: 1), or stop (0)."""
    cat = queries.category_or_404(slug, current_user)
    if not current_user.is_authenticated:
        return log_in_first()
    form = CategoryFollowForm()
    if not form.validate_on_submit():
        abort(400)
    follow = form.follow.data == "1"
    notifications.set_category_follow(me(), cat, follow)
    db.session.commit()
    flash(f"You are following {cat.name}: new threads and replies will be in your "
          "notifications." if follow else f"You no longer follow {cat.name}.", "success")
    return redirect(url_for("threads.category", slug=cat.slug))
