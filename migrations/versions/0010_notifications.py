"""notifications: following threads and categories, the notifications page

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:28:04

Every existing moderation notice becomes a notification of kind ``moderation`` pointing
at it (read if it was read), so members keep their messages on the one new page.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('category_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_follows_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_category_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_follows')),
    sa.UniqueConstraint('user_id', 'category_id', name='uq_category_follows_user_category')
    )
    with op.batch_alter_table('category_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_follows_category_id'), ['category_id'], unique=False)

    op.create_table('thread_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("level IN ('follow', 'mute')", name=op.f('ck_thread_follows_level')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_thread_follows_thread_id_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thread_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_follows')),
    sa.UniqueConstraint('user_id', 'thread_id', name='uq_thread_follows_user_thread')
    )
    with op.batch_alter_table('thread_follows', schema=None) as batch_op:
        batch_op.create_index('ix_thread_follows_thread_level', ['thread_id', 'level'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('reply', 'mention', 'quote', 'moderation', 'reactions')", name=op.f('ck_notifications_kind')),
    sa.ForeignKeyConstraint(['notice_id'], ['moderation_notices.id'], name=op.f('fk_notifications_notice_id_moderation_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_notifications_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_post_user', ['post_id', 'user_id'], unique=False)
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_follow', sa.Boolean(), server_default=sa.text('true'), nullable=False))
        batch_op.add_column(sa.Column('notify_mentions', sa.Boolean(), server_default=sa.text('true'), nullable=False))

    # ### end Alembic commands ###
    op.execute(
        "INSERT INTO notifications (user_id, kind, thread_id, post_id, notice_id, count,"
        " created_at, updated_at, read_at)"
        " SELECT n.user_id, 'moderation', p.thread_id, n.post_id, n.id, 1,"
        " n.created_at, n.created_at, n.read_at"
        " FROM moderation_notices n LEFT JOIN posts p ON p.id = n.post_id"
        " ORDER BY n.id")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notify_mentions')
        batch_op.drop_column('auto_follow')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')
        batch_op.drop_index('ix_notifications_post_user')

    op.drop_table('notifications')
    with op.batch_alter_table('thread_follows', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_follows_thread_level')

    op.drop_table('thread_follows')
    with op.batch_alter_table('category_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_follows_category_id'))

    op.drop_table('category_follows')
    # ### end Alembic commands ###
