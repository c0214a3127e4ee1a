"""sign-in attempts are counted in the database, shared by every worker; accounts carry a token generation
and a second factor (TOTP), which a city may require of its admins

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('attempt_counters',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_attempt_counters_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_counters')),
    sa.UniqueConstraint(
        'city_id', 'scope', 'key', 'window_start', name=op.f('uq_attempt_counters_city_id_scope_key_window_start')
    )
    )
    with op.batch_alter_table('attempt_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_counters_city_id'), ['city_id'], unique=False)

    # Plain ALTER TABLE, never a batch rebuild: every other table refers to `users` and `cities`.
    op.add_column('users', sa.Column('token_generation', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('users', sa.Column('totp_secret', sa.String(length=32), nullable=True))
    op.add_column('users', sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.add_column('cities', sa.Column('require_admin_totp', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column('cities', 'require_admin_totp')
    for column in ('totp_last_step', 'totp_enabled_at', 'totp_secret', 'token_generation'):
        op.drop_column('users', column)

    with op.batch_alter_table('attempt_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_counters_city_id'))

    op.drop_table('attempt_counters')
