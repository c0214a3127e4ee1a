"""The registry records an account can be linked to, looked up the same way whatever their kind.

Each kind names its table, the column holding the phone the registry has on file, the column that
points at the linked account (what scans, redemptions and "please move" read), and how to name the
record to the person asking (their own door, shop or plate, never anyone else's name).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gridapp.errors import NotFound
from gridapp.extensions import db
from gridapp.models import EBike, Household, HouseholdMember, MobileStall, Shop


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    model: type
    phone_attr: str
    user_attr: str
    name_attr: str  # the person's name as the registry has it, for staff to compare with the account


KINDS = {
    "member": Kind("member", "家庭成员", HouseholdMember, "phone", "user_id", "name"),
    "shop": Kind("shop", "店铺", Shop, "owner_phone", "owner_user_id", "owner_name"),
    "ebike": Kind("ebike", "电动车", EBike, "owner_phone", "owner_user_id", "owner_name"),
    "stall": Kind("stall", "流动摊位", MobileStall, "vendor_phone", "vendor_user_id", "vendor_name"),
}


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound("关联对象类型不存在") from None


def get_record(city_id: int, kind: str, record_id: int):
    """The active record, or NotFound (a member of a household that is no longer active counts as gone)."""
    model = kind_of(kind).model
    record = db.session.scalar(select(model).where(model.city_id == city_id, model.id == record_id))
    if record is None or not record.is_active or (kind == "member" and not record.household.is_active):
        raise NotFound(f"{kind_of(kind).label}不存在", code="record_not_found")
    return record


def grid_id_of(kind: str, record) -> int:
    return record.household.grid_id if kind == "member" else record.grid_id


def phone_of(kind: str, record) -> str | None:
    return getattr(record, kind_of(kind).phone_attr)


def linked_user_id(kind: str, record) -> int | None:
    return getattr(record, kind_of(kind).user_attr)


def set_linked_user(kind: str, record, user_id: int | None) -> None:
    setattr(record, kind_of(kind).user_attr, user_id)


def label(kind: str, record) -> str:
    """How the record is named to the person it concerns."""
    if kind == "member":
        household: Household = record.household
        return f"{household.place_label}（{record.relation}）"
    if kind == "shop":
        return f"{record.name}（{record.address}）"
    if kind == "ebike":
        return f"车牌 {record.plate_no}"
    return f"{record.goods}（{record.permitted_area}）"


def with_phone(city_id: int, phone: str) -> list[tuple[str, object]]:
    """Every active record of every kind whose registry phone is `phone`, unlinked or not."""
    found = []
    for kind in KINDS.values():
        column = getattr(kind.model, kind.phone_attr)
        stmt = select(kind.model).where(kind.model.city_id == city_id, column == phone, kind.model.is_active.is_(True))
        if kind.name == "member":
            stmt = stmt.join(Household, Household.id == HouseholdMember.household_id).where(Household.is_active.is_(True))
        found.extend((kind.name, record) for record in db.session.scalars(stmt.order_by(kind.model.id)))
    return found
