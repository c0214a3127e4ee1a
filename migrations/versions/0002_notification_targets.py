"""notifications name their target instead of a link; idempotency keys record no HTTP status

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The links services used to write, by target kind (gridapp.web.links builds them now).
LINK_PREFIXES = {'case': '/h5/reports/', 'order': '/orders/', 'redemption': '/points/redemptions/'}


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_kind', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    for kind, prefix in LINK_PREFIXES.items():
        op.execute(
            sa.text(
                "UPDATE notifications SET target_kind = :kind, target_id = CAST(SUBSTR(link, :start) AS BIGINT) "
                "WHERE link LIKE :pattern"
            ).bindparams(kind=kind, start=len(prefix) + 1, pattern=prefix + '%')
        )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('link')

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('status_code')


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_code', sa.Integer(), nullable=False, server_default='201'))

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link', sa.String(length=255), nullable=True))
    for kind, prefix in LINK_PREFIXES.items():
        op.execute(
            sa.text(
                "UPDATE notifications SET link = :prefix || CAST(target_id AS VARCHAR(20)) WHERE target_kind = :kind"
            ).bindparams(kind=kind, prefix=prefix)
        )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('target_id')
        batch_op.drop_column('target_kind')
