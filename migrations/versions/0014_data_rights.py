"""data rights: login history, export jobs, display-name history, research consent,
and the privacy and erasure columns on users

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:11:00

New tables (each row belongs to one member and goes with them: ON DELETE CASCADE):
login_events, data_exports ("Download my data" jobs), display_name_changes (private,
for moderators) and research_consents (a grant/withdrawal ledger). On users: a hidden
profile, when the display name last changed, a pending deletion request with the
member's choice for their posts, and erased_at for an erased member's tombstone.
Downgrading drops these tables and columns with what they hold (pending deletions,
consents and login history are lost): take a backup first.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('ready_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'ready', 'downloaded', 'expired', 'failed')", name=op.f('ck_data_exports_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports'))
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index('ix_data_exports_status_due', ['status', 'requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_user_id'), ['user_id'], unique=False)

    op.create_table('display_name_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('old_name', sa.String(length=40), nullable=False),
    sa.Column('new_name', sa.String(length=40), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_display_name_changes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_display_name_changes'))
    )
    with op.batch_alter_table('display_name_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_display_name_changes_user_id'), ['user_id'], unique=False)

    op.create_table('login_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('network', sa.String(length=64), nullable=False),
    sa.Column('browser', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_events'))
    )
    with op.batch_alter_table('login_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_login_events_user_at', ['user_id', 'at'], unique=False)

    op.create_table('research_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_research_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_consents'))
    )
    with op.batch_alter_table('research_consents', schema=None) as batch_op:
        batch_op.create_index('ix_research_consents_user_at', ['user_id', 'at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_hidden', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('display_name_changed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deletion_requested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deletion_posts', sa.String(length=8), server_default='remove', nullable=False))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_users_deletion_posts'),
                                         "deletion_posts IN ('remove', 'keep')")



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_deletion_posts'), type_='check')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('deletion_posts')
        batch_op.drop_column('deletion_requested_at')
        batch_op.drop_column('display_name_changed_at')
        batch_op.drop_column('profile_hidden')

    with op.batch_alter_table('research_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_research_consents_user_at')

    op.drop_table('research_consents')
    with op.batch_alter_table('login_events', schema=None) as batch_op:
        batch_op.drop_index('ix_login_events_user_at')
        batch_op.drop_index(batch_op.f('ix_login_events_at'))

    op.drop_table('login_events')
    with op.batch_alter_table('display_name_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_display_name_changes_user_id'))

    op.drop_table('display_name_changes')
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_exports_user_id'))
        batch_op.drop_index('ix_data_exports_status_due')

    op.drop_table('data_exports')
