"""会商研判: a review meeting's record and its action items, each with an owner and a deadline, closed only with
evidence (台账销号): the owner hands in what was done with photos, and the meeting's convener (or an official over
its region) confirms it or sends it back. Every change is an appended ReviewEvent.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, binary_string
from gridapp.models.task_forces import StepEventMixin

ACTION_ITEM_STATUSES = ("open", "submitted", "closed")


class ReviewMeeting(TenantMixin, db.Model):
    __tablename__ = "review_meetings"
    __table_args__ = (Index("ix_review_meetings_city_id_region_path", "city_id", "region_path"),)
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    participants: Mapped[str] = mapped_column(Text, nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # What the meeting weighed, if one subject (as on task forces: "case", "order", ...).
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(BigId)
    convened_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)

    region = relationship("Region")
    convener = relationship("User")
    items = relationship("ActionItem", order_by="ActionItem.id", lazy="selectin", viewonly=True)
    events = relationship("ReviewEvent", order_by="ReviewEvent.id", lazy="selectin", viewonly=True)


class ActionItem(TenantMixin, db.Model):
    __tablename__ = "action_items"
    __table_args__ = (
        Index("ix_action_items_city_id_meeting_id", "city_id", "meeting_id"),
        Index("ix_action_items_city_id_status_deadline", "city_id", "status", "deadline"),
        Index("ix_action_items_city_id_owner_user_id", "city_id", "owner_user_id"),
        Index("ix_action_items_city_id_owner_department_id", "city_id", "owner_department_id"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in ACTION_ITEM_STATUSES) + ")", name="status_known"),
        CheckConstraint("(owner_user_id IS NULL) <> (owner_department_id IS NULL)", name="one_owner"),
    )
    meeting_id: Mapped[int] = mapped_column(BigId, ForeignKey("review_meetings.id"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    owner_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    owner_department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting = relationship("ReviewMeeting", viewonly=True)
    owner = relationship("User", foreign_keys=[owner_user_id])
    owner_department = relationship("Department")
    photos = relationship("ActionItemPhoto", order_by="ActionItemPhoto.id", lazy="selectin", viewonly=True)


class ActionItemPhoto(TenantMixin, db.Model):
    """Evidence: a photo (claimed from an upload) handed in with the item; kept as the ledger's record."""

    __tablename__ = "action_item_photos"
    __table_args__ = (Index("ix_action_item_photos_city_id_item_id", "city_id", "item_id"),)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("action_items.id"), nullable=False)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("review_events.id"), nullable=False)
    original_key: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)


class ReviewEvent(StepEventMixin, db.Model):
    __tablename__ = "review_events"
    __table_args__ = (Index("ix_review_events_city_id_meeting_id", "city_id", "meeting_id"),)
    meeting_id: Mapped[int] = mapped_column(BigId, ForeignKey("review_meetings.id"), nullable=False)
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("action_items.id"))
