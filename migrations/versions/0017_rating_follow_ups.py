"""ratings that count: a low rating of a shop or cadre opens a follow-up for the community, closed with what the call-back found

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:20:05.787089

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('rating_follow_ups',
    sa.Column('rating_id', BIG_ID, nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', BIG_ID, nullable=False),
    sa.Column('region_path', sa.String(length=255), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_by_user_id', BIG_ID, nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_rating_follow_ups_status_known')),
    sa.CheckConstraint("target_type IN ('shop', 'cadre')", name=op.f('ck_rating_follow_ups_target_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_rating_follow_ups_city_id_cities')),
    sa.ForeignKeyConstraint(['closed_by_user_id'], ['users.id'], name=op.f('fk_rating_follow_ups_closed_by_user_id_users')),
    sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'], name=op.f('fk_rating_follow_ups_rating_id_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_follow_ups'))
    )
    with op.batch_alter_table('rating_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_follow_ups_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_rating_follow_ups_city_id_rating_id', ['city_id', 'rating_id'], unique=False)
        batch_op.create_index('ix_rating_follow_ups_city_id_region_path', ['city_id', 'region_path'], unique=False)



def downgrade():
    with op.batch_alter_table('rating_follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_follow_ups_city_id_region_path')
        batch_op.drop_index('ix_rating_follow_ups_city_id_rating_id')
        batch_op.drop_index(batch_op.f('ix_rating_follow_ups_city_id'))

    op.drop_table('rating_follow_ups')
