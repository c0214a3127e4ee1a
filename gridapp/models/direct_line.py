"""直联: residents talking with their grid's staff (grid worker, police officer, property staff)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

CONTACT_KINDS = ("police", "property", "judge")
CONVERSATION_KINDS = ("grid_worker", *CONTACT_KINDS)


class GridContact(TenantMixin, db.Model):
    """A grid's police officer (网格民警), judge (网格法官) or property staff (物业), answering from a staff account."""

    __tablename__ = "grid_contacts"
    __table_args__ = (
        CheckConstraint("kind IN ('police', 'property', 'judge')", name="kind_known"),
        Index("ix_grid_contacts_city_id_grid_id", "city_id", "grid_id"),
        Index("ix_grid_contacts_city_id_user_id", "city_id", "user_id"),
    )
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class GridContactEvent(TenantMixin, db.Model):
    """The append-only audit of a contact: who created, changed or retired it, before and after."""

    __tablename__ = "grid_contact_events"
    __table_args__ = (Index("ix_grid_contact_events_city_id_contact_id", "city_id", "contact_id"),)
    contact_id: Mapped[int] = mapped_column(BigId, ForeignKey("grid_contacts.id"), nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    before_json: Mapped[Optional[str]] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text, nullable=False)


class Conversation(TenantMixin, db.Model):
    """One resident and one staff member of a grid; unread counts are kept per side."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("kind IN ('grid_worker', 'police', 'property', 'judge')", name="kind_known"),
        Index("ix_conversations_city_id_resident_user_id", "city_id", "resident_user_id"),
        Index("ix_conversations_city_id_staff_user_id", "city_id", "staff_user_id"),
        Index("ix_conversations_city_id_last_message_at", "city_id", "last_message_at"),
    )
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    contact_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("grid_contacts.id"))
    staff_name: Mapped[str] = mapped_column(String(64), nullable=False)
    resident_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    staff_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    code_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("qr_codes.id"))
    case_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("cases.id"))
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    resident_unread: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    staff_unread: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    grid = relationship("Region")


class ConversationMessage(TenantMixin, db.Model):
    __tablename__ = "conversation_messages"
    __table_args__ = (
        CheckConstraint("side IN ('resident', 'staff')", name="side_known"),
        Index("ix_conversation_messages_city_id_conversation_id", "city_id", "conversation_id"),
    )
    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id"), nullable=False)
    sender_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    side: Mapped[str] = mapped_column(String(8), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")

    photos = relationship("ConversationPhoto", order_by="ConversationPhoto.id", lazy="selectin")


class ConversationPhoto(TenantMixin, db.Model):
    """A photo sent in a conversation (claimed from an upload); its file goes with the conversation."""

    __tablename__ = "conversation_photos"
    __table_args__ = (Index("ix_conversation_photos_city_id_message_id", "city_id", "message_id"),)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversation_messages.id"), nullable=False)
    original_key: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
