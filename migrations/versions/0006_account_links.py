"""account links: residents bound to household members, owners to shops, e-bikes and stalls, each change
audited; "please move" waits for the inbox before its SMS; staff redeem points from their own account

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-02 03:48:26.965073

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('account_links',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', BIG_ID, nullable=False),
    sa.Column('grid_id', BIG_ID, nullable=False),
    sa.Column('user_id', BIG_ID, nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('requested_by_user_id', BIG_ID, nullable=False),
    sa.Column('decided_by_user_id', BIG_ID, nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by_user_id', BIG_ID, nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("kind IN ('member', 'shop', 'ebike', 'stall')", name=op.f('ck_account_links_kind_known')),
    sa.CheckConstraint(
        "status IN ('pending', 'invited', 'confirmed', 'refused', 'cancelled', 'ended')",
        name=op.f('ck_account_links_status_known'),
    ),
    sa.CheckConstraint("via IN ('request', 'invitation')", name=op.f('ck_account_links_via_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_account_links_city_id_cities')),
    sa.ForeignKeyConstraint(
        ['decided_by_user_id'], ['users.id'], name=op.f('fk_account_links_decided_by_user_id_users')
    ),
    sa.ForeignKeyConstraint(['ended_by_user_id'], ['users.id'], name=op.f('fk_account_links_ended_by_user_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_account_links_grid_id_regions')),
    sa.ForeignKeyConstraint(
        ['requested_by_user_id'], ['users.id'], name=op.f('fk_account_links_requested_by_user_id_users')
    ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_links'))
    )
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_links_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_account_links_city_id_kind_record_id', ['city_id', 'kind', 'record_id'], unique=False)
        batch_op.create_index('ix_account_links_city_id_status_grid_id', ['city_id', 'status', 'grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_links_user_id'), ['user_id'], unique=False)

    op.create_table('account_link_events',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', BIG_ID, nullable=False),
    sa.Column('link_id', BIG_ID, nullable=True),
    sa.Column('actor_user_id', BIG_ID, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_account_link_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_account_link_events_city_id_cities')),
    sa.ForeignKeyConstraint(
        ['link_id'], ['account_links.id'], name=op.f('fk_account_link_events_link_id_account_links')
    ),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_link_events'))
    )
    with op.batch_alter_table('account_link_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_link_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_account_link_events_city_id_link_id', ['city_id', 'link_id'], unique=False)
        batch_op.create_index(
            'ix_account_link_events_city_id_kind_record_id', ['city_id', 'kind', 'record_id'], unique=False
        )

    with op.batch_alter_table('contact_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notification_id', BIG_ID, nullable=True))
        batch_op.add_column(sa.Column('sms_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sms_sent_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contact_requests_sms_due_at'), ['sms_due_at'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_contact_requests_notification_id_notifications'), 'notifications', ['notification_id'], ['id']
        )

    with op.batch_alter_table('mobile_stalls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vendor_user_id', BIG_ID, nullable=True))
        batch_op.create_index(batch_op.f('ix_mobile_stalls_vendor_user_id'), ['vendor_user_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_mobile_stalls_vendor_user_id_users'), 'users', ['vendor_user_id'], ['id']
        )

    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payer', sa.String(length=16), server_default='resident', nullable=False))



def downgrade():
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_column('payer')

    with op.batch_alter_table('mobile_stalls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mobile_stalls_vendor_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mobile_stalls_vendor_user_id'))
        batch_op.drop_column('vendor_user_id')

    with op.batch_alter_table('contact_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contact_requests_notification_id_notifications'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contact_requests_sms_due_at'))
        batch_op.drop_column('sms_sent_at')
        batch_op.drop_column('sms_due_at')
        batch_op.drop_column('notification_id')

    with op.batch_alter_table('account_link_events', schema=None) as batch_op:
        batch_op.drop_index('ix_account_link_events_city_id_kind_record_id')
        batch_op.drop_index('ix_account_link_events_city_id_link_id')
        batch_op.drop_index(batch_op.f('ix_account_link_events_city_id'))

    op.drop_table('account_link_events')
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_links_user_id'))
        batch_op.drop_index('ix_account_links_city_id_status_grid_id')
        batch_op.drop_index('ix_account_links_city_id_kind_record_id')
        batch_op.drop_index(batch_op.f('ix_account_links_city_id'))

    op.drop_table('account_links')
