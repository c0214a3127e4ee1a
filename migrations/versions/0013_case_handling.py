"""handlers' tools: reply templates per category and state, and the public line of a case event

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('reply_templates',
    sa.Column('category_id', BIG_ID, nullable=True),
    sa.Column('state', sa.String(length=16), nullable=True),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_user_id', BIG_ID, nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_reply_templates_category_id_categories')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_reply_templates_city_id_cities')),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_reply_templates_updated_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates'))
    )
    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_templates_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_reply_templates_city_id_category_id_state', ['city_id', 'category_id', 'state'], unique=False)

    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('public_note')

    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_templates_city_id_category_id_state')
        batch_op.drop_index(batch_op.f('ix_reply_templates_city_id'))

    op.drop_table('reply_templates')
