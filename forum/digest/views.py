"""Digest pages: subscribe (public, double opt-in), confirm, one-click unsubscribe,
re-subscribe, "Preview my digest", the settings form, moderators' picks, and the admin
overview with any subscriber's preview."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from forum import permissions
from forum.audit import audit
from forum.clock import utcnow
from forum.digest import subscriptions
from forum.digest.audience import (
    DIGEST_MODES,
    PUBLIC,
    category_filter,
    effective_mode,
)
from forum.digest.content import Selections
from forum.digest.emails import build_digest_email, load_recipient
from forum.digest.forms import CategoryModeForm, SubscribeForm
from forum.digest.schedule import Schedule, current_period
from forum.extensions import csrf, db, limiter
from forum.forms import ConfirmForm
from forum.models import Category, DigestDelivery, DigestSubscription, Thread
from forum.web import ID, admin_required, page_number
from forum.web import me as _me

bp = Blueprint("digest", __name__)

def _schedule() -> Schedule:
    return Schedule.from_config(current_app.config)


def _next_send_local():
    period = current_period(_schedule(), utcnow())
    return period.end.astimezone(_schedule().zone)


subscribe_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_DIGEST_SUBSCRIBE"],
    methods=["POST"], scope="digest_subscribe")


# --- public pages ----------------------------------------------------------------------

@bp.route("/digest", methods=["GET", "POST"])
@subscribe_limit
def subscribe():
    """The weekly digest by email for anyone, members or not (double opt-in)."""
    form = SubscribeForm()
    if form.validate_on_submit():
        subscriptions.request_email_subscription(form.email.data)
        db.session.commit()  # the confirmation email goes out after this commit
        return render_template("digest/check_inbox.html")
    categories = db.session.scalars(
        select(Category).where(category_filter(PUBLIC)).order_by(Category.position)).all()
    status = 400 if form.is_submitted() else 200
    return render_template("digest/subscribe.html", form=form, categories=categories,
                           next_send=_next_send_local()), status


@bp.route("/digest/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """Confirm an email-only subscription (a button, so link scanners confirm nothing)."""
    subscription = subscriptions.by_confirm_token(token)
    if subscription is None:
        return render_template("digest/link_invalid.html"), 404
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("digest/confirm.html", form=form)
    subscriptions.confirm(subscription)
    db.session.commit()
    return render_template("digest/subscribed.html", subscription=subscription,
                           token=subscriptions.unsubscribe_token(subscription),
                           next_send=_next_send_local())


@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail provider POSTs with no cookie and no CSRF token
def unsubscribe(token):
    """One-click unsubscribe. POST unsubscribes (200, no redirect); GET only asks, since
    mail scanners fetch links."""
    subscription = subscriptions.by_unsubscribe_token(token)
    if subscription is None:
        return render_template("digest/link_invalid.html"), 404
    if request.method == "POST":
        subscriptions.unsubscribe(subscription)
        db.session.commit()
        return render_template("digest/unsubscribed.html", subscription=subscription,
                               token=token)
    return render_template("digest/unsubscribe.html", subscription=subscription, token=token)


@bp.route("/digest/resubscribe/<token>", methods=["GET", "POST"])
def resubscribe(token):
    """Start the digest again from the link in a digest or on the unsubscribed page."""
    subscription = subscriptions.by_unsubscribe_token(token)
    if subscription is None:
        return render_template("digest/link_invalid.html"), 404
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("digest/resubscribe.html", form=form, subscription=subscription)
    if subscription.is_member and not subscription.user.is_confirmed:
        abort(409)
    subscriptions.resubscribe(subscription)
    db.session.commit()
    return render_template("digest/subscribed.html", subscription=subscription, token=token,
                           next_send=_next_send_local())


# --- members ---------------------------------------------------------------------------

def _preview(subscription: DigestSubscription):
    """The exact HTML ``subscription`` would get if their next digest went out now: all
    since their last one."""
    now = utcnow()
    period = current_period(_schedule(), now)
    recipient = load_recipient(subscription.id)
    selections = Selections(period)
    digest = selections.compose(recipient, window=selections.window_for(recipient, until=now))
    if digest.is_empty:
        return render_template("digest/preview_empty.html", subscription=subscription,
                               period=period, next_send=_next_send_local())
    # The site's strict CSP applies here too (no 'unsafe-inline' on any page), so a
    # browser shows this exact HTML without its inline styles; mail clients apply them.
    return make_response(build_digest_email(recipient, digest).html)


@bp.get("/digest/preview")
@login_required
def preview():
    """Preview my digest: what the next digest would hold if it went out now."""
    subscription = subscriptions.member_subscription(current_user)
    if subscription is None or not subscription.is_active:
        return render_template("digest/preview_none.html")
    return _preview(subscription)


# --- moderators ------------------------------------------------------------------------

@bp.post(f"/digest/feature/<{ID}:thread_id>")
@login_required
def feature(thread_id):
    """Feature a thread in the next digest, or withdraw the pick (moderators)."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or not permissions.can_view_thread(current_user, thread):
        abort(404)
    if not permissions.can_moderate(current_user, thread.category_id):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    period = current_period(_schedule(), utcnow())
    featured = subscriptions.toggle_feature(thread, moderator=_me(), period_key=period.key)
    db.session.commit()
    flash("Featured in the next weekly digest." if featured
          else "No longer featured in the next digest.", "success")
    return redirect(url_for("threads.show", thread_id=thread.id))


# --- admins ----------------------------------------------------------------------------

def _delivery_stats(limit: int = 6) -> list[tuple[str, dict[str, int]]]:
    rows = db.session.execute(
        select(DigestDelivery.period, DigestDelivery.status, func.count())
        .group_by(DigestDelivery.period, DigestDelivery.status)).all()
    stats: dict[str, dict[str, int]] = {}
    for period, status, count in rows:
        stats.setdefault(period, {})[status] = count
    return sorted(stats.items(), reverse=True)[:limit]


@bp.get("/admin/digest")
@admin_required
def admin():
    """Subscriber figures, recent sends, category modes and every subscriber's preview."""
    pagination = db.paginate(
        select(DigestSubscription).order_by(DigestSubscription.id.desc())
        .options(selectinload(DigestSubscription.user),
                 selectinload(DigestSubscription.categories)),
        page=page_number(), per_page=50,
        error_out=False)
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    forms = {c.id: CategoryModeForm(data={"mode": c.digest_mode}) for c in categories}
    return render_template(
        "digest/admin.html", counts=subscriptions.subscriber_counts(),
        stats=_delivery_stats(), pagination=pagination, categories=categories, forms=forms,
        modes=DIGEST_MODES, effective_mode=effective_mode, next_send=_next_send_local(),
        schedule=_schedule(), mask=_mask)


def _mask(email: str | None) -> str:
    """"j•••@example.org": enough to tell subscribers apart, not to read the address."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••@{domain}"


@bp.post(f"/admin/digest/categories/<{ID}:category_id>")
@admin_required
def admin_category_mode(category_id):
    """Set how the digest treats one category (full, sensitive, title only, left out)."""
    category = db.get_or_404(Category, category_id)
    form = CategoryModeForm()
    if not form.validate_on_submit():
        abort(400)
    before = category.digest_mode
    category.digest_mode = form.mode.data
    audit(_me(), "digest_category_mode", target_type="category", target_id=category.id,
          category_id=category.id, before={"digest_mode": before},
          after={"digest_mode": category.digest_mode})
    db.session.commit()
    flash(f"{category.name}: {DIGEST_MODES[category.digest_mode]}.", "success")
    return redirect(url_for("digest.admin", _anchor="categories"))


@bp.get(f"/admin/digest/subscribers/<{ID}:subscription_id>/preview")
@admin_required
def admin_preview(subscription_id):
    """The next digest of any subscriber, exactly as it would be sent now."""
    return _preview(db.get_or_404(DigestSubscription, subscription_id))
