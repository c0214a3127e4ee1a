"""the job outbox: background jobs are rows written in the asking transaction, relayed to RQ

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('outbox_jobs',
    sa.Column('city_id', BIG_ID, nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.Column('args', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('relays', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('relayed_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint(
        "status IN ('pending', 'queued', 'done', 'dead')", name=op.f('ck_outbox_jobs_status_known')
    ),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_outbox_jobs_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_jobs'))
    )
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_jobs_city_id_status', ['city_id', 'status'], unique=False)
        batch_op.create_index('ix_outbox_jobs_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_jobs_status_next_attempt_at')
        batch_op.drop_index('ix_outbox_jobs_city_id_status')
    op.drop_table('outbox_jobs')
