"""码上纳谏: a resident's suggestion (not a problem to fix) to their community, answered by its cadres and adopted or not.

Every change is an appended SuggestionEvent. The author stays on the row for the cadres' reply and the award,
and is never shown in the community's public list.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

SUGGESTION_STATUSES = ("submitted", "answered", "adopted", "declined")


class Suggestion(TenantMixin, db.Model):
    __tablename__ = "suggestions"
    __table_args__ = (
        Index("ix_suggestions_city_id_community_id_id", "city_id", "community_id", "id"),
        Index("ix_suggestions_city_id_user_id_id", "city_id", "user_id", "id"),
        Index("ix_suggestions_city_id_region_path", "city_id", "region_path"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in SUGGESTION_STATUSES) + ")", name="status_known"),
    )
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    # The community's path, so cadres' scope is a range on an index, as for cases.
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="submitted")
    answer: Mapped[Optional[str]] = mapped_column(Text)
    # A public answer puts the suggestion and the answer (never the author) on the community's list.
    answer_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    answered_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    points_awarded: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    community = relationship("Region", foreign_keys=[community_id])
    events = relationship("SuggestionEvent", order_by="SuggestionEvent.id", lazy="selectin", viewonly=True)


class SuggestionEvent(TenantMixin, db.Model):
    __tablename__ = "suggestion_events"
    __table_args__ = (Index("ix_suggestion_events_city_id_suggestion_id", "city_id", "suggestion_id"),)
    suggestion_id: Mapped[int] = mapped_column(BigId, ForeignKey("suggestions.id"), nullable=False)
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    actor = relationship("User")
