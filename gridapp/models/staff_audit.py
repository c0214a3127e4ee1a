"""The staff audit: every change to a staff account and its role grants, appended and never edited."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, binary_string

STAFF_AUDIT_ACTIONS = (
    "create", "edit", "grant", "revoke", "deactivate", "reactivate", "reset_password", "unlock",
)  # fmt: skip


class StaffAuditEntry(TenantMixin, db.Model):
    """Who changed which account, when, and the account's grants and state before and after.

    `before` and `after` are snapshots (services.accounts.staff_audit), so an entry still reads right
    after the regions or departments it names were renamed.
    """

    __tablename__ = "staff_audit"
    __table_args__ = (
        Index("ix_staff_audit_city_id_user_id", "city_id", "user_id"),
        CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in STAFF_AUDIT_ACTIONS) + ")", name="action_known"),
    )
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    before: Mapped[Optional[dict]] = mapped_column(JSON)
    after: Mapped[Optional[dict]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")

    actor = relationship("User", foreign_keys=[actor_user_id], lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    scopes = relationship("StaffAuditScope", lazy="selectin")


class StaffAuditScope(TenantMixin, db.Model):
    """A part of the city an audit entry concerns (a region node's path or a department), so each admin
    reads the entries about their own subtree, including grants that have since moved elsewhere."""

    __tablename__ = "staff_audit_scopes"
    __table_args__ = (
        Index("ix_staff_audit_scopes_city_id_region_path", "city_id", "region_path"),
        CheckConstraint("region_path IS NOT NULL OR department_id IS NOT NULL", name="names_a_scope"),
    )
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff_audit.id"), nullable=False, index=True)
    region_path: Mapped[Optional[str]] = mapped_column(binary_string(255))
    department_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("departments.id"))


@event.listens_for(StaffAuditEntry, "before_update")
@event.listens_for(StaffAuditEntry, "before_delete")
@event.listens_for(StaffAuditScope, "before_update")
@event.listens_for(StaffAuditScope, "before_delete")
def _audit_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"{type(target).__name__} {target.id} is append-only")
