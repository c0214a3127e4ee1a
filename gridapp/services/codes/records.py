"""Admin records of what codes are stuck on: households, shops, cadres, e-bikes, stalls, places.

One set of rules for all six: community admins and above create, edit, list, search
and deactivate them, only within their own subtree (the record's grid, or a cadre's
community, must lie under one of their grants). Whole phones and ID numbers go only
to the community admin who keeps the records; everyone above sees them masked
(services.codes.record_views builds what each viewer sees). Every read of a household
record with its members is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from gridapp.authz import Actor, Role, require_region
from gridapp.errors import Conflict, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import (
    Cadre,
    EBike,
    Household,
    HouseholdAccessLog,
    HouseholdMember,
    MobileStall,
    Place,
    QrCode,
    Region,
    Shop,
)
from gridapp.services import idempotency
from gridapp.services import photos as photo_service
from gridapp.services import uploads as photo_uploads
from gridapp.services.codes import record_views
from gridapp.services.codes.issuing import ADMIN_READ_ROLES, ADMIN_ROLES, revoke_entity_codes
from gridapp.services.regions.tree import get_region, subtree_filter
from gridapp.unit_of_work import after_commit, unit_of_work


@dataclass(frozen=True)
class Spec:
    model: type
    entity_type: str
    region_attr: str  # "grid_id", or "community_id" for cadres
    search: tuple[str, ...]
    label: str

    @property
    def region_level(self) -> str:
        return "community" if self.region_attr == "community_id" else "grid"


SPECS = {
    "households": Spec(Household, "household", "grid_id", ("building", "unit", "room"), "住户"),
    "shops": Spec(Shop, "shop", "grid_id", ("name", "address", "licence_no", "owner_name"), "商户"),
    "cadres": Spec(Cadre, "cadre", "community_id", ("name", "post"), "干部"),
    "ebikes": Spec(EBike, "ebike", "grid_id", ("plate_no", "owner_name"), "电动车"),
    "stalls": Spec(MobileStall, "stall", "grid_id", ("vendor_name", "goods", "permitted_area"), "流动摊位"),
    "places": Spec(Place, "place", "grid_id", ("name", "building"), "公共部位"),
}
SPEC_BY_TYPE = {spec.entity_type: spec for spec in SPECS.values()}


def _region_for(actor: Actor, spec: Spec, region_id: int, roles=ADMIN_ROLES) -> Region:
    region = get_region(actor.city_id, region_id)
    if region.level != spec.region_level:
        raise ValidationFailed(f"请选择一个{'社区' if spec.region_level == 'community' else '网格'}", details={spec.region_attr: ["wrong_level"]})
    require_region(actor, actor.city_id, region.path, roles=roles)
    return region


def list_query(actor: Actor, spec: Spec, *, q: str | None = None, region_id: int | None = None, active: bool | None = True):
    model = spec.model
    column = getattr(model, spec.region_attr)
    stmt = select(model).join(Region, Region.id == column).where(model.city_id == actor.city_id, Region.city_id == actor.city_id)
    if region_id is not None:
        root = get_region(actor.city_id, region_id)
        require_region(actor, actor.city_id, root.path, roles=ADMIN_READ_ROLES)
        stmt = stmt.where(subtree_filter(root.path))
    elif Role.SYSTEM_ADMIN not in actor.roles:
        paths = actor.region_paths(ADMIN_READ_ROLES)
        if not paths:
            raise NotFound("没有可管理的区域")
        stmt = stmt.where(or_(*[subtree_filter(p) for p in paths]))
    if active is not None:
        stmt = stmt.where(model.is_active.is_(active))
    if q:
        # A search is for the text typed: % and _ match themselves, not any characters.
        conditions = [getattr(model, name).contains(q, autoescape=True) for name in spec.search]
        if model is Household:
            conditions.append(
                model.id.in_(
                    select(HouseholdMember.household_id).where(
                        HouseholdMember.city_id == actor.city_id,
                        or_(HouseholdMember.name.contains(q, autoescape=True), HouseholdMember.phone == q),
                    )
                )
            )
        stmt = stmt.where(or_(*conditions))
    return stmt.order_by(model.id)


def view_page(actor: Actor, spec: Spec, page: dict) -> dict:
    """A page of `list_query` as the actor may see it."""
    return {**page, "items": record_views.records(actor, spec, page["items"])}


def _load(actor: Actor, spec: Spec, entity_id: int, roles=ADMIN_ROLES):
    model = spec.model
    entity = db.session.scalar(select(model).where(model.city_id == actor.city_id, model.id == entity_id))
    if entity is None:
        raise NotFound(f"{spec.label}不存在")
    region = get_region(actor.city_id, getattr(entity, spec.region_attr))
    require_region(actor, actor.city_id, region.path, roles=roles)
    return entity


def _log_read(actor: Actor, household: Household, action: str = "read") -> None:
    db.session.add(HouseholdAccessLog(city_id=actor.city_id, household_id=household.id, user_id=actor.user_id, action=action, via="admin"))


@unit_of_work
def get_record(actor: Actor, spec: Spec, entity_id: int):
    entity = _load(actor, spec, entity_id, roles=ADMIN_READ_ROLES)
    if spec.model is Household:
        _log_read(actor, entity)
    return record_views.record(actor, spec, entity)


def _flush_or_conflict(spec: Spec) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"{spec.label}已存在（地址或编号重复）", code="duplicate") from None


def create_record(actor: Actor, spec: Spec, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    """A retry with the same Idempotency-Key gets the record created the first time."""
    made = idempotency.create(
        claim, spec.entity_type, lambda: _create_record(actor, spec, data), lambda entity_id: _load(actor, spec, entity_id)
    )
    if isinstance(made, idempotency.Replayed):
        return idempotency.Replayed(record_views.record(actor, spec, made.resource))
    return record_views.record(actor, spec, made)


def _create_record(actor: Actor, spec: Spec, data: dict):
    data = dict(data)
    members = data.pop("members", None) or []
    _region_for(actor, spec, data[spec.region_attr])
    entity = spec.model(city_id=actor.city_id, **data)
    db.session.add(entity)
    _flush_or_conflict(spec)
    for member in members:
        db.session.add(HouseholdMember(city_id=actor.city_id, household_id=entity.id, **member))
    if members:
        _log_read(actor, entity, "create")
        db.session.flush()
    return entity


@unit_of_work
def update_record(actor: Actor, spec: Spec, entity_id: int, data: dict):
    entity = _load(actor, spec, entity_id)
    if spec.region_attr in data:
        _region_for(actor, spec, data[spec.region_attr])
    for key, value in data.items():
        setattr(entity, key, value)
    if spec.model is Household:
        _log_read(actor, entity, "update")
    _flush_or_conflict(spec)
    if spec.region_attr in data:
        for code in db.session.scalars(select(QrCode).where(QrCode.city_id == actor.city_id, QrCode.entity_type == spec.entity_type, QrCode.entity_id == entity.id)):
            code.region_id = data[spec.region_attr]
    return record_views.record(actor, spec, entity)


@unit_of_work
def deactivate_record(actor: Actor, spec: Spec, entity_id: int):
    """Deactivated records keep their history; their live codes are revoked so old plates answer 410."""
    entity = _load(actor, spec, entity_id)
    entity.is_active = False
    revoke_entity_codes(actor.city_id, spec.entity_type, entity.id)
    return record_views.record(actor, spec, entity)


def _member(actor: Actor, household_id: int, member_id: int) -> HouseholdMember:
    member = db.session.scalar(
        select(HouseholdMember).where(
            HouseholdMember.city_id == actor.city_id, HouseholdMember.household_id == household_id, HouseholdMember.id == member_id
        )
    )
    if member is None:
        raise NotFound("住户成员不存在")
    return member


@unit_of_work
def add_member(actor: Actor, household_id: int, data: dict):
    household = _load(actor, SPECS["households"], household_id)
    db.session.add(HouseholdMember(city_id=actor.city_id, household_id=household.id, **data))
    _log_read(actor, household, "update")
    db.session.flush()
    db.session.refresh(household)
    return record_views.record(actor, SPECS["households"], household)


@unit_of_work
def update_member(actor: Actor, household_id: int, member_id: int, data: dict):
    household = _load(actor, SPECS["households"], household_id)
    member = _member(actor, household.id, member_id)
    for key, value in data.items():
        setattr(member, key, value)
    _log_read(actor, household, "update")
    return record_views.record(actor, SPECS["households"], household)


def access_log(actor: Actor, household_id: int):
    household = _load(actor, SPECS["households"], household_id, roles=ADMIN_READ_ROLES)
    return select(HouseholdAccessLog).where(
        HouseholdAccessLog.city_id == actor.city_id, HouseholdAccessLog.household_id == household.id
    ).order_by(HouseholdAccessLog.id.desc())


def set_cadre_photo(actor: Actor, cadre_id: int, uploads: list[photo_service.Upload], upload_ids: list[int] = ()) -> dict:
    """The photo on a cadre's code page, cleaned like report photos (upright, no EXIF or GPS).

    The file is stored before the transaction and removed again if it fails; the
    replaced photo is removed only once the new one is committed.
    """
    if len(uploads) + len(upload_ids) != 1:
        raise ValidationFailed("请上传一张照片", details={"photos": ["exactly_one"]})
    return photo_service.stored_then(
        uploads, lambda stored: _set_cadre_photo(actor, cadre_id, stored, upload_ids), uploaded=len(upload_ids)
    )


@unit_of_work
def _set_cadre_photo(actor: Actor, cadre_id: int, stored, upload_ids) -> dict:
    cadre = _load(actor, SPECS["cadres"], cadre_id)
    key = [*stored, *photo_uploads.claim(actor, list(upload_ids))][0][0]
    previous, cadre.photo_path = cadre.photo_path, key
    if previous:
        after_commit(lambda: photo_service.discard([previous]))
    return record_views.record(actor, SPECS["cadres"], cadre)
