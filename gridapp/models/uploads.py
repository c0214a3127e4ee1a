"""Photos uploaded on their own, before the call that uses them (the mini-program's wx.uploadFile sends one file per request)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class PhotoUpload(TenantMixin, db.Model):
    """A cleaned, stored photo waiting for its uploader's report, resolution, patrol or visit; removed when unused."""

    __tablename__ = "photo_uploads"
    __table_args__ = (
        Index("ix_photo_uploads_city_id_user_id", "city_id", "user_id"),
        # The sweep: unused uploads past their time.
        Index("ix_photo_uploads_city_id_used_at_created_at", "city_id", "used_at", "created_at"),
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    original_key: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
