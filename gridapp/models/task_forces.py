"""领导包案 and 联合处置 (1+1+N): a task force over one subject (a case, an order, later a dispute or a petition).

A leader-owned task force (kind "leader") has its leader, a lead department, assisting units, measures and a
deadline. A joint handling (kind "joint") has the locality, the responsible department and N co-handlers. Both are
made of members, each a unit (a department or a region node) with its own sub-task and its own clock. Every change
is an appended TaskForceEvent; the subject's region path is copied on the row so scope is a range on an index.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime, binary_string

TASK_FORCE_KINDS = ("leader", "joint")
TASK_FORCE_STATUSES = ("open", "closed")
MEMBER_ROLES = ("lead", "assist", "locality", "responsible", "co")
MEMBER_STATUSES = ("assigned", "in_progress", "done")


def _known(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", name=name)


class TaskForce(TenantMixin, db.Model):
    __tablename__ = "task_forces"
    __table_args__ = (
        Index("ix_task_forces_city_id_region_path", "city_id", "region_path"),
        Index("ix_task_forces_city_id_leader_user_id_status", "city_id", "leader_user_id", "status"),
        Index("ix_task_forces_city_id_subject", "city_id", "subject_kind", "subject_id"),
        _known("kind", TASK_FORCE_KINDS, "kind_known"),
        _known("status", TASK_FORCE_STATUSES, "status_known"),
    )
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    region_path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The leader who owns it (包案领导); a joint handling's coordinator is its creator.
    leader_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    created_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    leader = relationship("User", foreign_keys=[leader_user_id])
    members = relationship("TaskForceMember", order_by="TaskForceMember.id", lazy="selectin", viewonly=True)
    events = relationship("TaskForceEvent", order_by="TaskForceEvent.id", lazy="selectin", viewonly=True)


class TaskForceMember(TenantMixin, db.Model):
    """One unit's sub-task with its own clock: a department (lead, responsible, co-handler, assisting) or a region node
    (the locality, or an assisting street or community), whose officials act for it."""

    __tablename__ = "task_force_members"
    __table_args__ = (
        Index("ix_task_force_members_city_id_task_force_id", "city_id", "task_force_id"),
        Index("ix_task_force_members_city_id_status_deadline", "city_id", "status", "deadline"),
        Index("ix_task_force_members_city_id_department_id", "city_id", "department_id"),
        _known("role", MEMBER_ROLES, "role_known"),
        _known("status", MEMBER_STATUSES, "status_known"),
        CheckConstraint("(department_id IS NULL) <> (region_id IS NULL)", name="one_unit"),
    )
    task_force_id: Mapped[int] = mapped_column(BigId, ForeignKey("task_forces.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(12), nullable=False)
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    region_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("regions.id"))
    region_path: Mapped[str | None] = mapped_column(binary_string(255))
    task: Mapped[str] = mapped_column(Text, nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="assigned")
    progress: Mapped[str] = mapped_column(Text, nullable=False, default="")
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once by the sweep when the deadline passes with the sub-task not done: the alert went out.
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department = relationship("Department")
    region = relationship("Region")


class StepEventMixin(TenantMixin):
    """One appended step (who, when, the status before and after, a note) of a task force or a review meeting."""

    @declared_attr
    def actor_user_id(cls) -> Mapped[int | None]:
        # None: the system (an overdue sweep).
        return mapped_column(BigId, ForeignKey("users.id"))

    action: Mapped[str] = mapped_column(String(16), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    @declared_attr
    def actor(cls):
        return relationship("User")


class TaskForceEvent(StepEventMixin, db.Model):
    __tablename__ = "task_force_events"
    __table_args__ = (Index("ix_task_force_events_city_id_task_force_id", "city_id", "task_force_id"),)
    task_force_id: Mapped[int] = mapped_column(BigId, ForeignKey("task_forces.id"), nullable=False)
    member_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("task_force_members.id"))
