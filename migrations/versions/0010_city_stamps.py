"""a city carries random stamps that tell every server when its in-memory grid index and scan views are stale

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 04:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, never a batch rebuild: every other table refers to `cities`.
    op.add_column('cities', sa.Column('geometry_stamp', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('cities', sa.Column('codes_stamp', sa.BigInteger(), nullable=False, server_default='0'))


def downgrade():
    op.drop_column('cities', 'codes_stamp')
    op.drop_column('cities', 'geometry_stamp')
