"""12345 follow-up: the operator role and the callers' answers by SMS link

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 07:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

ROLES = ('resident', 'grid_worker', 'department_staff', 'department_admin', 'community_admin', 'street_admin',
         'district_admin', 'super_admin', 'system_admin')
NODE_ROLES = ('grid_worker', 'community_admin', 'street_admin', 'district_admin', 'super_admin')


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
    _role_checks(ROLES + ('hotline_operator',), NODE_ROLES + ('hotline_operator',))
    op.create_table('hotline_follow_ups',
    sa.Column('case_id', BIG_ID, nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('link_expires_at', sa.DateTime(), nullable=True),
    sa.Column('sms_sent_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("stars IS NULL OR stars BETWEEN 1 AND 5", name=op.f('ck_hotline_follow_ups_stars_range')),
    sa.CheckConstraint("status IN ('waiting', 'sent', 'satisfied', 'not_solved', 'no_answer')", name=op.f('ck_hotline_follow_ups_status_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_hotline_follow_ups_case_id_cases')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_hotline_follow_ups_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_follow_ups')),
    sa.UniqueConstraint('case_id', 'round', name=op.f('uq_hotline_follow_ups_case_id_round')),
    sa.UniqueConstraint('nonce', name=op.f('uq_hotline_follow_ups_nonce'))
    )
    with op.batch_alter_table('hotline_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_follow_ups_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_hotline_follow_ups_city_id_status_sent_at', ['city_id', 'status', 'sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('hotline_follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_follow_ups_city_id_status_sent_at')
        batch_op.drop_index(batch_op.f('ix_hotline_follow_ups_city_id'))
    op.drop_table('hotline_follow_ups')
    op.execute("DELETE FROM role_grants WHERE role = 'hotline_operator'")
    _role_checks(ROLES, NODE_ROLES)
