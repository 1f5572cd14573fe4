"""users: notification email settings (immediately, daily or never; quiet hours)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 10:00:00

Per member: how replies in their own threads (default immediately) and everything else
they follow (default a daily summary) are emailed, quiet hours (off) and their time
zone ("" is the forum's default), and when their last daily summary went out.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_replies', sa.String(length=12), server_default='immediately', nullable=False))
        batch_op.add_column(sa.Column('email_follows', sa.String(length=12), server_default='daily', nullable=False))
        batch_op.add_column(sa.Column('quiet_hours', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('summary_sent_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('summary_sent_at')
        batch_op.drop_column('time_zone')
        batch_op.drop_column('quiet_hours')
        batch_op.drop_column('email_follows')
        batch_op.drop_column('email_replies')
