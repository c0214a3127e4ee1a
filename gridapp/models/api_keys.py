"""Keys issued to outside systems (311 apps, city systems, researchers) for the Open311 API.

Only a digest of each key is stored: the key itself is shown once, when it is issued.
A key belongs to one city and, optionally, one region subtree; it acts through a
service account of its own, so every case it files names who entered it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class ApiClient(TenantMixin, db.Model):
    __tablename__ = "api_clients"
    __table_args__ = (UniqueConstraint("city_id", "key_hash"),)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    # SHA-256 of the key: keys are 256 random bits, so a slow password hash would add nothing.
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # The first characters of the key, so admins can tell keys apart in a list.
    key_prefix: Mapped[str] = mapped_column(String(24), nullable=False)
    # NULL: the whole city.
    region_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("regions.id"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    created_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    region = relationship("Region", lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
