"""What an Open311 client sent with a request that a case has no column for.

The reporter's e-mail, device and account ids are kept for call-backs and abuse
handling only; no Open311 answer ever contains them.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin


class Open311Request(TenantMixin, db.Model):
    __tablename__ = "open311_requests"
    __table_args__ = (UniqueConstraint("city_id", "token"), UniqueConstraint("case_id"))
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    api_client_id: Mapped[int] = mapped_column(BigId, ForeignKey("api_clients.id"), nullable=False, index=True)
    token: Mapped[str] = mapped_column(String(32), nullable=False)
    email: Mapped[Optional[str]] = mapped_column(String(254))
    device_id: Mapped[Optional[str]] = mapped_column(String(128))
    account_id: Mapped[Optional[str]] = mapped_column(String(128))
    media_url: Mapped[Optional[str]] = mapped_column(String(1024))
