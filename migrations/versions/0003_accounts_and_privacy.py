"""sign-in attempts are counted in the database, shared by every worker; accounts carry a token generation
and a second factor (TOTP), which a city may require of its admins; reports are moderated with every edit logged

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
    op.add_column('case_photos', sa.Column('hidden_at', sa.DateTime(), nullable=True))

    op.create_table('case_moderations',
    sa.Column('case_id', BIG_ID, nullable=False),
    sa.Column('actor_user_id', BIG_ID, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('photo_id', BIG_ID, nullable=True),
    sa.Column('text_before', sa.Text(), nullable=True),
    sa.Column('text_after', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint(
        "action IN ('redact_text', 'hide_photo', 'show_photo')", name=op.f('ck_case_moderations_action_known')
    ),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_case_moderations_actor_user_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_moderations_case_id_cases')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_case_moderations_city_id_cities')),
    sa.ForeignKeyConstraint(['photo_id'], ['case_photos.id'], name=op.f('fk_case_moderations_photo_id_case_photos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_moderations'))
    )
    with op.batch_alter_table('case_moderations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_moderations_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_case_moderations_city_id_case_id', ['city_id', 'case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_moderations', schema=None) as batch_op:
        batch_op.drop_index('ix_case_moderations_city_id_case_id')
        batch_op.drop_index(batch_op.f('ix_case_moderations_city_id'))

    op.drop_table('case_moderations')
    op.drop_column('case_photos', 'hidden_at')
    op.drop_column('cities', 'require_admin_totp')
    for column in ('totp_last_step', 'totp_enabled_at', 'totp_secret', 'token_generation'):
        op.drop_column('users', column)

    with op.batch_alter_table('attempt_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_counters_city_id'))

    op.drop_table('attempt_counters')
