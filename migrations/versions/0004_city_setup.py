"""a city's setup from the API: region nodes can be retired, categories carry extra questions and an urgent
notice, cases keep the answers, and every setup change is logged

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    # Plain ALTER TABLE, never a batch rebuild: other tables refer to these.
    op.add_column('regions', sa.Column('retired_at', sa.DateTime(), nullable=True))
    op.add_column('categories', sa.Column('questions_json', sa.Text(), nullable=True))
    op.add_column('categories', sa.Column('urgent_notice', sa.String(length=255), nullable=True))
    op.add_column('cases', sa.Column('answers_json', sa.Text(), nullable=True))

    op.create_table('setup_changes',
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', BIG_ID, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('actor_user_id', BIG_ID, nullable=True),
    sa.Column('before_json', sa.Text(), nullable=True),
    sa.Column('after_json', sa.Text(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("entity IN ('region', 'department', 'category')", name=op.f('ck_setup_changes_entity_known')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_setup_changes_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_setup_changes_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_setup_changes'))
    )
    with op.batch_alter_table('setup_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_setup_changes_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_setup_changes_city_id_entity_entity_id', ['city_id', 'entity', 'entity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('setup_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_setup_changes_city_id_entity_entity_id')
        batch_op.drop_index(batch_op.f('ix_setup_changes_city_id'))

    op.drop_table('setup_changes')
    op.drop_column('cases', 'answers_json')
    op.drop_column('categories', 'urgent_notice')
    op.drop_column('categories', 'questions_json')
    op.drop_column('regions', 'retired_at')
