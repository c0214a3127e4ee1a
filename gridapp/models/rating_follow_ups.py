"""A low rating (1-2 stars) of a shop or a cadre opens a follow-up for the community: someone calls back and notes
what they found. Opened once per rating while open; closed once, with who, when and what."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class RatingFollowUp(TenantMixin, db.Model):
    __tablename__ = "rating_follow_ups"
    __table_args__ = (
        Index("ix_rating_follow_ups_city_id_region_path", "city_id", "region_path"),
        Index("ix_rating_follow_ups_city_id_rating_id", "city_id", "rating_id"),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint("target_type IN ('shop', 'cadre')", name="target_known"),
    )
    rating_id: Mapped[int] = mapped_column(BigId, ForeignKey("ratings.id"), nullable=False)
    target_type: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # The shop's grid or the cadre's community: who follows up, as a range on an index.
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    stars: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[Optional[str]] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    closed_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[Optional[str]] = mapped_column(Text)

    closed_by = relationship("User")
