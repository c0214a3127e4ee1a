"""Visitor check-in at a venue (店铺/场所登记码): who was where and when, kept a short time for tracing.

A check-in names the venue's code and the venue itself (a shop or a public place); the visitor's
identity stays on the account. Lookups of a venue's visitors are audited row by row: the reason,
the window asked for and how many visitors were shown.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

VENUE_TYPES = ("shop", "place")


class VenueCheckIn(TenantMixin, db.Model):
    __tablename__ = "venue_checkins"
    __table_args__ = (
        Index("ix_venue_checkins_city_id_venue", "city_id", "venue_type", "venue_id", "created_at"),
        Index("ix_venue_checkins_city_id_user_id_created_at", "city_id", "user_id", "created_at"),
        # The retention sweep deletes by age.
        Index("ix_venue_checkins_city_id_created_at", "city_id", "created_at"),
        CheckConstraint("venue_type IN ('shop', 'place')", name="venue_type_known"),
    )
    code_id: Mapped[int] = mapped_column(BigId, ForeignKey("qr_codes.id"), nullable=False)
    venue_type: Mapped[str] = mapped_column(String(16), nullable=False)
    venue_id: Mapped[int] = mapped_column(BigId, nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)

    user = relationship("User")


class VenueLookup(TenantMixin, db.Model):
    """An append-only record of one look at a venue's visitors."""

    __tablename__ = "venue_lookups"
    __table_args__ = (
        Index("ix_venue_lookups_city_id_venue", "city_id", "venue_type", "venue_id"),
        Index("ix_venue_lookups_city_id_region_path", "city_id", "region_path"),
        CheckConstraint("venue_type IN ('shop', 'place')", name="venue_type_known"),
    )
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False, index=True)
    venue_type: Mapped[str] = mapped_column(String(16), nullable=False)
    venue_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # The venue's grid when looked up: officials read the audit of their own part of the city.
    region_path: Mapped[str] = mapped_column(String(255), nullable=False)
    reason: Mapped[str] = mapped_column(String(255), nullable=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    visitors_shown: Mapped[int] = mapped_column(Integer, nullable=False)

    actor = relationship("User")
