"""task forces (领导包案, 联合处置 1+1+N) with their sub-tasks and events; review meetings (会商研判) with action items,
their evidence photos and events

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-02 13:09:05

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0025'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
PATH = sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql')


def upgrade():
    op.create_table('review_meetings',
    sa.Column('region_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=True),
    sa.Column('subject_id', BIG_ID, nullable=True),
    sa.Column('convened_by_user_id', BIG_ID, nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_review_meetings_city_id_cities')),
    sa.ForeignKeyConstraint(['convened_by_user_id'], ['users.id'], name=op.f('fk_review_meetings_convened_by_user_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_review_meetings_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_meetings'))
    )
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_meetings_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_review_meetings_city_id_region_path', ['city_id', 'region_path'], unique=False)

    op.create_table('task_forces',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('leader_user_id', BIG_ID, nullable=True),
    sa.Column('created_by_user_id', BIG_ID, nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("kind IN ('leader', 'joint')", name=op.f('ck_task_forces_kind_known')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_task_forces_status_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_task_forces_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_task_forces_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['leader_user_id'], ['users.id'], name=op.f('fk_task_forces_leader_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_forces'))
    )
    with op.batch_alter_table('task_forces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_forces_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_task_forces_city_id_leader_user_id_status', ['city_id', 'leader_user_id', 'status'], unique=False)
        batch_op.create_index('ix_task_forces_city_id_region_path', ['city_id', 'region_path'], unique=False)
        batch_op.create_index('ix_task_forces_city_id_subject', ['city_id', 'subject_kind', 'subject_id'], unique=False)

    op.create_table('action_items',
    sa.Column('meeting_id', BIG_ID, nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_user_id', BIG_ID, nullable=True),
    sa.Column('owner_department_id', BIG_ID, nullable=True),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_user_id', BIG_ID, nullable=True),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("status IN ('open', 'submitted', 'closed')", name=op.f('ck_action_items_status_known')),
    sa.CheckConstraint('(owner_user_id IS NULL) <> (owner_department_id IS NULL)', name=op.f('ck_action_items_one_owner')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_action_items_city_id_cities')),
    sa.ForeignKeyConstraint(['closed_by_user_id'], ['users.id'], name=op.f('fk_action_items_closed_by_user_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['review_meetings.id'], name=op.f('fk_action_items_meeting_id_review_meetings')),
    sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_action_items_owner_department_id_departments')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_action_items_owner_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_items'))
    )
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_items_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_action_items_city_id_meeting_id', ['city_id', 'meeting_id'], unique=False)
        batch_op.create_index('ix_action_items_city_id_owner_department_id', ['city_id', 'owner_department_id'], unique=False)
        batch_op.create_index('ix_action_items_city_id_owner_user_id', ['city_id', 'owner_user_id'], unique=False)
        batch_op.create_index('ix_action_items_city_id_status_deadline', ['city_id', 'status', 'deadline'], unique=False)

    op.create_table('task_force_members',
    sa.Column('task_force_id', BIG_ID, nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('department_id', BIG_ID, nullable=True),
    sa.Column('region_id', BIG_ID, nullable=True),
    sa.Column('region_path', PATH, nullable=True),
    sa.Column('task', sa.Text(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('progress_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("role IN ('lead', 'assist', 'locality', 'responsible', 'co')", name=op.f('ck_task_force_members_role_known')),
    sa.CheckConstraint("status IN ('assigned', 'in_progress', 'done')", name=op.f('ck_task_force_members_status_known')),
    sa.CheckConstraint('(department_id IS NULL) <> (region_id IS NULL)', name=op.f('ck_task_force_members_one_unit')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_task_force_members_city_id_cities')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_task_force_members_department_id_departments')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_task_force_members_region_id_regions')),
    sa.ForeignKeyConstraint(['task_force_id'], ['task_forces.id'], name=op.f('fk_task_force_members_task_force_id_task_forces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_force_members'))
    )
    with op.batch_alter_table('task_force_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_force_members_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_task_force_members_city_id_department_id', ['city_id', 'department_id'], unique=False)
        batch_op.create_index('ix_task_force_members_city_id_status_deadline', ['city_id', 'status', 'deadline'], unique=False)
        batch_op.create_index('ix_task_force_members_city_id_task_force_id', ['city_id', 'task_force_id'], unique=False)

    op.create_table('review_events',
    sa.Column('meeting_id', BIG_ID, nullable=False),
    sa.Column('item_id', BIG_ID, nullable=True),
    sa.Column('actor_user_id', BIG_ID, nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_review_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_review_events_city_id_cities')),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_review_events_item_id_action_items')),
    sa.ForeignKeyConstraint(['meeting_id'], ['review_meetings.id'], name=op.f('fk_review_events_meeting_id_review_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_events'))
    )
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_review_events_city_id_meeting_id', ['city_id', 'meeting_id'], unique=False)

    op.create_table('task_force_events',
    sa.Column('task_force_id', BIG_ID, nullable=False),
    sa.Column('member_id', BIG_ID, nullable=True),
    sa.Column('actor_user_id', BIG_ID, nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_task_force_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_task_force_events_city_id_cities')),
    sa.ForeignKeyConstraint(['member_id'], ['task_force_members.id'], name=op.f('fk_task_force_events_member_id_task_force_members')),
    sa.ForeignKeyConstraint(['task_force_id'], ['task_forces.id'], name=op.f('fk_task_force_events_task_force_id_task_forces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_force_events'))
    )
    with op.batch_alter_table('task_force_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_force_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_task_force_events_city_id_task_force_id', ['city_id', 'task_force_id'], unique=False)

    op.create_table('action_item_photos',
    sa.Column('item_id', BIG_ID, nullable=False),
    sa.Column('event_id', BIG_ID, nullable=False),
    sa.Column('original_key', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_action_item_photos_city_id_cities')),
    sa.ForeignKeyConstraint(['event_id'], ['review_events.id'], name=op.f('fk_action_item_photos_event_id_review_events')),
    sa.ForeignKeyConstraint(['item_id'], ['action_items.id'], name=op.f('fk_action_item_photos_item_id_action_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item_photos'))
    )
    with op.batch_alter_table('action_item_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_photos_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_action_item_photos_city_id_item_id', ['city_id', 'item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('action_item_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_action_item_photos_city_id_item_id')
        batch_op.drop_index(batch_op.f('ix_action_item_photos_city_id'))

    op.drop_table('action_item_photos')
    with op.batch_alter_table('task_force_events', schema=None) as batch_op:
        batch_op.drop_index('ix_task_force_events_city_id_task_force_id')
        batch_op.drop_index(batch_op.f('ix_task_force_events_city_id'))

    op.drop_table('task_force_events')
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.drop_index('ix_review_events_city_id_meeting_id')
        batch_op.drop_index(batch_op.f('ix_review_events_city_id'))

    op.drop_table('review_events')
    with op.batch_alter_table('task_force_members', schema=None) as batch_op:
        batch_op.drop_index('ix_task_force_members_city_id_task_force_id')
        batch_op.drop_index('ix_task_force_members_city_id_status_deadline')
        batch_op.drop_index('ix_task_force_members_city_id_department_id')
        batch_op.drop_index(batch_op.f('ix_task_force_members_city_id'))

    op.drop_table('task_force_members')
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_index('ix_action_items_city_id_status_deadline')
        batch_op.drop_index('ix_action_items_city_id_owner_user_id')
        batch_op.drop_index('ix_action_items_city_id_owner_department_id')
        batch_op.drop_index('ix_action_items_city_id_meeting_id')
        batch_op.drop_index(batch_op.f('ix_action_items_city_id'))

    op.drop_table('action_items')
    with op.batch_alter_table('task_forces', schema=None) as batch_op:
        batch_op.drop_index('ix_task_forces_city_id_subject')
        batch_op.drop_index('ix_task_forces_city_id_region_path')
        batch_op.drop_index('ix_task_forces_city_id_leader_user_id_status')
        batch_op.drop_index(batch_op.f('ix_task_forces_city_id'))

    op.drop_table('task_forces')
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_review_meetings_city_id_region_path')
        batch_op.drop_index(batch_op.f('ix_review_meetings_city_id'))

    op.drop_table('review_meetings')
