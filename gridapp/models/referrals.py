"""Referrals (诉调/警调/访调对接): a case or petition passed to or received from a court, the police or a petition
bureau, with the other body's case number, its status and the deadline, and every change appended."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, append_only, binary_string

DIRECTIONS = ("out", "in")
REFERRAL_KINDS = ("court", "police", "petition")
REFERRAL_STATUSES = ("pending", "accepted", "completed", "returned", "withdrawn")


class Referral(TenantMixin, db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("direction IN ('out', 'in')", name="direction_known"),
        CheckConstraint("kind IN ('court', 'police', 'petition')", name="kind_known"),
        CheckConstraint("status IN ('pending', 'accepted', 'completed', 'returned', 'withdrawn')", name="status_known"),
        Index("ix_referrals_city_id_subject", "city_id", "subject_kind", "subject_id"),
        Index("ix_referrals_city_id_region_path", "city_id", "region_path"),
        Index("ix_referrals_city_id_status_deadline_at", "city_id", "status", "deadline_at"),
    )
    direction: Mapped[str] = mapped_column(String(4), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    other_body: Mapped[str] = mapped_column(String(128), nullable=False)
    other_case_number: Mapped[str | None] = mapped_column(String(64))
    other_status: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ReferralEvent(TenantMixin, db.Model):
    __tablename__ = "referral_events"
    __table_args__ = (Index("ix_referral_events_city_id_referral_id", "city_id", "referral_id"),)
    referral_id: Mapped[int] = mapped_column(BigId, ForeignKey("referrals.id"), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    other_case_number: Mapped[str | None] = mapped_column(String(64))
    other_status: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


append_only(ReferralEvent)
