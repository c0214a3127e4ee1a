"""The audit trail of a city's setup: region nodes, departments and categories as admins change them."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin

SETUP_ENTITIES = ("region", "department", "category", "outside_system", "risk_route")


class SetupChange(TenantMixin, db.Model):
    """One change to the city's setup: who, when, what it was before and after. Append-only."""

    __tablename__ = "setup_changes"
    __table_args__ = (
        Index("ix_setup_changes_city_id_entity_entity_id", "city_id", "entity", "entity_id"),
        CheckConstraint("entity IN (" + ", ".join(f"'{e}'" for e in SETUP_ENTITIES) + ")", name="entity_known"),
    )
    entity: Mapped[str] = mapped_column(String(16), nullable=False)
    entity_id: Mapped[int] = mapped_column(BigId, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    # JSON of the fields the change touched, before and after (absent for a creation's "before").
    before_json: Mapped[Optional[str]] = mapped_column(Text)
    after_json: Mapped[Optional[str]] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")

    actor = relationship("User", lazy="joined")


@event.listens_for(SetupChange, "before_update")
@event.listens_for(SetupChange, "before_delete")
def _changes_are_append_only(_mapper, _connection, target):
    raise RuntimeError(f"setup change {target.id} is append-only")
