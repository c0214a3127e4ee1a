"""The things codes get stuck on: households and their members, shops, cadres.

Personal data (names, phones, ID numbers) is kept whole only here and shown masked
everywhere except to roles that need it (PIPL minimum necessary use).
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import BigId, TenantMixin


class Household(TenantMixin, db.Model):
    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("city_id", "grid_id", "building", "unit", "room"),
        Index("ix_households_city_id_grid_id", "city_id", "grid_id"),
    )
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    building: Mapped[str] = mapped_column(String(32), nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
    floor: Mapped[int] = mapped_column(nullable=False)
    room: Mapped[str] = mapped_column(String(16), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    members = relationship("HouseholdMember", back_populates="household", order_by="HouseholdMember.id")

    @property
    def place_label(self) -> str:
        """Where the door is, never who lives behind it."""
        return f"{self.building}{self.unit}{self.room}室"


class HouseholdMember(TenantMixin, db.Model):
    __tablename__ = "household_members"
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"), nullable=False, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    relation: Mapped[str] = mapped_column(String(16), nullable=False)
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    id_number: Mapped[Optional[str]] = mapped_column(String(18))

    household = relationship("Household", back_populates="members")
    user = relationship("User")


class Shop(TenantMixin, db.Model):
    __tablename__ = "shops"
    __table_args__ = (Index("ix_shops_city_id_grid_id", "city_id", "grid_id"),)
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    address: Mapped[str] = mapped_column(String(255), nullable=False)
    licence_no: Mapped[Optional[str]] = mapped_column(String(32))
    licence_status: Mapped[str] = mapped_column(String(16), nullable=False, default="valid")
    owner_name: Mapped[Optional[str]] = mapped_column(String(64))
    owner_phone: Mapped[Optional[str]] = mapped_column(String(20))
    owner_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Cadre(TenantMixin, db.Model):
    """A community cadre as residents see them on a badge or notice board."""

    __tablename__ = "cadres"
    __table_args__ = (Index("ix_cadres_city_id_community_id", "city_id", "community_id"),)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    post: Mapped[str] = mapped_column(String(64), nullable=False)
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    serves: Mapped[Optional[str]] = mapped_column(String(255))
    photo_path: Mapped[Optional[str]] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    user = relationship("User")
