"""photos uploaded one per request before the call that names them (the mini-program's wx.uploadFile)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('photo_uploads',
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('original_key', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_photo_uploads_city_id_cities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_photo_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_uploads'))
    )
    with op.batch_alter_table('photo_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_uploads_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_photo_uploads_city_id_user_id', ['city_id', 'user_id'], unique=False)
        batch_op.create_index('ix_photo_uploads_city_id_used_at_created_at', ['city_id', 'used_at', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('photo_uploads', schema=None) as batch_op:
        batch_op.drop_index('ix_photo_uploads_city_id_used_at_created_at')
        batch_op.drop_index('ix_photo_uploads_city_id_user_id')
        batch_op.drop_index(batch_op.f('ix_photo_uploads_city_id'))

    op.drop_table('photo_uploads')
