"""outside Open311 systems set up by city admins: an active flag, and their changes in the setup audit

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def _entities(entities):
    with op.batch_alter_table('setup_changes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_setup_changes_entity_known'), type_='check')
        batch_op.create_check_constraint('entity_known', "entity IN (" + ", ".join(f"'{e}'" for e in entities) + ")")


def upgrade():
    with op.batch_alter_table('external_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    _entities(('region', 'department', 'category', 'outside_system'))


def downgrade():
    op.execute("DELETE FROM setup_changes WHERE entity = 'outside_system'")
    _entities(('region', 'department', 'category'))
    with op.batch_alter_table('external_endpoints', schema=None) as batch_op:
        batch_op.drop_column('is_active')
