"""Work orders pushed in by a 12345 platform (or a department's own system) through its Open311 key.

The platform's own order number is unique per key and city, so a re-push answers the same
case; every later step of that case is queued as a callback row and sent, in order, to the
platform's callback URL.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime


class WorkOrder(TenantMixin, db.Model):
    __tablename__ = "work_orders"
    __table_args__ = (UniqueConstraint("city_id", "api_client_id", "order_no"), UniqueConstraint("case_id"))
    api_client_id: Mapped[int] = mapped_column(BigId, ForeignKey("api_clients.id"), nullable=False)
    order_no: Mapped[str] = mapped_column(String(64), nullable=False)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    callback_url: Mapped[str] = mapped_column(String(1024), nullable=False)


class WorkOrderCallback(TenantMixin, db.Model):
    """One step of a pushed-in case still owed to (or given up on by) the platform."""

    __tablename__ = "work_order_callbacks"
    __table_args__ = (
        UniqueConstraint("event_id"),
        CheckConstraint("status IN ('pending', 'sent', 'dead')", name="status_known"),
        Index("ix_work_order_callbacks_city_id_status_next_attempt_at", "city_id", "status", "next_attempt_at"),
    )
    work_order_id: Mapped[int] = mapped_column(BigId, ForeignKey("work_orders.id"), nullable=False, index=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("case_events.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ExternalEndpoint(TenantMixin, db.Model):
    """An outside system speaking Open311 GeoReport v2 that a category's cases are sent on to.

    City admins set these up (services.open311.outside_systems); a disabled one is sent nothing new
    and no longer asked for updates, and keeps its row for the cases already sent.
    """

    __tablename__ = "external_endpoints"
    __table_args__ = (UniqueConstraint("city_id", "category_id"),)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("categories.id"), nullable=False)
    base_url: Mapped[str] = mapped_column(String(1024), nullable=False)  # up to and including /v2
    api_key: Mapped[str] = mapped_column(String(255), nullable=False)
    jurisdiction_id: Mapped[Optional[str]] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(String(64), nullable=False)  # our category in their words
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())


class ExternalRequest(TenantMixin, db.Model):
    """A case sent on to an outside system, with the id that system gave it once it answered."""

    __tablename__ = "external_requests"
    __table_args__ = (UniqueConstraint("case_id"), UniqueConstraint("endpoint_id", "service_request_id"))
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), nullable=False)
    endpoint_id: Mapped[int] = mapped_column(BigId, ForeignKey("external_endpoints.id"), nullable=False, index=True)
    service_request_id: Mapped[Optional[str]] = mapped_column(String(64))


class ExternalUpdate(TenantMixin, db.Model):
    """An update fetched from the outside system, kept so that a second fetch adds no second event."""

    __tablename__ = "external_updates"
    __table_args__ = (UniqueConstraint("external_request_id", "update_id"),)
    external_request_id: Mapped[int] = mapped_column(BigId, ForeignKey("external_requests.id"), nullable=False)
    update_id: Mapped[str] = mapped_column(String(64), nullable=False)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("case_events.id"), nullable=False)
