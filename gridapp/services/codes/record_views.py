"""What one viewer sees of admin records: plain dicts, built for that viewer.

Whole phones and ID numbers go only to the community admin who keeps the records (they
call people back); everyone above sees them masked (PIPL minimum use). The decision is
made here, per record, from the viewer's grants; the HTTP layer serialises the dicts as
they are and never sees a whole number it should not show.
"""
from __future__ import annotations

from sqlalchemy import inspect, select

from gridapp.authz import Actor, Role, covers
from gridapp.extensions import db
from gridapp.models import Cadre, Household, HouseholdMember, Place, QrCode, Region
from gridapp.privacy import mask_id_number, mask_phone
from gridapp.services.photos import url as photo_url

# The personal fields of each record type, with how they are masked.
PERSONAL = {
    "shop": {"owner_phone": mask_phone},
    "cadre": {"phone": mask_phone},
    "ebike": {"owner_phone": mask_phone},
    "stall": {"vendor_phone": mask_phone},
}
MEMBER_PERSONAL = {"phone": mask_phone, "id_number": mask_id_number}
# Who keeps the records and so needs the numbers whole.
KEEPERS = frozenset({Role.COMMUNITY_ADMIN})


def reveals_personal_data(actor: Actor, region_path: str) -> bool:
    """The community admin keeping the records needs whole numbers; those above do not."""
    return covers(actor.region_paths(KEEPERS), region_path)


def records(actor: Actor, spec, items: list) -> list[dict]:
    """The records of one `records.Spec` as `actor` may see them, with their active codes and scan counts."""
    if not items:
        return []
    ids = [item.id for item in items]
    codes: dict[int, list[dict]] = {i: [] for i in ids}
    for code in db.session.scalars(
        select(QrCode).where(
            QrCode.city_id == actor.city_id, QrCode.entity_type == spec.entity_type, QrCode.entity_id.in_(ids),
            QrCode.status == "active",
        ).order_by(QrCode.id)
    ):
        codes[code.entity_id].append(_code(code))
    region_ids = {getattr(item, spec.region_attr) for item in items}
    paths = dict(db.session.execute(select(Region.id, Region.path).where(Region.city_id == actor.city_id, Region.id.in_(region_ids))).all())
    return [
        _record(spec, item, codes[item.id], reveals_personal_data(actor, paths[getattr(item, spec.region_attr)]))
        for item in items
    ]


def record(actor: Actor, spec, item) -> dict:
    return records(actor, spec, [item])[0]


def _columns(row) -> dict:
    return {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs}


def _masked(data: dict, personal: dict, whole: bool) -> dict:
    if not whole:
        data.update({name: mask(data[name]) for name, mask in personal.items()})
    return data


def _code(code: QrCode) -> dict:
    return {
        "id": code.id, "kind": code.kind, "kind_label": code.kind_label, "scan_count": code.scan_count,
        "last_scanned_at": code.last_scanned_at,
    }


def _record(spec, item, codes: list[dict], whole: bool) -> dict:
    data = _masked(_columns(item), PERSONAL.get(spec.entity_type, {}), whole)
    data["codes"] = codes
    if isinstance(item, Household):
        data["members"] = [_member(m, whole) for m in item.members]
        data["member_count"] = sum(1 for m in item.members if m.is_active)
    if isinstance(item, Cadre):
        data["photo_url"] = photo_url(item.photo_path)
    if isinstance(item, Place):
        data["kind_label"] = item.kind_label
    return data


def _member(member: HouseholdMember, whole: bool) -> dict:
    return _masked(_columns(member), MEMBER_PERSONAL, whole)
