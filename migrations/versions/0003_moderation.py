"""moderation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 00:18:33.892043

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


POSTS = sa.table("posts", sa.column("id", sa.Integer), sa.column("thread_id", sa.Integer),
                 sa.column("created_at", sa.DateTime), sa.column("status", sa.String),
                 sa.column("is_opening", sa.Boolean))
THREADS = sa.table("threads", sa.column("id", sa.Integer), sa.column("reply_count", sa.Integer),
                   sa.column("is_listed", sa.Boolean))


def _backfill_thread_counters():
    """Mark each thread's first post as its opening post, then derive reply_count and
    is_listed from the posts (existing forums keep correct counts)."""
    earlier = sa.alias(POSTS, "earlier")
    no_earlier = ~sa.exists().where(
        earlier.c.thread_id == POSTS.c.thread_id,
        sa.or_(earlier.c.created_at < POSTS.c.created_at,
               sa.and_(earlier.c.created_at == POSTS.c.created_at, earlier.c.id < POSTS.c.id)))
    op.execute(POSTS.update().where(no_earlier).values(is_opening=True))
    replies = (sa.select(sa.func.count()).select_from(POSTS)
               .where(POSTS.c.thread_id == THREADS.c.id, POSTS.c.status == "visible",
                      POSTS.c.is_opening.is_(False)).scalar_subquery())
    op.execute(THREADS.update().values(reply_count=replies))
    unlisted_opening = sa.exists().where(
        POSTS.c.thread_id == THREADS.c.id, POSTS.c.is_opening.is_(True),
        POSTS.c.status.notin_(("visible", "deleted_by_author")))
    op.execute(THREADS.update().where(unlisted_opening).values(is_listed=False))


# The starting list of watched phrases as it was when this migration was written: a
# frozen copy of forum/moderation/default_phrases.py, so later edits of the app's list
# (or moving it) never change what this migration inserts. Each entry: (phrase, action,
# category); ``*`` ends a prefix. Do not edit: change the list with a new migration.
DEFAULT_PHRASES = [
    # Suicide and self-harm
    ("suicid*", "hold", "crisis"),
    ("kill myself", "hold", "crisis"),
    ("end my life", "hold", "crisis"),
    ("to end it all", "hold", "crisis"),
    ("ending it all", "hold", "crisis"),
    ("want to die", "hold", "crisis"),
    ("wish i was dead", "hold", "crisis"),
    ("better off dead", "hold", "crisis"),
    ("no reason to live", "hold", "crisis"),
    ("self harm", "hold", "crisis"),
    ("self-harm", "hold", "crisis"),
    ("want to hurt myself", "hold", "crisis"),
    ("overdose on insulin", "hold", "crisis"),
    ("take all my insulin", "hold", "crisis"),
    ("cant go on anymore", "hold", "crisis"),
    ("cant go on any more", "hold", "crisis"),
    ("cant go on like this", "hold", "crisis"),
    ("cannot go on anymore", "hold", "crisis"),
    # Diabetes-specific emergencies
    ("cant bring my low up", "hold", "medical_emergency"),
    ("cant get my sugar up", "hold", "medical_emergency"),
    ("cant get my blood sugar up", "hold", "medical_emergency"),
    ("cannot bring my low up", "hold", "medical_emergency"),
    ("cannot get my sugar up", "hold", "medical_emergency"),
    ("cannot get my blood sugar up", "hold", "medical_emergency"),
    ("low wont come up", "hold", "medical_emergency"),
    ("dka", "hold", "medical_emergency"),
    ("diabetic ketoacidosis", "hold", "medical_emergency"),
    ("ketones and vomiting", "hold", "medical_emergency"),
    ("ketones and being sick", "hold", "medical_emergency"),
    ("vomiting with high ketones", "hold", "medical_emergency"),
    ("high ketones", "hold", "medical_emergency"),
    ("rationing insulin", "hold", "medical_emergency"),
    ("rationing my insulin", "hold", "medical_emergency"),
    ("cant afford insulin", "hold", "medical_emergency"),
    ("skipping insulin to lose weight", "hold", "medical_emergency"),
    ("skip insulin to lose weight", "hold", "medical_emergency"),
    ("diabulimia", "hold", "medical_emergency"),
    # Prescription trading
    ("selling insulin", "block", "prescription_trading"),
    ("sell my insulin", "block", "prescription_trading"),
    ("buy insulin without prescription", "block", "prescription_trading"),
    ("insulin for sale", "block", "prescription_trading"),
    ("swap insulin", "block", "prescription_trading"),
    ("spare ozempic", "block", "prescription_trading"),
    ("selling ozempic", "block", "prescription_trading"),
    ("selling test strips", "block", "prescription_trading"),
    ("dm me for pens", "block", "prescription_trading"),
    # Spam
    ("cure diabetes in 30 days", "block", "spam"),
    ("reverse diabetes instantly", "block", "spam"),
    ("crypto investment", "block", "spam"),
]


def _install_default_phrases():
    """The shipped starting list of watched phrases (admins edit it afterwards)."""
    from datetime import UTC, datetime

    phrases = sa.table("watched_phrases", sa.column("phrase", sa.String),
                       sa.column("action", sa.String), sa.column("category", sa.String),
                       sa.column("created_at", sa.DateTime))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(phrases, [{"phrase": p, "action": a, "category": c, "created_at": now}
                             for p, a, c in DEFAULT_PHRASES])


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('watched_phrases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phrase', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("action IN ('hold', 'flag', 'block')", name=op.f('ck_watched_phrases_action')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watched_phrases')),
    sa.UniqueConstraint('phrase', name=op.f('uq_watched_phrases_phrase'))
    )
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_audit_entries_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_created_at'), ['created_at'], unique=False)

    op.create_table('category_moderators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_moderators_category_id_categories')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_category_moderators_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_moderators')),
    sa.UniqueConstraint('category_id', 'user_id', name='uq_category_moderators_category_user')
    )
    with op.batch_alter_table('category_moderators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_moderators_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_category_moderators_user_id'), ['user_id'], unique=False)

    op.create_table('moderator_trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_name', sa.String(length=120), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('trainer', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_moderator_trainings_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_moderator_trainings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderator_trainings'))
    )
    with op.batch_alter_table('moderator_trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderator_trainings_user_id'), ['user_id'], unique=False)

    op.create_table('moderation_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_moderation_notices_post_id_posts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_moderation_notices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_notices'))
    )
    with op.batch_alter_table('moderation_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_notices_user_id'), ['user_id'], unique=False)

    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('is_crisis', sa.Boolean(), nullable=False),
    sa.Column('matched_phrase', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('alerted_at', sa.DateTime(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_review_items_status')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_review_items_category_id_categories')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_review_items_claimed_by_id_users')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_review_items_post_id_posts')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_review_items_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_review_items_queue', ['status', 'priority', 'created_at'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['review_items.id'], name=op.f('fk_flags_item_id_review_items')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_flags_post_id_posts')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_flags_reporter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    sa.UniqueConstraint('post_id', 'reporter_id', name='uq_flags_post_reporter')
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flags_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flags_reporter_id'), ['reporter_id'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_opening', sa.Boolean(), nullable=False, server_default=sa.text('false')))

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('is_listed', sa.Boolean(), nullable=False, server_default=sa.text('true')))
        batch_op.add_column(sa.Column('is_moderator_led', sa.Boolean(), nullable=False, server_default=sa.text('false')))
        batch_op.add_column(sa.Column('guide_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_threads_guide_id_users'), 'users', ['guide_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_on_duty', sa.Boolean(), nullable=False, server_default=sa.text('false')))

    _backfill_thread_counters()
    _install_default_phrases()
    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_on_duty')

    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_threads_guide_id_users'), type_='foreignkey')
        batch_op.drop_column('guide_id')
        batch_op.drop_column('is_moderator_led')
        batch_op.drop_column('is_listed')
        batch_op.drop_column('reply_count')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('is_opening')

    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_flags_post_id'))
        batch_op.drop_index(batch_op.f('ix_flags_item_id'))

    op.drop_table('flags')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index('ix_review_items_queue')
        batch_op.drop_index(batch_op.f('ix_review_items_post_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_category_id'))

    op.drop_table('review_items')
    with op.batch_alter_table('moderation_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_notices_user_id'))

    op.drop_table('moderation_notices')
    with op.batch_alter_table('moderator_trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderator_trainings_user_id'))

    op.drop_table('moderator_trainings')
    with op.batch_alter_table('category_moderators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_moderators_user_id'))
        batch_op.drop_index(batch_op.f('ix_category_moderators_category_id'))

    op.drop_table('category_moderators')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_category_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
    op.drop_table('watched_phrases')
    # ### end Alembic commands ###
