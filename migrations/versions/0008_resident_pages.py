"""residents agree to the user agreement and privacy policy before a sign-in code is sent: the version is kept on
the code and, at sign-in, appended to the account's consents

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-02 04:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0003'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('agreement_consents',
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('agreed_at', sa.DateTime(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_agreement_consents_city_id_cities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agreement_consents_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_consents')),
    sa.UniqueConstraint('city_id', 'user_id', 'version', name=op.f('uq_agreement_consents_city_id_user_id_version'))
    )
    with op.batch_alter_table('agreement_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_consents_city_id'), ['city_id'], unique=False)

    op.add_column('otp_challenges', sa.Column('agreement_version', sa.String(length=32), nullable=True))


def downgrade():
    op.drop_column('otp_challenges', 'agreement_version')
    with op.batch_alter_table('agreement_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_consents_city_id'))

    op.drop_table('agreement_consents')
