"""review_items: the risk engine's kind and evidence (shown to moderators)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_kind', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('risk_evidence', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_column('risk_evidence')
        batch_op.drop_column('risk_kind')
