"""Residents spending points at a shop (积分兑换).

A redemption is asked for by one side and confirmed by the other: the resident scans
the shop's code and the shop confirms, or the shop scans the resident's personal
code (showing it is the resident's consent). Only a confirmed redemption moves
points, by one ledger transaction keyed on the redemption.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

REDEMPTION_STATUSES = ("pending", "confirmed", "cancelled")


class Redemption(TenantMixin, db.Model):
    __tablename__ = "redemptions"
    __table_args__ = (
        # The monthly statement: one shop's confirmed redemptions in a month.
        Index("ix_redemptions_city_id_shop_id_confirmed_at", "city_id", "shop_id", "confirmed_at"),
        Index("ix_redemptions_city_id_resident_user_id", "city_id", "resident_user_id"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("status IN ('pending', 'confirmed', 'cancelled')", name="status_known"),
        CheckConstraint("initiated_by IN ('resident', 'shop')", name="initiator_known"),
        CheckConstraint("payer IN ('resident', 'staff')", name="payer_known"),
    )
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"), nullable=False)
    resident_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    # Which of the person's accounts pays: a resident's awards, or a staff member's share of bounties.
    payer: Mapped[str] = mapped_column(String(16), nullable=False, default="resident", server_default="resident")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    initiated_by: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    confirmed_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    transaction_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))

    shop = relationship("Shop")
    resident = relationship("User", foreign_keys=[resident_user_id])
