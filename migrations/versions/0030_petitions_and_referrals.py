"""信访: petitioners (sealed identity), petitions, their lodgings, events, hearings and read audit; referrals
(诉调/警调/访调对接) with their events

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 13:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
PATH = sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql')

# The role checks of role_grants as 0029 left them (with the mediator), and with the 信访 roles (node roles) added.
ROLES = ('resident', 'grid_worker', 'department_staff', 'department_admin', 'community_admin', 'street_admin',
         'district_admin', 'super_admin', 'system_admin', 'hotline_operator', 'mediator')
NODE_ROLES = ('grid_worker', 'community_admin', 'street_admin', 'district_admin', 'super_admin', 'hotline_operator',
              'mediator')
PETITION_ROLES = ('petition_officer', 'petition_agent')


def _role_checks(roles, node_roles):
    known = "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"
    scope = (
        "(role IN (" + ", ".join(f"'{r}'" for r in node_roles) + ") AND region_id IS NOT NULL AND department_id IS NULL)"
        " OR (role IN ('department_staff', 'department_admin') AND department_id IS NOT NULL AND region_id IS NULL)"
        " OR (role IN ('resident', 'system_admin') AND region_id IS NULL AND department_id IS NULL)"
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_grants_role_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_role_grants_scope_matches_role'), type_='check')
        batch_op.create_check_constraint('role_known', known)
        batch_op.create_check_constraint('scope_matches_role', scope)


def upgrade():
    _role_checks(ROLES + PETITION_ROLES, NODE_ROLES + PETITION_ROLES)
    op.create_table('petitioners',
    sa.Column('name_sealed', sa.Text(), nullable=False),
    sa.Column('name_masked', sa.String(length=64), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('id_number_sealed', sa.Text(), nullable=True),
    sa.Column('id_number_masked', sa.String(length=32), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_sealed', sa.Text(), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint('id_number_hash IS NOT NULL OR phone_hash IS NOT NULL', name=op.f('ck_petitioners_findable')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_petitioners_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petitioners')),
    sa.UniqueConstraint('city_id', 'id_number_hash', name=op.f('uq_petitioners_city_id_id_number_hash'))
    )
    with op.batch_alter_table('petitioners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petitioners_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_petitioners_city_id_phone_hash', ['city_id', 'phone_hash'], unique=False)

    op.create_table('petitions',
    sa.Column('petitioner_id', BIG_ID, nullable=False),
    sa.Column('region_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('extension_requested_days', sa.Integer(), nullable=True),
    sa.Column('extension_requested_by', BIG_ID, nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('review_requested_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('backlog_since', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("state IN ('registered', 'accepted', 'not_accepted', 'answered', 'reviewing', 'reviewed', 'rereviewing', 'closed')", name=op.f('ck_petitions_state_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_petitions_city_id_cities')),
    sa.ForeignKeyConstraint(['extension_requested_by'], ['users.id'], name=op.f('fk_petitions_extension_requested_by_users')),
    sa.ForeignKeyConstraint(['petitioner_id'], ['petitioners.id'], name=op.f('fk_petitions_petitioner_id_petitioners')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_petitions_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petitions'))
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petitions_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_petitions_city_id_petitioner_id', ['city_id', 'petitioner_id'], unique=False)
        batch_op.create_index('ix_petitions_city_id_region_path', ['city_id', 'region_path'], unique=False)
        batch_op.create_index('ix_petitions_city_id_state_due_at', ['city_id', 'state', 'due_at'], unique=False)

    op.create_table('referrals',
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=False),
    sa.Column('other_body', sa.String(length=128), nullable=False),
    sa.Column('other_case_number', sa.String(length=64), nullable=True),
    sa.Column('other_status', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('overdue_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_user_id', BIG_ID, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("direction IN ('out', 'in')", name=op.f('ck_referrals_direction_known')),
    sa.CheckConstraint("kind IN ('court', 'police', 'petition')", name=op.f('ck_referrals_kind_known')),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'completed', 'returned', 'withdrawn')", name=op.f('ck_referrals_status_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_referrals_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_referrals_created_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_referrals_city_id_region_path', ['city_id', 'region_path'], unique=False)
        batch_op.create_index('ix_referrals_city_id_status_deadline_at', ['city_id', 'status', 'deadline_at'], unique=False)
        batch_op.create_index('ix_referrals_city_id_subject', ['city_id', 'subject_kind', 'subject_id'], unique=False)

    op.create_table('petition_events',
    sa.Column('petition_id', BIG_ID, nullable=False),
    sa.Column('actor_user_id', BIG_ID, nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_petition_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_petition_events_city_id_cities')),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_petition_events_petition_id_petitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_events'))
    )
    with op.batch_alter_table('petition_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_petition_events_city_id_petition_id', ['city_id', 'petition_id'], unique=False)

    op.create_table('petition_hearings',
    sa.Column('petition_id', BIG_ID, nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=128), nullable=False),
    sa.Column('chair', sa.String(length=64), nullable=False),
    sa.Column('participants', sa.String(length=1000), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('recorded_by_user_id', BIG_ID, nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_petition_hearings_city_id_cities')),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_petition_hearings_petition_id_petitions')),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['users.id'], name=op.f('fk_petition_hearings_recorded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_hearings'))
    )
    with op.batch_alter_table('petition_hearings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_hearings_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_petition_hearings_city_id_petition_id', ['city_id', 'petition_id'], unique=False)

    op.create_table('petition_reads',
    sa.Column('actor_user_id', BIG_ID, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('petition_id', BIG_ID, nullable=True),
    sa.Column('petitioner_id', BIG_ID, nullable=True),
    sa.Column('region_path', PATH, nullable=True),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('rows_shown', sa.Integer(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("action IN ('list', 'view', 'lookup', 'reveal', 'events', 'hearings', 'visits')", name=op.f('ck_petition_reads_action_known')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_petition_reads_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_petition_reads_city_id_cities')),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_petition_reads_petition_id_petitions')),
    sa.ForeignKeyConstraint(['petitioner_id'], ['petitioners.id'], name=op.f('fk_petition_reads_petitioner_id_petitioners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_reads'))
    )
    with op.batch_alter_table('petition_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_reads_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_petition_reads_city_id_petition_id', ['city_id', 'petition_id'], unique=False)
        batch_op.create_index('ix_petition_reads_city_id_region_path', ['city_id', 'region_path'], unique=False)

    op.create_table('petition_visits',
    sa.Column('petition_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('people_count', sa.Integer(), nullable=False),
    sa.Column('is_repeat', sa.Boolean(), nullable=False),
    sa.Column('skips_levels', sa.Boolean(), nullable=False),
    sa.Column('appointment_at', sa.DateTime(), nullable=True),
    sa.Column('entered_by_user_id', BIG_ID, nullable=False),
    sa.Column('by_agent', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("channel IN ('walk_in', 'letter', 'phone', 'online', 'video', 'proxy')", name=op.f('ck_petition_visits_channel_known')),
    sa.CheckConstraint("level IN ('township', 'district', 'city', 'province', 'national')", name=op.f('ck_petition_visits_level_known')),
    sa.CheckConstraint('people_count >= 1', name=op.f('ck_petition_visits_someone_came')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_petition_visits_city_id_cities')),
    sa.ForeignKeyConstraint(['entered_by_user_id'], ['users.id'], name=op.f('fk_petition_visits_entered_by_user_id_users')),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_petition_visits_petition_id_petitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_visits'))
    )
    with op.batch_alter_table('petition_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_visits_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_petition_visits_city_id_petition_id', ['city_id', 'petition_id'], unique=False)
        batch_op.create_index('ix_petition_visits_city_id_region_path_created_at', ['city_id', 'region_path', 'created_at'], unique=False)

    op.create_table('referral_events',
    sa.Column('referral_id', BIG_ID, nullable=False),
    sa.Column('actor_user_id', BIG_ID, nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('other_case_number', sa.String(length=64), nullable=True),
    sa.Column('other_status', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_referral_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_referral_events_city_id_cities')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_events_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_events'))
    )
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_referral_events_city_id_referral_id', ['city_id', 'referral_id'], unique=False)



def downgrade():
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_events_city_id_referral_id')
        batch_op.drop_index(batch_op.f('ix_referral_events_city_id'))

    op.drop_table('referral_events')
    with op.batch_alter_table('petition_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_visits_city_id_region_path_created_at')
        batch_op.drop_index('ix_petition_visits_city_id_petition_id')
        batch_op.drop_index(batch_op.f('ix_petition_visits_city_id'))

    op.drop_table('petition_visits')
    with op.batch_alter_table('petition_reads', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_reads_city_id_region_path')
        batch_op.drop_index('ix_petition_reads_city_id_petition_id')
        batch_op.drop_index(batch_op.f('ix_petition_reads_city_id'))

    op.drop_table('petition_reads')
    with op.batch_alter_table('petition_hearings', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_hearings_city_id_petition_id')
        batch_op.drop_index(batch_op.f('ix_petition_hearings_city_id'))

    op.drop_table('petition_hearings')
    with op.batch_alter_table('petition_events', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_events_city_id_petition_id')
        batch_op.drop_index(batch_op.f('ix_petition_events_city_id'))

    op.drop_table('petition_events')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_city_id_subject')
        batch_op.drop_index('ix_referrals_city_id_status_deadline_at')
        batch_op.drop_index('ix_referrals_city_id_region_path')
        batch_op.drop_index(batch_op.f('ix_referrals_city_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_index('ix_petitions_city_id_state_due_at')
        batch_op.drop_index('ix_petitions_city_id_region_path')
        batch_op.drop_index('ix_petitions_city_id_petitioner_id')
        batch_op.drop_index(batch_op.f('ix_petitions_city_id'))

    op.drop_table('petitions')
    with op.batch_alter_table('petitioners', schema=None) as batch_op:
        batch_op.drop_index('ix_petitioners_city_id_phone_hash')
        batch_op.drop_index(batch_op.f('ix_petitioners_city_id'))

    op.drop_table('petitioners')
    op.execute("DELETE FROM role_grants WHERE role IN ('petition_officer', 'petition_agent')")
    _role_checks(ROLES, NODE_ROLES)
