"""work orders pushed in by a 12345 platform and the callbacks owed to it; cases sent on to outside Open311 systems

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 08:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('work_orders',
    sa.Column('api_client_id', BIG_ID, nullable=False),
    sa.Column('order_no', sa.String(length=64), nullable=False),
    sa.Column('case_id', BIG_ID, nullable=False),
    sa.Column('callback_url', sa.String(length=1024), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_clients.id'], name=op.f('fk_work_orders_api_client_id_api_clients')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_work_orders_case_id_cases')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_work_orders_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('case_id', name=op.f('uq_work_orders_case_id')),
    sa.UniqueConstraint('city_id', 'api_client_id', 'order_no', name=op.f('uq_work_orders_city_id_api_client_id_order_no'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_orders_city_id'), ['city_id'], unique=False)
    op.create_table('work_order_callbacks',
    sa.Column('work_order_id', BIG_ID, nullable=False),
    sa.Column('event_id', BIG_ID, nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sent', 'dead')", name=op.f('ck_work_order_callbacks_status_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_work_order_callbacks_city_id_cities')),
    sa.ForeignKeyConstraint(['event_id'], ['case_events.id'], name=op.f('fk_work_order_callbacks_event_id_case_events')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_callbacks_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_callbacks')),
    sa.UniqueConstraint('event_id', name=op.f('uq_work_order_callbacks_event_id'))
    )
    with op.batch_alter_table('work_order_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_callbacks_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_callbacks_work_order_id'), ['work_order_id'], unique=False)
        batch_op.create_index('ix_work_order_callbacks_city_id_status_next_attempt_at', ['city_id', 'status', 'next_attempt_at'], unique=False)

    op.create_table('external_endpoints',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('category_id', BIG_ID, nullable=False),
    sa.Column('base_url', sa.String(length=1024), nullable=False),
    sa.Column('api_key', sa.String(length=255), nullable=False),
    sa.Column('jurisdiction_id', sa.String(length=64), nullable=True),
    sa.Column('service_code', sa.String(length=64), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_external_endpoints_category_id_categories')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_external_endpoints_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_endpoints')),
    sa.UniqueConstraint('city_id', 'category_id', name=op.f('uq_external_endpoints_city_id_category_id'))
    )
    with op.batch_alter_table('external_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_endpoints_city_id'), ['city_id'], unique=False)
    op.create_table('external_requests',
    sa.Column('case_id', BIG_ID, nullable=False),
    sa.Column('endpoint_id', BIG_ID, nullable=False),
    sa.Column('service_request_id', sa.String(length=64), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_external_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_external_requests_city_id_cities')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['external_endpoints.id'], name=op.f('fk_external_requests_endpoint_id_external_endpoints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_requests')),
    sa.UniqueConstraint('case_id', name=op.f('uq_external_requests_case_id')),
    sa.UniqueConstraint('endpoint_id', 'service_request_id', name=op.f('uq_external_requests_endpoint_id_service_request_id'))
    )
    with op.batch_alter_table('external_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_requests_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_requests_endpoint_id'), ['endpoint_id'], unique=False)
    op.create_table('external_updates',
    sa.Column('external_request_id', BIG_ID, nullable=False),
    sa.Column('update_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', BIG_ID, nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_external_updates_city_id_cities')),
    sa.ForeignKeyConstraint(['event_id'], ['case_events.id'], name=op.f('fk_external_updates_event_id_case_events')),
    sa.ForeignKeyConstraint(['external_request_id'], ['external_requests.id'], name=op.f('fk_external_updates_external_request_id_external_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_updates')),
    sa.UniqueConstraint('external_request_id', 'update_id', name=op.f('uq_external_updates_external_request_id_update_id'))
    )
    with op.batch_alter_table('external_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_updates_city_id'), ['city_id'], unique=False)


def downgrade():
    op.drop_table('external_updates')
    op.drop_table('external_requests')
    op.drop_table('external_endpoints')
    op.drop_table('work_order_callbacks')
    op.drop_table('work_orders')
