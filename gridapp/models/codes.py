"""Printed QR codes, every scan of them, and the jobs that print them on sheets.

A code names one entity (a household, shop, cadre, e-bike, stall, place or a
resident) and through it a place in the region tree. Codes live on walls for years,
so a code is never edited or deleted: it is revoked, or replaced by a new one whose
token differs, and the old row stays to answer "gone" for the old printout.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

# kind → (entity type, label). One active code per (entity, kind).
CODE_KINDS = {
    "household_outdoor": ("household", "户外码"),
    "household_indoor": ("household", "室内码"),
    "shop": ("shop", "商户码"),
    "cadre": ("cadre", "干部码"),
    "ebike": ("ebike", "电动车码"),
    "stall": ("stall", "流动摊位码"),
    "place": ("place", "公共部位码"),
    "resident": ("user", "居民个人码"),
}
CODE_STATUSES = ("active", "revoked", "replaced")
_ACTIVE = text("status = 'active'")


def kinds_for(entity_type: str) -> list[str]:
    return [kind for kind, (etype, _label) in CODE_KINDS.items() if etype == entity_type]


class QrCode(TenantMixin, db.Model):
    __tablename__ = "qr_codes"
    __table_args__ = (
        # The database, not the service, guarantees one live code per entity and kind,
        # so two admins issuing at once cannot both print a valid code.
        Index(
            "uq_qr_codes_active_entity_kind", "city_id", "entity_type", "entity_id", "kind",
            unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE,
        ),
        Index("ix_qr_codes_city_id_region_id", "city_id", "region_id"),
        CheckConstraint("status IN ('active', 'revoked', 'replaced')", name="status_known"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in CODE_KINDS) + ")", name="kind_known"),
    )
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(16), nullable=False)
    entity_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # The grid (or, for a cadre, the community) the entity belongs to; empty only for a
    # resident's personal code when the resident is in no household yet.
    region_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("regions.id"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    issued_by_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("qr_codes.id"))
    scan_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_scanned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    region = relationship("Region", lazy="joined")

    @property
    def kind_label(self) -> str:
        return CODE_KINDS[self.kind][1]


class ScanLog(TenantMixin, db.Model):
    """One scan: which code, when, who (or nobody), and with what browser."""

    __tablename__ = "scan_logs"
    __table_args__ = (Index("ix_scan_logs_city_id_code_id_created_at", "city_id", "code_id", "created_at"),)
    code_id: Mapped[int] = mapped_column(BigId, ForeignKey("qr_codes.id"), nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    viewer: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    user_agent: Mapped[Optional[str]] = mapped_column(String(255))


class SheetJob(TenantMixin, db.Model):
    """A PDF of door plates being made; the admin polls it until `status` is done."""

    __tablename__ = "sheet_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status_known"),
    )
    requested_by_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False, index=True)
    region_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    building: Mapped[Optional[str]] = mapped_column(String(32))
    kinds: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    media_key: Mapped[Optional[str]] = mapped_column(String(255))
    error: Mapped[Optional[str]] = mapped_column(Text)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
