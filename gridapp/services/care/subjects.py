"""What a risk tier (and later a leader-owned case or a referral) may point at: `subject_kind` + `subject_id`.

Each kind maps to a loader that returns the row and its region path, which is all a scope check needs. Kinds that
live in other modules register one line here when they arrive (a dispute, a petition).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, Dispute, Household, HouseholdMember, Order, Region


@dataclass(frozen=True)
class Subject:
    kind: str
    row: object
    region_path: str
    label: str


def _grid_path(city_id: int, grid_id: int) -> str:
    return db.session.scalar(select(Region.path).where(Region.city_id == city_id, Region.id == grid_id))


def _household(city_id: int, subject_id: int) -> Subject | None:
    row = db.session.scalar(select(Household).where(Household.city_id == city_id, Household.id == subject_id))
    return row and Subject("household", row, _grid_path(city_id, row.grid_id), row.place_label)


def _person(city_id: int, subject_id: int) -> Subject | None:
    row = db.session.scalar(select(HouseholdMember).where(HouseholdMember.city_id == city_id, HouseholdMember.id == subject_id))
    return row and Subject("person", row, _grid_path(city_id, row.household.grid_id), row.household.place_label)


def _case(city_id: int, subject_id: int) -> Subject | None:
    row = db.session.scalar(select(Case).where(Case.city_id == city_id, Case.id == subject_id))
    return row and Subject("case", row, row.region_path, f"案件 {row.id}")


def _order(city_id: int, subject_id: int) -> Subject | None:
    row = db.session.scalar(select(Order).where(Order.city_id == city_id, Order.id == subject_id))
    return row and Subject("order", row, row.region_path, f"订单 {row.id}")


def _dispute(city_id: int, subject_id: int) -> Subject | None:
    row = db.session.scalar(select(Dispute).where(Dispute.city_id == city_id, Dispute.id == subject_id))
    return row and Subject("dispute", row, row.region_path, f"纠纷 {row.id}")


LOADERS: dict[str, Callable[[int, int], Subject | None]] = {
    "household": _household,
    "person": _person,
    "case": _case,
    "order": _order,
    "dispute": _dispute,
}
KIND_LABELS = {"household": "住户", "person": "人员", "case": "案件", "order": "订单", "dispute": "矛盾纠纷", "petition": "信访件"}


def load(city_id: int, kind: str, subject_id: int) -> Subject:
    loader = LOADERS.get(kind)
    if loader is None:
        raise ValidationFailed("不支持的对象类型", details={"subject_kind": [kind]})
    subject = loader(city_id, subject_id)
    if subject is None:
        raise NotFound("对象不存在")
    return subject
