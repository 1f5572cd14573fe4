"""Crisis alerts to on-duty moderators and escalation to admins.

Alerts carry a link to the review item and never the post's text.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from forum.audit import audit
from forum.clock import utcnow
from forum.email import queue_email
from forum.extensions import db
from forum.models import ReviewItem, User
from forum.permissions import category_leads
from forum.urls import external_url


def on_duty_moderators(category_id: int) -> list[User]:
    """Trained moderators of the category who marked themselves available; else all admins."""
    return category_leads(category_id, on_duty=True) or admins()


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "admin")))


def alert_on_duty(item: ReviewItem) -> int:
    """Queue an immediate alert for a crisis item; returns how many people are alerted."""
    recipients = on_duty_moderators(item.category_id)
    link = external_url("moderation.item", item_id=item.id)
    for user in recipients:
        queue_email(user.email, "crisis_alert", user=user, item=item, escalated=False,
                    action_url=link)
    item.alerted_at = utcnow()
    return len(recipients)


def escalate_unclaimed() -> list[ReviewItem]:
    """Alert all admins about crisis items nobody claimed in time. Idempotent: each item
    escalates once (``escalated_at``), so it is safe to run from cron every minute."""
    minutes = current_app.config["CRISIS_ESCALATE_AFTER_MINUTES"]
    cutoff = utcnow() - timedelta(minutes=minutes)
    items = db.session.scalars(
        select(ReviewItem).where(
            ReviewItem.status == "open", ReviewItem.is_crisis.is_(True),
            ReviewItem.claimed_at.is_(None), ReviewItem.escalated_at.is_(None),
            ReviewItem.created_at <= cutoff,
        ).with_for_update(skip_locked=True)
    ).all()
    recipients = admins()
    for item in items:
        link = external_url("moderation.item", item_id=item.id)
        for user in recipients:
            queue_email(user.email, "crisis_alert", user=user, item=item, escalated=True,
                        action_url=link)
        item.escalated_at = utcnow()
        audit(None, "escalate", target_type="review_item", target_id=item.id,
              category_id=item.category_id,
              reason=f"unclaimed after {minutes} minutes; {len(recipients)} admins alerted")
    db.session.flush()
    return items
