"""Community orders (社区下单) and the order pool departments grab from (部门抢单).

The order row carries its current holder; who held it before, and every step, is in
the append-only `order_events`. A grab is one conditional UPDATE on the row
(`WHERE status = 'open'`), so the database picks exactly one winner; `order_lapses`
records each grab whose holder did not start in time, counted against its department.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, binary_string

OPEN = "open"
GRABBED = "grabbed"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
PAID = "paid"
CANCELLED = "cancelled"
ESCALATED = "escalated"
REVERSED = "reversed"

ORDER_STATUSES = (OPEN, GRABBED, IN_PROGRESS, RESOLVED, PAID, CANCELLED, ESCALATED, REVERSED)
STATUS_LABELS = {
    OPEN: "待抢单",
    GRABBED: "已抢单",
    IN_PROGRESS: "处理中",
    RESOLVED: "待社区核实",
    PAID: "已核实并支付积分",
    CANCELLED: "已撤单",
    ESCALATED: "逾期无人抢单",
    REVERSED: "群众退回，积分已冲正",
}
# A department holds it.
HELD_STATUSES = frozenset({GRABBED, IN_PROGRESS, RESOLVED})
# Its bounty is still reserved in escrow.
RESERVED_STATUSES = frozenset({OPEN, ESCALATED}) | HELD_STATUSES
FINAL_STATUSES = frozenset({PAID, CANCELLED, REVERSED})


class Order(TenantMixin, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        # The pool: open orders of a city under the region paths a department serves.
        Index("ix_orders_city_id_status_region_path", "city_id", "status", "region_path"),
        Index("ix_orders_city_id_community_id_status", "city_id", "community_id", "status"),
        # The sweeps: held orders past their start-by, open orders past their deadline.
        Index("ix_orders_city_id_status_start_by", "city_id", "status", "start_by"),
        Index("ix_orders_city_id_status_deadline", "city_id", "status", "deadline"),
        Index("ix_orders_city_id_holder_department_id_paid_at", "city_id", "holder_department_id", "paid_at"),
        Index("ix_orders_city_id_case_id", "city_id", "case_id"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in ORDER_STATUSES) + ")", name="status_known"),
        CheckConstraint("difficulty IN ('simple', 'ordinary', 'complex', 'major')", name="difficulty_known"),
        CheckConstraint("bounty > 0 AND reserved >= bounty", name="bounty_positive"),
        CheckConstraint(
            "(status IN ('grabbed', 'in_progress', 'resolved', 'paid')) = (holder_department_id IS NOT NULL)"
            " OR status = 'reversed'",
            name="held_has_holder",
        ),
    )
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    # Where the work is (the case's grid, else the community), copied for subtree filters without a join.
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    case_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("cases.id"))
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("categories.id"), nullable=False)
    # The kind of department that may grab it (from the category); NULL: any department serving the place.
    department_kind: Mapped[Optional[str]] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(128), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    difficulty: Mapped[str] = mapped_column(String(16), nullable=False)
    bounty: Mapped[int] = mapped_column(Integer, nullable=False)
    # bounty scaled by difficulty: what was moved into escrow when it was posted.
    reserved: Mapped[int] = mapped_column(Integer, nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=OPEN)
    posted_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    holder_department_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("departments.id"))
    holder_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    assigned_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    grabbed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    start_by: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    after_photo_keys: Mapped[str] = mapped_column(Text, nullable=False, default="")  # newline-separated media keys
    verified_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    paid_difficulty: Mapped[Optional[str]] = mapped_column(String(16))
    payout_department: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    payout_staff: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Bumped by every change, so a stale read can never overwrite a newer state.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=now, onupdate=now)

    # Loaded on use: the grab path reads only the order's own columns.
    community = relationship("Region", foreign_keys=[community_id])
    category = relationship("Category")
    holder_department = relationship("Department")
    holder = relationship("User", foreign_keys=[holder_user_id])
    # The timeline, joined on the tenant too (a colocated join once cities are spread over nodes).
    events = relationship(
        "OrderEvent",
        primaryjoin="and_(Order.city_id == foreign(OrderEvent.city_id), Order.id == foreign(OrderEvent.order_id))",
        order_by="OrderEvent.id",
        viewonly=True,
    )

    @property
    def after_photos(self) -> list[str]:
        return [key for key in self.after_photo_keys.split("\n") if key]

    @property
    def on_time(self) -> bool | None:
        return None if self.resolved_at is None else self.resolved_at <= self.deadline


class OrderEvent(TenantMixin, db.Model):
    """One step in an order's life. Append-only (see the listeners below)."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_city_id_order_id_id", "city_id", "order_id", "id"),)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    actor_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    department_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("departments.id"))
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class OrderLapse(TenantMixin, db.Model):
    """A grab whose holder did not start in time: the order went back to the pool."""

    __tablename__ = "order_lapses"
    __table_args__ = (
        Index("ix_order_lapses_city_id_department_id_created_at", "city_id", "department_id", "created_at"),
        Index("ix_order_lapses_order_id", "order_id"),
    )
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), nullable=False)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    grabbed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    start_by: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


@event.listens_for(OrderEvent, "before_update")
@event.listens_for(OrderEvent, "before_delete")
@event.listens_for(OrderLapse, "before_update")
@event.listens_for(OrderLapse, "before_delete")
def _history_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"{type(target).__name__} {target.id} is append-only")
