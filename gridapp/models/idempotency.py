"""Idempotency keys: one row per (city, client, key), written in the creating transaction."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin


class IdempotencyKey(TenantMixin, db.Model):
    """The unique constraint is the whole mechanism: a second transaction inserting the same
    key waits for the first and then fails, so two concurrent retries never both create.
    It names what was created, not how it was answered: a replay's HTTP status is the web layer's."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("city_id", "client", "key"),)
    client: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    scope: Mapped[str] = mapped_column(String(128), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    resource_type: Mapped[Optional[str]] = mapped_column(String(32))
    resource_id: Mapped[Optional[int]] = mapped_column(BigId)
