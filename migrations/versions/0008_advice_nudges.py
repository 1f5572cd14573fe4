"""advice_nudges: counts of the dose-advice prompt (shown, rephrased, posted anyway)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00

No post text, no author: a kind, a category and the hour.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('advice_nudges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=15), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('shown', 'rephrased', 'posted_anyway')", name=op.f('ck_advice_nudges_kind')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_advice_nudges_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advice_nudges'))
    )
    with op.batch_alter_table('advice_nudges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advice_nudges_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advice_nudges_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('advice_nudges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advice_nudges_created_at'))
        batch_op.drop_index(batch_op.f('ix_advice_nudges_category_id'))
    op.drop_table('advice_nudges')
