"""Risk and care (risk tiers, key persons, poverty watch) and below the grid (heads, the grid's police officer
and judge, patrol plans)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 13:07:38.140264

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

# The role checks of role_grants as 0030 left them (with the mediator and the 信访 roles).
ROLES = ('resident', 'grid_worker', 'department_staff', 'department_admin', 'community_admin', 'street_admin',
         'district_admin', 'super_admin', 'system_admin', 'hotline_operator', 'mediator', 'petition_officer',
         'petition_agent')
NODE_ROLES = ('grid_worker', 'community_admin', 'street_admin', 'district_admin', 'super_admin', 'hotline_operator',
              'mediator', 'petition_officer', 'petition_agent')
GRID_ROLES = ('building_head', 'unit_head', 'ten_household_head', 'grid_police', 'grid_judge')


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


def _kind_checks(kinds):
    """The grid's judge answers its direct line like its police officer."""
    with op.batch_alter_table('grid_contacts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_grid_contacts_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conversations_kind_known'), type_='check')
        batch_op.create_check_constraint(
            'kind_known', "kind IN (" + ", ".join(f"'{k}'" for k in ('grid_worker', *kinds)) + ")"
        )


def _setup_entities(entities):
    """A city's risk routes are setup, audited with its regions, departments and categories."""
    with op.batch_alter_table('setup_changes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_setup_changes_entity_known'), type_='check')
        batch_op.create_check_constraint('entity_known', "entity IN (" + ", ".join(f"'{e}'" for e in entities) + ")")


def upgrade():
    _setup_entities(('region', 'department', 'category', 'outside_system', 'risk_route'))
    _role_checks(ROLES + GRID_ROLES, NODE_ROLES + GRID_ROLES)
    _kind_checks(('police', 'property', 'judge'))
    op.create_table('neighbourhood_events',
    sa.Column('subject_kind', sa.String(length=8), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('before_json', sa.Text(), nullable=True),
    sa.Column('after_json', sa.Text(), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("subject_kind IN ('head', 'plan')", name=op.f('ck_neighbourhood_events_subject_known')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_neighbourhood_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_neighbourhood_events_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbourhood_events'))
    )
    with op.batch_alter_table('neighbourhood_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_neighbourhood_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_neighbourhood_events_city_id_subject', ['city_id', 'subject_kind', 'subject_id'], unique=False)

    op.create_table('neighbourhood_heads',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grid_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('building', sa.String(length=32), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('appointed_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("(kind = 'building_head' AND building IS NOT NULL AND unit IS NULL) OR (kind = 'unit_head' AND building IS NOT NULL AND unit IS NOT NULL) OR (kind = 'ten_household_head' AND building IS NULL AND unit IS NULL)", name=op.f('ck_neighbourhood_heads_scope_matches_kind')),
    sa.CheckConstraint("kind IN ('building_head', 'unit_head', 'ten_household_head')", name=op.f('ck_neighbourhood_heads_kind_known')),
    sa.ForeignKeyConstraint(['appointed_by_user_id'], ['users.id'], name=op.f('fk_neighbourhood_heads_appointed_by_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_neighbourhood_heads_city_id_cities')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_neighbourhood_heads_grid_id_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_neighbourhood_heads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbourhood_heads'))
    )
    with op.batch_alter_table('neighbourhood_heads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_neighbourhood_heads_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_neighbourhood_heads_city_id_grid_id', ['city_id', 'grid_id'], unique=False)
        batch_op.create_index('ix_neighbourhood_heads_city_id_user_id', ['city_id', 'user_id'], unique=False)

    op.create_table('patrol_plans',
    sa.Column('region_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('patroller_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("cadence IN ('weekly', 'monthly', 'quarterly')", name=op.f('ck_patrol_plans_cadence_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_patrol_plans_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_patrol_plans_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['patroller_user_id'], ['users.id'], name=op.f('fk_patrol_plans_patroller_user_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_patrol_plans_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_plans'))
    )
    with op.batch_alter_table('patrol_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_plans_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_patrol_plans_city_id_region_path', ['city_id', 'region_path'], unique=False)

    op.create_table('risk_ratings',
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('tier', sa.String(length=8), nullable=False),
    sa.Column('team_role', sa.String(length=32), nullable=True),
    sa.Column('team_department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("tier IN ('green', 'yellow', 'red')", name=op.f('ck_risk_ratings_tier_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_risk_ratings_city_id_cities')),
    sa.ForeignKeyConstraint(['team_department_id'], ['departments.id'], name=op.f('fk_risk_ratings_team_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_ratings')),
    sa.UniqueConstraint('city_id', 'subject_kind', 'subject_id', name=op.f('uq_risk_ratings_city_id_subject_kind_subject_id'))
    )
    with op.batch_alter_table('risk_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_ratings_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_risk_ratings_city_id_tier_region_path', ['city_id', 'tier', 'region_path'], unique=False)

    op.create_table('risk_routes',
    sa.Column('tier', sa.String(length=8), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("tier IN ('green', 'yellow', 'red')", name=op.f('ck_risk_routes_tier_known')),
    sa.CheckConstraint('(role IS NULL) <> (department_id IS NULL)', name=op.f('ck_risk_routes_one_team')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_risk_routes_city_id_cities')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_risk_routes_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_routes')),
    sa.UniqueConstraint('city_id', 'tier', name=op.f('uq_risk_routes_city_id_tier'))
    )
    with op.batch_alter_table('risk_routes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_routes_city_id'), ['city_id'], unique=False)

    op.create_table('neighbourhood_head_households',
    sa.Column('head_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_neighbourhood_head_households_city_id_cities')),
    sa.ForeignKeyConstraint(['head_id'], ['neighbourhood_heads.id'], name=op.f('fk_neighbourhood_head_households_head_id_neighbourhood_heads')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_neighbourhood_head_households_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbourhood_head_households')),
    sa.UniqueConstraint('head_id', 'household_id', name=op.f('uq_neighbourhood_head_households_head_id_household_id'))
    )
    with op.batch_alter_table('neighbourhood_head_households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_neighbourhood_head_households_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_neighbourhood_head_households_head_id'), ['head_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_neighbourhood_head_households_household_id'), ['household_id'], unique=False)

    op.create_table('patrol_rounds',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grid_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('place_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('patroller_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_patrol_rounds_city_id_cities')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_patrol_rounds_grid_id_regions')),
    sa.ForeignKeyConstraint(['patroller_user_id'], ['users.id'], name=op.f('fk_patrol_rounds_patroller_user_id_users')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_patrol_rounds_place_id_places')),
    sa.ForeignKeyConstraint(['plan_id'], ['patrol_plans.id'], name=op.f('fk_patrol_rounds_plan_id_patrol_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_rounds'))
    )
    with op.batch_alter_table('patrol_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_rounds_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_patrol_rounds_city_id_plan_id_created_at', ['city_id', 'plan_id', 'created_at'], unique=False)

    op.create_table('risk_rating_events',
    sa.Column('rating_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_tier', sa.String(length=8), nullable=True),
    sa.Column('to_tier', sa.String(length=8), nullable=False),
    sa.Column('team_role', sa.String(length=32), nullable=True),
    sa.Column('team_department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_risk_rating_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_risk_rating_events_city_id_cities')),
    sa.ForeignKeyConstraint(['rating_id'], ['risk_ratings.id'], name=op.f('fk_risk_rating_events_rating_id_risk_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_rating_events'))
    )
    with op.batch_alter_table('risk_rating_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_rating_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_risk_rating_events_city_id_rating_id', ['city_id', 'rating_id'], unique=False)

    op.create_table('care_records',
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('household_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('grid_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('guardian_member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('guardian_name', sa.String(length=64), nullable=True),
    sa.Column('guardian_phone', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('visit_every_days', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('last_visit_at', sa.DateTime(), nullable=True),
    sa.Column('next_visit_due', sa.DateTime(), nullable=False),
    sa.Column('missed_alerted_for', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("category IN ('severe_mental_illness', 'community_corrections', 'drug_rehabilitation', 'left_behind_child', 'left_behind_elderly', 'domestic_violence', 'released_prisoner', 'poverty_relapse')", name=op.f('ck_care_records_category_known')),
    sa.CheckConstraint("status IN ('active', 'closed')", name=op.f('ck_care_records_status_known')),
    sa.CheckConstraint('visit_every_days BETWEEN 1 AND 366', name=op.f('ck_care_records_cadence_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_care_records_city_id_cities')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_care_records_grid_id_regions')),
    sa.ForeignKeyConstraint(['guardian_member_id'], ['household_members.id'], name=op.f('fk_care_records_guardian_member_id_household_members')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_care_records_household_id_households')),
    sa.ForeignKeyConstraint(['member_id'], ['household_members.id'], name=op.f('fk_care_records_member_id_household_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_records'))
    )
    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_records_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_care_records_city_id_grid_id_status', ['city_id', 'grid_id', 'status'], unique=False)
        batch_op.create_index('ix_care_records_city_id_status_next_visit_due', ['city_id', 'status', 'next_visit_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_records_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_records_member_id'), ['member_id'], unique=False)

    op.create_table('care_events',
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=8), nullable=True),
    sa.Column('to_status', sa.String(length=8), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_care_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_care_events_city_id_cities')),
    sa.ForeignKeyConstraint(['record_id'], ['care_records.id'], name=op.f('fk_care_events_record_id_care_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_events'))
    )
    with op.batch_alter_table('care_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_care_events_city_id_record_id', ['city_id', 'record_id'], unique=False)

    op.create_table('care_reads',
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('view', sa.String(length=8), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_care_reads_city_id_cities')),
    sa.ForeignKeyConstraint(['record_id'], ['care_records.id'], name=op.f('fk_care_reads_record_id_care_records')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_care_reads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_reads'))
    )
    with op.batch_alter_table('care_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_reads_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_care_reads_city_id_record_id_created_at', ['city_id', 'record_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_reads_user_id'), ['user_id'], unique=False)

    op.create_table('care_signals',
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("kind IN ('income_drop', 'illness', 'disability', 'disaster', 'job_loss', 'schooling', 'other')", name=op.f('ck_care_signals_kind_known')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_care_signals_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_care_signals_city_id_cities')),
    sa.ForeignKeyConstraint(['record_id'], ['care_records.id'], name=op.f('fk_care_signals_record_id_care_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_signals'))
    )
    with op.batch_alter_table('care_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_signals_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_care_signals_city_id_record_id', ['city_id', 'record_id'], unique=False)

    op.create_table('care_visits',
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('visit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('city_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_care_visits_city_id_cities')),
    sa.ForeignKeyConstraint(['record_id'], ['care_records.id'], name=op.f('fk_care_visits_record_id_care_records')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_care_visits_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_visits')),
    sa.UniqueConstraint('record_id', 'visit_id', name=op.f('uq_care_visits_record_id_visit_id'))
    )
    with op.batch_alter_table('care_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_visits_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_care_visits_city_id_record_id', ['city_id', 'record_id'], unique=False)



def downgrade():
    with op.batch_alter_table('care_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_care_visits_city_id_record_id')
        batch_op.drop_index(batch_op.f('ix_care_visits_city_id'))

    op.drop_table('care_visits')
    with op.batch_alter_table('care_signals', schema=None) as batch_op:
        batch_op.drop_index('ix_care_signals_city_id_record_id')
        batch_op.drop_index(batch_op.f('ix_care_signals_city_id'))

    op.drop_table('care_signals')
    with op.batch_alter_table('care_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_reads_user_id'))
        batch_op.drop_index('ix_care_reads_city_id_record_id_created_at')
        batch_op.drop_index(batch_op.f('ix_care_reads_city_id'))

    op.drop_table('care_reads')
    with op.batch_alter_table('care_events', schema=None) as batch_op:
        batch_op.drop_index('ix_care_events_city_id_record_id')
        batch_op.drop_index(batch_op.f('ix_care_events_city_id'))

    op.drop_table('care_events')
    with op.batch_alter_table('care_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_records_member_id'))
        batch_op.drop_index(batch_op.f('ix_care_records_household_id'))
        batch_op.drop_index('ix_care_records_city_id_status_next_visit_due')
        batch_op.drop_index('ix_care_records_city_id_grid_id_status')
        batch_op.drop_index(batch_op.f('ix_care_records_city_id'))

    op.drop_table('care_records')
    with op.batch_alter_table('risk_rating_events', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_rating_events_city_id_rating_id')
        batch_op.drop_index(batch_op.f('ix_risk_rating_events_city_id'))

    op.drop_table('risk_rating_events')
    with op.batch_alter_table('patrol_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_rounds_city_id_plan_id_created_at')
        batch_op.drop_index(batch_op.f('ix_patrol_rounds_city_id'))

    op.drop_table('patrol_rounds')
    with op.batch_alter_table('neighbourhood_head_households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_neighbourhood_head_households_household_id'))
        batch_op.drop_index(batch_op.f('ix_neighbourhood_head_households_head_id'))
        batch_op.drop_index(batch_op.f('ix_neighbourhood_head_households_city_id'))

    op.drop_table('neighbourhood_head_households')
    with op.batch_alter_table('risk_routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_routes_city_id'))

    op.drop_table('risk_routes')
    with op.batch_alter_table('risk_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_ratings_city_id_tier_region_path')
        batch_op.drop_index(batch_op.f('ix_risk_ratings_city_id'))

    op.drop_table('risk_ratings')
    with op.batch_alter_table('patrol_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_plans_city_id_region_path')
        batch_op.drop_index(batch_op.f('ix_patrol_plans_city_id'))

    op.drop_table('patrol_plans')
    with op.batch_alter_table('neighbourhood_heads', schema=None) as batch_op:
        batch_op.drop_index('ix_neighbourhood_heads_city_id_user_id')
        batch_op.drop_index('ix_neighbourhood_heads_city_id_grid_id')
        batch_op.drop_index(batch_op.f('ix_neighbourhood_heads_city_id'))

    op.drop_table('neighbourhood_heads')
    with op.batch_alter_table('neighbourhood_events', schema=None) as batch_op:
        batch_op.drop_index('ix_neighbourhood_events_city_id_subject')
        batch_op.drop_index(batch_op.f('ix_neighbourhood_events_city_id'))

    op.drop_table('neighbourhood_events')
    op.execute("DELETE FROM conversation_photos WHERE message_id IN (SELECT id FROM conversation_messages WHERE conversation_id IN"
               " (SELECT id FROM conversations WHERE kind = 'judge'))")
    op.execute("DELETE FROM conversation_messages WHERE conversation_id IN (SELECT id FROM conversations WHERE kind = 'judge')")
    op.execute("DELETE FROM conversations WHERE kind = 'judge'")
    op.execute("DELETE FROM grid_contact_events WHERE contact_id IN (SELECT id FROM grid_contacts WHERE kind = 'judge')")
    op.execute("DELETE FROM grid_contacts WHERE kind = 'judge'")
    _kind_checks(('police', 'property'))
    op.execute("DELETE FROM role_grants WHERE role IN (" + ", ".join(f"'{r}'" for r in GRID_ROLES) + ")")
    _role_checks(ROLES, NODE_ROLES)
    op.execute("DELETE FROM setup_changes WHERE entity = 'risk_route'")
    _setup_entities(('region', 'department', 'category', 'outside_system'))
