"""直联 (direct line): grid contacts, conversations, messages and photos

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 07:44:45.470935

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('grid_contacts',
    sa.Column('grid_id', BIG_ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('user_id', BIG_ID, nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("kind IN ('police', 'property')", name=op.f('ck_grid_contacts_kind_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_grid_contacts_city_id_cities')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_grid_contacts_grid_id_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_contacts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_contacts'))
    )
    with op.batch_alter_table('grid_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_contacts_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_grid_contacts_city_id_grid_id', ['city_id', 'grid_id'], unique=False)
        batch_op.create_index('ix_grid_contacts_city_id_user_id', ['city_id', 'user_id'], unique=False)

    op.create_table('conversations',
    sa.Column('grid_id', BIG_ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('contact_id', BIG_ID, nullable=True),
    sa.Column('staff_name', sa.String(length=64), nullable=False),
    sa.Column('resident_user_id', BIG_ID, nullable=False),
    sa.Column('staff_user_id', BIG_ID, nullable=False),
    sa.Column('code_id', BIG_ID, nullable=True),
    sa.Column('case_id', BIG_ID, nullable=True),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.Column('resident_unread', sa.Integer(), nullable=False),
    sa.Column('staff_unread', sa.Integer(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("kind IN ('grid_worker', 'police', 'property')", name=op.f('ck_conversations_kind_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_conversations_case_id_cases')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_conversations_city_id_cities')),
    sa.ForeignKeyConstraint(['code_id'], ['qr_codes.id'], name=op.f('fk_conversations_code_id_qr_codes')),
    sa.ForeignKeyConstraint(['contact_id'], ['grid_contacts.id'], name=op.f('fk_conversations_contact_id_grid_contacts')),
    sa.ForeignKeyConstraint(['grid_id'], ['regions.id'], name=op.f('fk_conversations_grid_id_regions')),
    sa.ForeignKeyConstraint(['resident_user_id'], ['users.id'], name=op.f('fk_conversations_resident_user_id_users')),
    sa.ForeignKeyConstraint(['staff_user_id'], ['users.id'], name=op.f('fk_conversations_staff_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_conversations_city_id_last_message_at', ['city_id', 'last_message_at'], unique=False)
        batch_op.create_index('ix_conversations_city_id_resident_user_id', ['city_id', 'resident_user_id'], unique=False)
        batch_op.create_index('ix_conversations_city_id_staff_user_id', ['city_id', 'staff_user_id'], unique=False)

    op.create_table('grid_contact_events',
    sa.Column('contact_id', BIG_ID, nullable=False),
    sa.Column('actor_user_id', BIG_ID, nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('before_json', sa.Text(), nullable=True),
    sa.Column('after_json', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_grid_contact_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_grid_contact_events_city_id_cities')),
    sa.ForeignKeyConstraint(['contact_id'], ['grid_contacts.id'], name=op.f('fk_grid_contact_events_contact_id_grid_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_contact_events'))
    )
    with op.batch_alter_table('grid_contact_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_contact_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_grid_contact_events_city_id_contact_id', ['city_id', 'contact_id'], unique=False)

    op.create_table('conversation_messages',
    sa.Column('conversation_id', BIG_ID, nullable=False),
    sa.Column('sender_user_id', BIG_ID, nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.CheckConstraint("side IN ('resident', 'staff')", name=op.f('ck_conversation_messages_side_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_conversation_messages_city_id_cities')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_messages_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['sender_user_id'], ['users.id'], name=op.f('fk_conversation_messages_sender_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_messages'))
    )
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_messages_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_conversation_messages_city_id_conversation_id', ['city_id', 'conversation_id'], unique=False)

    op.create_table('conversation_photos',
    sa.Column('message_id', BIG_ID, nullable=False),
    sa.Column('original_key', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('city_id', BIG_ID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_conversation_photos_city_id_cities')),
    sa.ForeignKeyConstraint(['message_id'], ['conversation_messages.id'], name=op.f('fk_conversation_photos_message_id_conversation_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_photos'))
    )
    with op.batch_alter_table('conversation_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_photos_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_conversation_photos_city_id_message_id', ['city_id', 'message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('conversation_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_photos_city_id_message_id')
        batch_op.drop_index(batch_op.f('ix_conversation_photos_city_id'))

    op.drop_table('conversation_photos')
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_messages_city_id_conversation_id')
        batch_op.drop_index(batch_op.f('ix_conversation_messages_city_id'))

    op.drop_table('conversation_messages')
    with op.batch_alter_table('grid_contact_events', schema=None) as batch_op:
        batch_op.drop_index('ix_grid_contact_events_city_id_contact_id')
        batch_op.drop_index(batch_op.f('ix_grid_contact_events_city_id'))

    op.drop_table('grid_contact_events')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_city_id_staff_user_id')
        batch_op.drop_index('ix_conversations_city_id_resident_user_id')
        batch_op.drop_index('ix_conversations_city_id_last_message_at')
        batch_op.drop_index(batch_op.f('ix_conversations_city_id'))

    op.drop_table('conversations')
    with op.batch_alter_table('grid_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_grid_contacts_city_id_user_id')
        batch_op.drop_index('ix_grid_contacts_city_id_grid_id')
        batch_op.drop_index(batch_op.f('ix_grid_contacts_city_id'))

    op.drop_table('grid_contacts')
