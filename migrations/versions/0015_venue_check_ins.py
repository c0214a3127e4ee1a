"""venue check-ins (店铺/场所登记码): who checked in where, kept CHECKIN_RETENTION_DAYS, and an append-only audit of
every lookup of a venue's visitors

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 06:55:55.394217

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('venue_lookups',
    sa.Column('actor_user_id', BIG_ID, nullable=False),
    sa.Column('venue_type', sa.String(length=16), nullable=False),
    sa.Column('venue_id', BIG_ID, nullable=False),
    sa.Column('region_path', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.Column('until', sa.DateTime(), nullable=False),
    sa.Column('visitors_shown', sa.Integer(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("venue_type IN ('shop', 'place')", name=op.f('ck_venue_lookups_venue_type_known')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_venue_lookups_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_venue_lookups_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_lookups'))
    )
    with op.batch_alter_table('venue_lookups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_lookups_actor_user_id'), ['actor_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_lookups_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_venue_lookups_city_id_region_path', ['city_id', 'region_path'], unique=False)
        batch_op.create_index('ix_venue_lookups_city_id_venue', ['city_id', 'venue_type', 'venue_id'], unique=False)

    op.create_table('venue_checkins',
    sa.Column('code_id', BIG_ID, nullable=False),
    sa.Column('venue_type', sa.String(length=16), nullable=False),
    sa.Column('venue_id', BIG_ID, nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("venue_type IN ('shop', 'place')", name=op.f('ck_venue_checkins_venue_type_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_venue_checkins_city_id_cities')),
    sa.ForeignKeyConstraint(['code_id'], ['qr_codes.id'], name=op.f('fk_venue_checkins_code_id_qr_codes')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_venue_checkins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_checkins'))
    )
    with op.batch_alter_table('venue_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_checkins_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_venue_checkins_city_id_created_at', ['city_id', 'created_at'], unique=False)
        batch_op.create_index('ix_venue_checkins_city_id_user_id_created_at', ['city_id', 'user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_venue_checkins_city_id_venue', ['city_id', 'venue_type', 'venue_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('venue_checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_venue_checkins_city_id_venue')
        batch_op.drop_index('ix_venue_checkins_city_id_user_id_created_at')
        batch_op.drop_index('ix_venue_checkins_city_id_created_at')
        batch_op.drop_index(batch_op.f('ix_venue_checkins_city_id'))

    op.drop_table('venue_checkins')
    with op.batch_alter_table('venue_lookups', schema=None) as batch_op:
        batch_op.drop_index('ix_venue_lookups_city_id_venue')
        batch_op.drop_index('ix_venue_lookups_city_id_region_path')
        batch_op.drop_index(batch_op.f('ix_venue_lookups_city_id'))
        batch_op.drop_index(batch_op.f('ix_venue_lookups_actor_user_id'))

    op.drop_table('venue_lookups')
