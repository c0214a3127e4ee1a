"""The in-app inbox every role has."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class Notification(TenantMixin, db.Model):
    """A message to one user. `kind` lets clients pick an icon; the target (a case, an order…) is what it is
    about, and where tapping it goes is the web layer's choice (gridapp.web.links)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_city_id_user_id_created_at", "city_id", "user_id", "created_at"),)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(128), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    target_kind: Mapped[Optional[str]] = mapped_column(String(32))
    target_id: Mapped[Optional[int]] = mapped_column(BigId)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
