"""WeChat subscribe messages: the access token shared by every server; a delivery the channel cannot make
to its person is skipped once, with the reason

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _statuses(batch_op, statuses):
    batch_op.drop_constraint(op.f('ck_delivery_attempts_status_known'), type_='check')
    batch_op.create_check_constraint(op.f('ck_delivery_attempts_status_known'), "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")")


def upgrade():
    op.create_table('wechat_access_tokens',
    sa.Column('appid', sa.String(length=64), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_access_tokens')),
    sa.UniqueConstraint('appid', name=op.f('uq_wechat_access_tokens_appid'))
    )
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        _statuses(batch_op, ('pending', 'sent', 'skipped', 'dead'))


def downgrade():
    op.execute("UPDATE delivery_attempts SET status = 'dead' WHERE status = 'skipped'")
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        _statuses(batch_op, ('pending', 'sent', 'dead'))
    op.drop_table('wechat_access_tokens')
