"""staff accounts: a password an admin gave must be changed at the next sign-in; every change to a staff
account and its grants is kept in an append-only audit with the parts of the city it concerns

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
PATH = sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql')
ACTIONS = ('create', 'edit', 'grant', 'revoke', 'deactivate', 'reactivate', 'reset_password', 'unlock')


def upgrade():
    # Plain ALTER TABLE, never a batch rebuild: every other table refers to `users`.
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table('staff_audit',
    sa.Column('actor_user_id', BIG_ID, nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint(
        'action IN (' + ', '.join(f"'{a}'" for a in ACTIONS) + ')', name=op.f('ck_staff_audit_action_known')
    ),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_staff_audit_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_staff_audit_city_id_cities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_audit_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_audit'))
    )
    with op.batch_alter_table('staff_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_audit_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_staff_audit_city_id_user_id', ['city_id', 'user_id'], unique=False)

    op.create_table('staff_audit_scopes',
    sa.Column('entry_id', BIG_ID, nullable=False),
    sa.Column('region_path', PATH, nullable=True),
    sa.Column('department_id', BIG_ID, nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint(
        'region_path IS NOT NULL OR department_id IS NOT NULL', name=op.f('ck_staff_audit_scopes_names_a_scope')
    ),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_staff_audit_scopes_city_id_cities')),
    sa.ForeignKeyConstraint(
        ['department_id'], ['departments.id'], name=op.f('fk_staff_audit_scopes_department_id_departments')
    ),
    sa.ForeignKeyConstraint(['entry_id'], ['staff_audit.id'], name=op.f('fk_staff_audit_scopes_entry_id_staff_audit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_audit_scopes'))
    )
    with op.batch_alter_table('staff_audit_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_audit_scopes_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_audit_scopes_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(
            'ix_staff_audit_scopes_city_id_region_path', ['city_id', 'region_path'], unique=False
        )


def downgrade():
    with op.batch_alter_table('staff_audit_scopes', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_audit_scopes_city_id_region_path')
        batch_op.drop_index(batch_op.f('ix_staff_audit_scopes_entry_id'))
        batch_op.drop_index(batch_op.f('ix_staff_audit_scopes_city_id'))

    op.drop_table('staff_audit_scopes')
    with op.batch_alter_table('staff_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_audit_city_id_user_id')
        batch_op.drop_index(batch_op.f('ix_staff_audit_city_id'))

    op.drop_table('staff_audit')
    op.drop_column('users', 'must_change_password')
