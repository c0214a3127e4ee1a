"""the leaders' figures per department from a rollup too: case_department_rollups (department × China day)

Kept by the same flush hook as case_rollups (services/supervision/rollups.py); after upgrading,
`flask rollups rebuild` fills it from the cases and orders already there.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
COUNTS = ('received', 'accepted', 'closed', 'resolved', 'on_time', 'reopened', 'running', 'ratings', 'satisfied', 'closed_on_day')


def upgrade():
    op.create_table('case_department_rollups',
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('department_id', BIG_ID, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_case_department_rollups_city_id_cities')),
    sa.PrimaryKeyConstraint('city_id', 'department_id', 'day', name=op.f('pk_case_department_rollups'))
    )


def downgrade():
    op.drop_table('case_department_rollups')
