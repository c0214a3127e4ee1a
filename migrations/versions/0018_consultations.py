"""码上协商: consultations of the households (or residents) of an area, with one answer per household or resident

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:25:04.286160

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('consultations',
    sa.Column('region_id', BIG_ID, nullable=False),
    sa.Column('region_path', sa.String(length=255), nullable=False),
    sa.Column('building', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer_kind', sa.String(length=16), nullable=False),
    sa.Column('options_json', sa.Text(), nullable=False),
    sa.Column('per', sa.String(length=16), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('created_by_user_id', BIG_ID, nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("answer_kind IN ('choice', 'free')", name=op.f('ck_consultations_answer_kind_known')),
    sa.CheckConstraint("per IN ('household', 'resident')", name=op.f('ck_consultations_per_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_consultations_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_consultations_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_consultations_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_consultations_city_id_region_path', ['city_id', 'region_path'], unique=False)

    op.create_table('consultation_answers',
    sa.Column('consultation_id', BIG_ID, nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('household_id', BIG_ID, nullable=False),
    sa.Column('household_key', BIG_ID, nullable=True),
    sa.Column('grid_id', BIG_ID, nullable=False),
    sa.Column('option', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_consultation_answers_city_id_cities')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_answers_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_consultation_answers_grid_id_regions')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_consultation_answers_household_id_households')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consultation_answers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_answers')),
    sa.UniqueConstraint('city_id', 'consultation_id', 'household_key', name=op.f('uq_consultation_answers_city_id_consultation_id_household_key')),
    sa.UniqueConstraint('city_id', 'consultation_id', 'user_id', name=op.f('uq_consultation_answers_city_id_consultation_id_user_id'))
    )
    with op.batch_alter_table('consultation_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_answers_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_consultation_answers_city_id_consultation_id_grid_id', ['city_id', 'consultation_id', 'grid_id'], unique=False)



def downgrade():
    with op.batch_alter_table('consultation_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_answers_city_id_consultation_id_grid_id')
        batch_op.drop_index(batch_op.f('ix_consultation_answers_city_id'))

    op.drop_table('consultation_answers')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_city_id_region_path')
        batch_op.drop_index(batch_op.f('ix_consultations_city_id'))

    op.drop_table('consultations')
