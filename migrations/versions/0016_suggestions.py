"""码上纳谏: residents' suggestions to their community, the cadres' answers and decisions, each step an appended event

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 07:13:04.090019

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('suggestions',
    sa.Column('community_id', BIG_ID, nullable=False),
    sa.Column('region_path', sa.String(length=255), nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answer_public', sa.Boolean(), nullable=False),
    sa.Column('answered_by_user_id', BIG_ID, nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('points_awarded', sa.Integer(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'answered', 'adopted', 'declined')", name=op.f('ck_suggestions_status_known')),
    sa.ForeignKeyConstraint(['answered_by_user_id'], ['users.id'], name=op.f('fk_suggestions_answered_by_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_suggestions_city_id_cities')),
    sa.ForeignKeyConstraint(['community_id'], ['regions.id'], name=op.f('fk_suggestions_community_id_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_suggestions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestions'))
    )
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestions_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_suggestions_city_id_community_id_id', ['city_id', 'community_id', 'id'], unique=False)
        batch_op.create_index('ix_suggestions_city_id_region_path', ['city_id', 'region_path'], unique=False)
        batch_op.create_index('ix_suggestions_city_id_user_id_id', ['city_id', 'user_id', 'id'], unique=False)

    op.create_table('suggestion_events',
    sa.Column('suggestion_id', BIG_ID, nullable=False),
    sa.Column('actor_user_id', BIG_ID, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_suggestion_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_suggestion_events_city_id_cities')),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_events_suggestion_id_suggestions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_events'))
    )
    with op.batch_alter_table('suggestion_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_suggestion_events_city_id_suggestion_id', ['city_id', 'suggestion_id'], unique=False)



def downgrade():
    with op.batch_alter_table('suggestion_events', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_events_city_id_suggestion_id')
        batch_op.drop_index(batch_op.f('ix_suggestion_events_city_id'))

    op.drop_table('suggestion_events')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestions_city_id_user_id_id')
        batch_op.drop_index('ix_suggestions_city_id_region_path')
        batch_op.drop_index('ix_suggestions_city_id_community_id_id')
        batch_op.drop_index(batch_op.f('ix_suggestions_city_id'))

    op.drop_table('suggestions')
