"""post_revisions: redaction (who took an earlier version's text out, when and why)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:30:00

Downgrading drops the redaction record but not the redaction itself: the removed text
is gone either way.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('redacted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('redaction_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_post_revisions_redacted_by_id_users'),
                                    'users', ['redacted_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('post_revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_post_revisions_redacted_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('redaction_reason')
        batch_op.drop_column('redacted_by_id')
        batch_op.drop_column('redacted_at')
