"""The notifications page (``/notifications``) and marking notifications read; the
"New" page (``/new``: followed threads with unread posts) and marking them all read.

Reading changes nothing (SECURITY.md 26): "mark as read" and "mark all as read" are
POST forms, so the page works without JavaScript. Follow and mute buttons live on the
thread and category pages (``forum.threads.views``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from forum.extensions import csrf, db
from forum.models import Notification
from forum.notifications import emails, queries, reads, services
from forum.notifications.forms import MarkReadForm
from forum.web import ID, me, page_number, parse_number

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    """The member's notifications, newest first, 20 a page."""
    page = page_number()
    pagination = queries.page_of(me(), page)
    if page > 1 and not pagination.items:
        abort(404)
    return render_template("notifications/index.html", pagination=pagination,
                           reactions=queries.reaction_summaries(pagination.items),
                           form=MarkReadForm())


def _back(form: MarkReadForm):
    page = parse_number(form.page.data)
    return redirect(url_for("notifications.index", page=page if page and page > 1 else None))


@bp.post(f"/notifications/<{ID}:notification_id>/read")
@login_required
def mark_read(notification_id):
    """Mark one notification read (someone else's: 403; none: 404)."""
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        abort(404)
    try:
        services.mark_read(notification, user=me())
    except services.NotYours:
        abort(403)
    db.session.commit()
    return _back(form)


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    """Mark every notification read."""
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    services.mark_all_read(me())
    db.session.commit()
    flash("All your notifications are marked as read.", "success")
    return _back(form)


@bp.get("/new")
@login_required
def new_posts():
    """The threads the member follows that have posts new to them, most recently active
    first, 25 a page, each with "N new" and a link to the first of them."""
    return render_template("notifications/new.html",
                           pagination=reads.new_page(me(), page_number()), form=MarkReadForm())


@bp.post("/new/read")
@login_required
def mark_all_threads_read():
    """Mark every thread on the "New" page read, to its last post."""
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    reads.mark_all_read(me())
    db.session.commit()
    flash("All your followed threads are marked as read.", "success")
    return redirect(url_for("notifications.new_posts"))


NAME_SUGGESTIONS = 8


@bp.get("/notifications/names")
@login_required
def mention_names():
    """Display names starting with ``q`` (at least 2 characters), for the @mention
    suggestions (static/js/mentions.js, a progressive enhancement: typing the name works
    without it). Display names are public, as on every post; members only."""
    return jsonify(names=queries.names_starting_with(request.args.get("q", ""),
                                                     limit=NAME_SUGGESTIONS))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail provider POSTs with no cookie and no CSRF token
def unsubscribe(token):
    """One-click unsubscribe from one kind of notification email (no login needed).
    POST turns that kind off (200, no redirect); GET only asks, since mail scanners
    fetch links."""
    found = emails.by_unsubscribe_token(token)
    if found is None:
        return render_template("notifications/unsubscribe_invalid.html"), 404
    user, kind = found
    if request.method == "POST":
        emails.unsubscribe(user, kind)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", kind=kind)
    return render_template("notifications/unsubscribe.html", kind=kind, token=token)
