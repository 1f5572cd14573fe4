"""digest per subscriber: what each subscriber's digests covered

digest_subscriptions.covered_until: the end of what the subscriber's last digest covered
(the next one covers from there). digest_deliveries.covers_from/covers_until: what each
sent or skipped digest covered. Existing rows are filled in from the periods already
sent, with the schedule in the app's configuration (DIGEST_WEEKDAY, DIGEST_HOUR,
DIGEST_TIMEZONE; the defaults without an app), so nobody's next digest repeats a week.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00
"""
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

DONE = ("sent", "skipped")


def _schedule() -> tuple[int, int, ZoneInfo]:
    try:
        from flask import current_app

        config = current_app.config
        return (int(config["DIGEST_WEEKDAY"]), int(config["DIGEST_HOUR"]),
                ZoneInfo(config["DIGEST_TIMEZONE"]))
    except (RuntimeError, KeyError):  # no app: the defaults
        return 0, 8, ZoneInfo("Europe/London")


def _bounds(key: str, weekday: int, hour: int, zone: ZoneInfo):
    """The period named ``key`` as naive UTC (start, end), or None for a malformed key."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", key)
    if not match:
        return None
    try:
        day = date.fromisocalendar(int(match.group(1)), int(match.group(2)), weekday + 1)
    except ValueError:
        return None

    def at(d):
        return datetime.combine(d, time(hour), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

    return at(day), at(day + timedelta(days=7))


def upgrade():
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('covers_from', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('covers_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('digest_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('covered_until', sa.DateTime(), nullable=True))

    bind = op.get_bind()
    deliveries = sa.table('digest_deliveries', sa.column('period', sa.String),
                          sa.column('status', sa.String), sa.column('subscription_id'),
                          sa.column('covers_from', sa.DateTime),
                          sa.column('covers_until', sa.DateTime))
    subscriptions = sa.table('digest_subscriptions', sa.column('id'),
                             sa.column('covered_until', sa.DateTime))
    weekday, hour, zone = _schedule()
    keys = bind.execute(sa.select(deliveries.c.period).distinct()
                        .where(deliveries.c.status.in_(DONE))).scalars().all()
    for key in keys:  # one statement per week ever sent
        bounds = _bounds(key, weekday, hour, zone)
        if bounds is None:
            continue
        bind.execute(deliveries.update()
                     .where(deliveries.c.period == key, deliveries.c.status.in_(DONE))
                     .values(covers_from=bounds[0], covers_until=bounds[1]))
    last = (sa.select(sa.func.max(deliveries.c.covers_until))
            .where(deliveries.c.subscription_id == subscriptions.c.id,
                   deliveries.c.status.in_(DONE))
            .scalar_subquery())
    bind.execute(subscriptions.update().values(covered_until=last))


def downgrade():
    with op.batch_alter_table('digest_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('covered_until')
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.drop_column('covers_until')
        batch_op.drop_column('covers_from')
