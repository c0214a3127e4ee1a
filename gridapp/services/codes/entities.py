"""The entities codes are stuck on, looked up the same way whatever their type.

Codes name their entity by (entity_type, entity_id); this is the one place that
knows which table each type lives in, which region it belongs to and how to name
its spot in Chinese without naming anybody who lives there.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.errors import NotFound
from gridapp.extensions import db
from gridapp.models import Cadre, EBike, Household, HouseholdMember, MobileStall, Place, Region, Shop, User

MODELS = {
    "household": Household,
    "shop": Shop,
    "cadre": Cadre,
    "ebike": EBike,
    "stall": MobileStall,
    "place": Place,
    "user": User,
}
ENTITY_LABELS = {
    "household": "住户",
    "shop": "商户",
    "cadre": "干部",
    "ebike": "电动车",
    "stall": "流动摊位",
    "place": "公共部位",
    "user": "居民",
}


def get_entity(city_id: int, entity_type: str, entity_id: int, *, active_only: bool = True):
    model = MODELS.get(entity_type)
    if model is None:
        raise NotFound("对象类型不存在")
    entity = db.session.scalar(select(model).where(model.city_id == city_id, model.id == entity_id))
    if entity is None or (active_only and not entity.is_active):
        raise NotFound(f"{ENTITY_LABELS[entity_type]}不存在")
    return entity


def region_id_of(entity_type: str, entity) -> int | None:
    """The grid the entity sits in (a cadre's community; a resident's household's grid)."""
    if entity_type == "cadre":
        return entity.community_id
    if entity_type == "user":
        return db.session.scalar(
            select(Household.grid_id)
            .join(HouseholdMember, HouseholdMember.household_id == Household.id)
            .where(
                HouseholdMember.city_id == entity.city_id,
                HouseholdMember.user_id == entity.id,
                HouseholdMember.is_active.is_(True),
                Household.is_active.is_(True),
            )
            .order_by(HouseholdMember.id)
            .limit(1)
        )
    return entity.grid_id


def community_of(region: Region | None) -> Region | None:
    """The community above a grid (or the community itself), read off the materialized path."""
    if region is None:
        return None
    if region.level == "community":
        return region
    if region.level != "grid" or region.parent_id is None:
        return None
    return db.session.scalar(select(Region).where(Region.city_id == region.city_id, Region.id == region.parent_id))


def place_label(kind: str, entity, region: Region | None) -> str:
    """Where the code hangs, in Chinese; never the name of a resident."""
    community = community_of(region)
    prefix = community.name if community else ""
    if kind == "household_outdoor":
        return f"{prefix}{entity.outdoor_label}"
    if kind == "household_indoor":
        return f"{prefix}{entity.place_label}"
    if kind == "shop":
        return f"{entity.name}（{entity.address}）"
    if kind == "cadre":
        return f"{prefix}{entity.post}"
    if kind == "ebike":
        return f"{region.name if region else ''}电动车 {entity.plate_no}"
    if kind == "stall":
        return f"流动摊位 {entity.permitted_area}"
    if kind == "place":
        return f"{prefix}{entity.building or ''}{entity.name}"
    return f"{prefix}居民" if prefix else "居民"
