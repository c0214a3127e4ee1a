"""targeted notices (精准推送): tags on household members with their audit, notices and their recipients

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 07:35:57.295117

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('notices',
    sa.Column('sender_id', BIG_ID, nullable=False),
    sa.Column('region_id', BIG_ID, nullable=False),
    sa.Column('region_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.String(length=255), nullable=False),
    sa.Column('tag_match', sa.String(length=8), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("audience IN ('households', 'everyone')", name=op.f('ck_notices_audience_known')),
    sa.CheckConstraint("tag_match IN ('any', 'all')", name=op.f('ck_notices_tag_match_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_notices_city_id_cities')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_notices_region_id_regions')),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_notices_sender_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_notices_city_id_region_path', ['city_id', 'region_path'], unique=False)

    op.create_table('notice_recipients',
    sa.Column('notice_id', BIG_ID, nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('grid_id', BIG_ID, nullable=False),
    sa.Column('notification_id', BIG_ID, nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_notice_recipients_city_id_cities')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_notice_recipients_grid_id_regions')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_recipients_notice_id_notices')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notice_recipients_notification_id_notifications')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_recipients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_recipients')),
    sa.UniqueConstraint('city_id', 'notice_id', 'user_id', name=op.f('uq_notice_recipients_city_id_notice_id_user_id'))
    )
    with op.batch_alter_table('notice_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_recipients_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_notice_recipients_city_id_user_id', ['city_id', 'user_id'], unique=False)

    op.create_table('member_tag_events',
    sa.Column('member_id', BIG_ID, nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("action IN ('added', 'removed')", name=op.f('ck_member_tag_events_action_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_member_tag_events_city_id_cities')),
    sa.ForeignKeyConstraint(['member_id'], ['household_members.id'], name=op.f('fk_member_tag_events_member_id_household_members')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_tag_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_tag_events'))
    )
    with op.batch_alter_table('member_tag_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_tag_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_member_tag_events_city_id_member_id', ['city_id', 'member_id'], unique=False)

    op.create_table('member_tags',
    sa.Column('member_id', BIG_ID, nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.Column('set_by', BIG_ID, nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_member_tags_city_id_cities')),
    sa.ForeignKeyConstraint(['member_id'], ['household_members.id'], name=op.f('fk_member_tags_member_id_household_members')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_member_tags_set_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_tags')),
    sa.UniqueConstraint('city_id', 'member_id', 'tag', name=op.f('uq_member_tags_city_id_member_id_tag'))
    )
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_tags_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_member_tags_city_id_tag', ['city_id', 'tag'], unique=False)



def downgrade():
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_member_tags_city_id_tag')
        batch_op.drop_index(batch_op.f('ix_member_tags_city_id'))

    op.drop_table('member_tags')
    with op.batch_alter_table('member_tag_events', schema=None) as batch_op:
        batch_op.drop_index('ix_member_tag_events_city_id_member_id')
        batch_op.drop_index(batch_op.f('ix_member_tag_events_city_id'))

    op.drop_table('member_tag_events')
    with op.batch_alter_table('notice_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_recipients_city_id_user_id')
        batch_op.drop_index(batch_op.f('ix_notice_recipients_city_id'))

    op.drop_table('notice_recipients')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_city_id_region_path')
        batch_op.drop_index(batch_op.f('ix_notices_city_id'))

    op.drop_table('notices')
