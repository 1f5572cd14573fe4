"""The moderator's side of the forum: review queue, item actions, thread tools, audit;
and the member's side of moderation: flagging, notices, the supportive page."""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from forum import permissions
from forum.errors import refuse
from forum.extensions import db
from forum.forms import ConfirmForm
from forum.models import Category, Post
from forum.models.moderation import FLAG_REASONS
from forum.moderation import newcomers, queries, services
from forum.moderation.forms import (
    AuditFilterForm,
    FlagForm,
    ModeratorEditForm,
    MoveForm,
    OptionalReasonForm,
    QueueFilterForm,
    ReasonForm,
    SuspendForm,
)
from forum.pages.services import crisis_help, crisis_kind
from forum.threads import queries as thread_queries
from forum.web import ID, moderator_required, page_number
from forum.web import me as _me

bp = Blueprint("moderation", __name__)
bp.register_error_handler(services.ItemClosed, refuse(
    409, "Another moderator has already resolved this item. Go back to the queue to see "
         "what is still open."))
bp.register_error_handler(services.AuthorDeleted, refuse(
    409, "The author deleted this post, so it can't be published, hidden or edited again."))
def _category_choices(user, blank: str) -> dict[str, str]:
    return {"": blank} | {str(c.id): c.name for c in queries.moderated_categories(user)}


# --- the review queue -----------------------------------------------------------------

@bp.get("/mod/")
@moderator_required
def queue():
    """Review items for the categories this moderator leads, most urgent first."""
    form = QueueFilterForm(request.args)
    form.category.choices = _category_choices(current_user, "All my categories")
    if not form.validate():
        abort(400)
    status = form.status.data or "open"
    pagination = queries.queue(
        current_user, category_id=int(form.category.data) if form.category.data else None,
        reason=form.reason.data or None, status=status, page=page_number())
    return render_template("moderation/queue.html", pagination=pagination, form=form,
                           status=status, duty_form=ConfirmForm(),
                           newcomers_waiting=_newcomers_waiting())


def _newcomers_waiting() -> int:
    return newcomers.waiting_count(current_user,
                                   hours=current_app.config["NEWCOMER_REPLY_HOURS"])


@bp.get("/mod/newcomers")
@moderator_required
def newcomers_waiting():
    """Newcomers' threads nobody else has answered yet, oldest first, each with a
    welcome reply to start from (it posts through the normal reply form)."""
    hours = current_app.config["NEWCOMER_REPLY_HOURS"]
    pagination = newcomers.waiting(current_user, hours=hours, page=page_number())
    forum_name = current_app.config["FORUM_NAME"]
    welcomes = {thread.id: newcomers.welcome_text(thread.author.display_name, forum_name)
                for thread in pagination.items}
    return render_template("moderation/newcomers.html", pagination=pagination, hours=hours,
                           welcomes=welcomes, newcomer_posts=newcomers.NEWCOMER_POSTS,
                           newcomers_waiting=pagination.total)


@bp.get(f"/mod/items/<{ID}:item_id>")
@moderator_required
def item(item_id):
    """One review item: the post in context, every flag, the author's history, actions."""
    review = queries.item_or_404(item_id, current_user)
    return render_template(
        "moderation/item.html", item=review, context=queries.posts_around(review.post),
        history=queries.author_history(review.post.author), forms=_action_forms(review),
        actions=services.actions_for(review), claim_form=ConfirmForm(),
        is_admin=current_user.is_admin,
    )


def _action_forms(review) -> dict:
    return {
        "dismiss": OptionalReasonForm(prefix="dismiss"),
        "approve": OptionalReasonForm(prefix="approve"),
        "reject": ReasonForm(prefix="reject"),
        "hide": ReasonForm(prefix="hide"),
        "remove": ReasonForm(prefix="remove"),
        "lock": ReasonForm(prefix="lock"),
        "warn": ReasonForm(prefix="warn"),
        "suspend": SuspendForm(prefix="suspend"),
        "edit": ModeratorEditForm(prefix="edit", data={"body": review.post.body_source}),
    }


@bp.post(f"/mod/items/<{ID}:item_id>/claim")
@moderator_required
def claim(item_id):
    """Take an item so others know it is being handled."""
    review = queries.item_or_404(item_id, current_user, for_update=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.claim(review, moderator=_me())
    db.session.commit()
    if review.claimed_by_id == current_user.id:
        flash("You have claimed this item.", "success")
    else:
        flash(f"{review.claimed_by.display_name} claimed this item first.", "info")
    return redirect(url_for("moderation.item", item_id=review.id))


ACTIONS = {
    "dismiss": lambda item, mod, f: services.dismiss(item, moderator=mod,
                                                     reason=f.reason.data or ""),
    "approve": lambda item, mod, f: services.approve(item, moderator=mod,
                                                     reason=f.reason.data or ""),
    "reject": lambda item, mod, f: services.reject(item, moderator=mod, feedback=f.reason.data),
    "hide": lambda item, mod, f: services.hide(item, moderator=mod, reason=f.reason.data),
    "remove": lambda item, mod, f: services.remove(item, moderator=mod, reason=f.reason.data),
    "lock": lambda item, mod, f: services.lock_from_item(item, moderator=mod, reason=f.reason.data),
    "warn": lambda item, mod, f: services.warn(item, moderator=mod, reason=f.reason.data),
    "suspend": lambda item, mod, f: services.suspend(item, moderator=mod, days=f.days.data,
                                                     reason=f.reason.data),
    "edit": lambda item, mod, f: services.moderator_edit(item, moderator=mod, body=f.body.data,
                                                         reason=f.reason.data,
                                                         redact=f.redact.data),
}


@bp.post(f"/mod/items/<{ID}:item_id>/<action>")
@moderator_required
def act(item_id, action):
    """Apply one action to a review item (each closes it and writes one audit entry)."""
    review = queries.item_or_404(item_id, current_user, for_update=True)
    if action not in ACTIONS:
        abort(404)
    if review.status != "open" or action not in services.actions_for(review):
        abort(409)
    form = _action_forms(review)[action]
    if not form.validate_on_submit():
        return _render_item_with_error(review, action, form)
    try:
        ACTIONS[action](review, _me(), form)
    except services.TooLong:
        form.days.errors.append("Moderators can suspend for 7 days at most; ask an admin.")
        return _render_item_with_error(review, action, form)
    except services.CannotSuspendStaff:
        form.reason.errors.append("Staff can't be suspended here; only admins suspend "
                                  "moderators.")
        return _render_item_with_error(review, action, form)
    db.session.commit()
    if review.status == "open":  # a held post still needs approving or rejecting
        flash(f"Done: {action}. The post is still held: approve or reject it.", "success")
        return redirect(url_for("moderation.item", item_id=review.id))
    flash(f"Done: {action}. The author has been told the outcome.", "success")
    return redirect(url_for("moderation.queue"))


def _render_item_with_error(review, action, form):
    forms = _action_forms(review)
    forms[action] = form
    return render_template(
        "moderation/item.html", item=review, context=queries.posts_around(review.post),
        history=queries.author_history(review.post.author), forms=forms,
        actions=services.actions_for(review), claim_form=ConfirmForm(),
        is_admin=current_user.is_admin, open_action=action,
    ), 400


@bp.post("/mod/duty")
@moderator_required
def toggle_duty():
    """Mark oneself available (or not) for immediate crisis alerts."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = _me()
    services.set_on_duty(user, on_duty=not user.is_on_duty)
    db.session.commit()
    flash("You are on duty: crisis alerts for your categories will email you."
          if user.is_on_duty else "You are off duty.", "success")
    return redirect(url_for("moderation.queue"))


# --- thread tools ---------------------------------------------------------------------

THREAD_TOOLS = {
    "pin": lambda t, m: services.set_thread_pin(t, moderator=m, pinned=True),
    "unpin": lambda t, m: services.set_thread_pin(t, moderator=m, pinned=False),
    "lock": lambda t, m: services.set_thread_lock(t, moderator=m, locked=True),
    "unlock": lambda t, m: services.set_thread_lock(t, moderator=m, locked=False),
    "guide": lambda t, m: services.set_thread_guided(t, moderator=m, guided=True),
    "unguide": lambda t, m: services.set_thread_guided(t, moderator=m, guided=False),
}


@bp.post(f"/mod/threads/<{ID}:thread_id>/<tool>")
@login_required
def thread_tool(thread_id, tool):
    """Pin, lock or guide a thread in a category this moderator leads."""
    thread = thread_queries.thread_or_404(thread_id, current_user)
    if tool not in THREAD_TOOLS:
        abort(404)
    if not permissions.can_moderate(current_user, thread.category_id):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    THREAD_TOOLS[tool](thread, _me())
    db.session.commit()
    flash(f"Thread {tool}ned." if tool.endswith("pin") else f"Thread: {tool} done.", "success")
    return redirect(url_for("threads.show", thread_id=thread.id))


@bp.route(f"/mod/threads/<{ID}:thread_id>/move", methods=["GET", "POST"])
@login_required
def move_thread(thread_id):
    """Move a thread between categories this moderator leads."""
    thread = thread_queries.thread_or_404(thread_id, current_user)
    if not permissions.can_moderate(current_user, thread.category_id):
        abort(403)
    form = MoveForm()
    targets = [c for c in queries.moderated_categories(current_user) if c.id != thread.category_id]
    form.category.choices = {c.id: c.name for c in targets}
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("moderation/move.html", thread=thread, form=form), status
    target = db.session.get(Category, form.category.data)
    services.move_thread(thread, moderator=_me(), to_category=target)
    db.session.commit()
    flash(f"Thread moved to {target.name}.", "success")
    return redirect(url_for("threads.show", thread_id=thread.id))


# --- audit ----------------------------------------------------------------------------

@bp.get("/mod/audit")
@moderator_required
def audit():
    """The audit log: moderators see their categories, admins everything (CSV export)."""
    form = AuditFilterForm(request.args)
    form.category.choices = _category_choices(current_user, "All categories")
    if not form.validate():
        abort(400)
    filters = {"action": form.action.data or None,
               "category_id": int(form.category.data) if form.category.data else None,
               "actor_name": form.actor.data or None}
    if request.args.get("format") == "csv":
        if not current_user.is_admin:
            abort(403)
        return _audit_csv(queries.audit_entries(current_user, **filters))
    pagination = queries.audit_entries(current_user, page=page_number(), **filters)
    return render_template("moderation/audit.html", pagination=pagination, form=form)


def _audit_csv(entries) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["time_utc", "actor", "action", "target_type", "target_id",
                     "category_id", "reason", "before", "after"])
    for e in entries:
        writer.writerow([e.created_at.isoformat(),
                         _csv_safe(e.actor.display_name) if e.actor else "system",
                         e.action, e.target_type, e.target_id, e.category_id or "",
                         _csv_safe(e.reason), _csv_safe(e.before), _csv_safe(e.after)])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})


def _csv_safe(value: str) -> str:
    """Stop spreadsheet formula injection from free-text reasons."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- the member's side ----------------------------------------------------------------

@bp.route(f"/p/<{ID}:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag(post_id):
    """Flag a post for the moderators (once per member and post)."""
    post = thread_queries.post_or_404(post_id, current_user)
    if not permissions.can_flag(current_user, post):
        abort(403)
    form = FlagForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("moderation/flag.html", post=post, form=form), status
    try:
        services.flag_post(post, reporter=_me(), reason=form.reason.data,
                           message=form.message.data or "",
                           auto_hide_at=current_app.config["FLAGS_TO_HIDE"])
        db.session.commit()
    except (services.AlreadyFlagged, IntegrityError):
        db.session.rollback()
        flash("You have already flagged this post. A moderator will look at it.", "info")
        return redirect(url_for("threads.permalink", post_id=post.id)), 303
    if form.reason.data == "risk_of_harm":
        # The post is now held, so the flagger goes back to the thread, not to the post.
        flash("Thank you for looking out for them. The post is held and the trained peer "
              "moderators on duty have been alerted now. The author won't know who flagged "
              "it. If someone is in immediate danger, call the emergency number.", "success")
        if permissions.can_view_thread(current_user, post.thread):
            return redirect(url_for("threads.show", thread_id=post.thread_id))
        return redirect(url_for("threads.category", slug=post.thread.category.slug))
    flash("Thank you. A trained peer moderator will look at this post. The author won't "
          "know who flagged it.", "success")
    return redirect(url_for("threads.permalink", post_id=post.id))


@bp.get("/notices")
def notices():
    """The old "Messages" page: moderators' decisions are now on the notifications page."""
    return redirect(url_for("notifications.index"))


@bp.get(f"/support/<{ID}:post_id>")
@login_required
def support(post_id):
    """The supportive page shown to the author of a post held for a crisis review: for a
    medical crisis, what to do in a medical emergency first; then emotional support and
    the region's crisis lines."""
    post = db.session.get(Post, post_id)
    if post is None or post.author_id != current_user.id:
        abort(404)
    return render_template("moderation/support.html", post=post,
                           crisis=crisis_help(current_app.config), kind=crisis_kind(post.id),
                           reasons=FLAG_REASONS)
