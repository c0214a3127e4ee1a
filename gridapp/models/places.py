"""The things codes get stuck on: households and their members, shops, cadres,
e-bikes, mobile stalls and public places; and what happens at them (visits, ratings).

Personal data (names, phones, ID numbers) is kept whole only here and shown masked
everywhere except to roles that need it (PIPL minimum necessary use).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


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

    @property
    def outdoor_label(self) -> str:
        """What a corridor code may say: the landing, not even the door."""
        return f"{self.building}{self.unit}{self.floor}层"


class HouseholdMember(TenantMixin, db.Model):
    __tablename__ = "household_members"
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"), nullable=False, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    relation: Mapped[str] = mapped_column(String(16), nullable=False)
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    id_number: Mapped[Optional[str]] = mapped_column(String(18))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

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


class EBike(TenantMixin, db.Model):
    """A registered e-bike; its code lets a passer-by ask the owner to move it."""

    __tablename__ = "ebikes"
    __table_args__ = (UniqueConstraint("city_id", "plate_no"), Index("ix_ebikes_city_id_grid_id", "city_id", "grid_id"))
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    plate_no: Mapped[str] = mapped_column(String(16), nullable=False)
    brand: Mapped[Optional[str]] = mapped_column(String(32))
    color: Mapped[Optional[str]] = mapped_column(String(16))
    owner_name: Mapped[str] = mapped_column(String(64), nullable=False)
    owner_phone: Mapped[Optional[str]] = mapped_column(String(20))
    owner_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class MobileStall(TenantMixin, db.Model):
    """A vendor permitted to trade in one area during set hours and dates."""

    __tablename__ = "mobile_stalls"
    __table_args__ = (Index("ix_mobile_stalls_city_id_grid_id", "city_id", "grid_id"),)
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    vendor_name: Mapped[str] = mapped_column(String(64), nullable=False)
    vendor_phone: Mapped[Optional[str]] = mapped_column(String(20))
    vendor_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    goods: Mapped[str] = mapped_column(String(64), nullable=False)
    permitted_area: Mapped[str] = mapped_column(String(255), nullable=False)
    # Local (China Standard Time) wall-clock hours "HH:MM"; a permit is about the street's day.
    open_time: Mapped[str] = mapped_column(String(5), nullable=False)
    close_time: Mapped[str] = mapped_column(String(5), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


PLACE_KINDS = {
    "stairwell": "楼道",
    "bin_station": "垃圾站",
    "lift": "电梯",
    "playground": "游乐场",
    "parking": "停车场",
    "other": "公共部位",
}


class Place(TenantMixin, db.Model):
    """A shared spot (stairwell, bin station, lift, playground) where problems get reported."""

    __tablename__ = "places"
    __table_args__ = (
        Index("ix_places_city_id_grid_id", "city_id", "grid_id"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in PLACE_KINDS) + ")", name="kind_known"),
    )
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    building: Mapped[Optional[str]] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    @property
    def kind_label(self) -> str:
        return PLACE_KINDS[self.kind]


class Rating(TenantMixin, db.Model):
    """One person's stars for a shop or a cadre; rating again replaces the earlier stars."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("city_id", "target_type", "target_id", "user_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        CheckConstraint("target_type IN ('shop', 'cadre')", name="target_known"),
    )
    target_type: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[int] = mapped_column(BigId, nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    stars: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[Optional[str]] = mapped_column(String(255))


class ContactRequest(TenantMixin, db.Model):
    """"Please move your bike" or "please contact me", sent through us so no phone is shown.

    Kept so the number sent per scanner and code can be limited (anti-harassment)."""

    __tablename__ = "contact_requests"
    __table_args__ = (Index("ix_contact_requests_city_id_user_id_code_id_created_at", "city_id", "user_id", "code_id", "created_at"),)
    code_id: Mapped[int] = mapped_column(BigId, ForeignKey("qr_codes.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[Optional[str]] = mapped_column(String(255))
    # "Please move" reaches a linked owner's inbox first; unread by `sms_due_at`, it goes by SMS
    # (services.codes.move_requests).
    notification_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("notifications.id"))
    sms_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    sms_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class Visit(TenantMixin, db.Model):
    """A grid worker's home visit (入户走访), opened by scanning the household's or resident's code."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_city_id_household_id_created_at", "city_id", "household_id", "created_at"),)
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"), nullable=False)
    worker_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False, index=True)
    code_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("qr_codes.id"))
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    photo_keys: Mapped[str] = mapped_column(Text, nullable=False, default="")  # newline-separated media keys
    updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    worker = relationship("User")

    @property
    def photos(self) -> list[str]:
        return [key for key in self.photo_keys.split("\n") if key]


class HouseholdAccessLog(TenantMixin, db.Model):
    """Who read or changed a household record, and when (PIPL accountability)."""

    __tablename__ = "household_access_logs"
    __table_args__ = (Index("ix_household_access_logs_city_id_household_id_created_at", "city_id", "household_id", "created_at"),)
    household_id: Mapped[int] = mapped_column(BigId, ForeignKey("households.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    via: Mapped[str] = mapped_column(String(16), nullable=False)
