"""What a scan shows, by code kind and by who scans.

Each builder gets the code, its entity and the scanner's standing towards that
entity, and returns only what that standing allows. Standings, weakest first:
anonymous, resident (signed in, nothing to do with the entity), department (a
department serving the region), member (lives there / owns it / is the person),
grid_worker (of the grid), official (community admin and above over the region).
Personal data is masked unless the standing needs it whole (PIPL minimum use).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from gridapp.authz import DEPARTMENT_ROLES, OFFICIAL_ROLES, Actor, Permission, Role
from gridapp.clock import CHINA, now
from gridapp.extensions import db
from gridapp.models import Household, HouseholdMember, QrCode, Rating, Region
from gridapp.privacy import mask_id_number, mask_name, mask_phone
from gridapp.services.codes import entities
from gridapp.services.regions.tree import grid_workers

STAFF_STANDINGS = ("grid_worker", "official", "department")
LICENCE_LABELS = {"valid": "有效", "expired": "已过期", "revoked": "已吊销", "pending": "办理中"}
# Who counts as an official over the scanned place (system admins too, for any place of their city).
OFFICIALS = OFFICIAL_ROLES | {Role.SUPER_ADMIN}
VISITORS = Permission(
    "codes.visit", {Role.GRID_WORKER}, "the grid's own worker sees a household whole and records visits"
)


def _covers(actor: Actor, roles, path: str | None) -> bool:
    return path is not None and any(path.startswith(p) for p in actor.region_paths(roles))


def standing(actor: Actor | None, code: QrCode, entity, region: Region | None) -> str:
    if actor is None:
        return "anonymous"
    if is_member(actor, code, entity):
        return "member"
    path = region.path if region is not None else None
    if _covers(actor, VISITORS, path):
        return "grid_worker"
    if _covers(actor, OFFICIALS, path) or (Role.SYSTEM_ADMIN in actor.roles and path is not None):
        return "official"
    if _covers(actor, DEPARTMENT_ROLES, path):
        return "department"
    return "resident"


def is_member(actor: Actor, code: QrCode, entity) -> bool:
    """The scanner is the person the code is about: lives in the household, owns the shop
    or bike, is the cadre, or is the resident of a personal code."""
    etype = code.entity_type
    if etype == "household":
        return db.session.scalar(
            select(func.count()).where(
                HouseholdMember.city_id == code.city_id, HouseholdMember.household_id == entity.id,
                HouseholdMember.user_id == actor.user_id, HouseholdMember.is_active.is_(True),
            )
        ) > 0
    if etype == "user":
        return entity.id == actor.user_id
    owner = {"shop": "owner_user_id", "ebike": "owner_user_id", "cadre": "user_id"}.get(etype)
    return owner is not None and getattr(entity, owner) == actor.user_id


def rating_of(city_id: int, target_type: str, target_id: int) -> dict:
    average, count = db.session.execute(
        select(func.avg(Rating.stars), func.count(Rating.id)).where(
            Rating.city_id == city_id, Rating.target_type == target_type, Rating.target_id == target_id
        )
    ).one()
    return {"average": round(float(average), 1) if average is not None else None, "count": count}


def _action(action: str, label: str, *, href: str | None = None, login: bool = False, actor=None) -> dict:
    return {"action": action, "label": label, "href": href, "login_required": login and actor is None}


def report_action(token: str, actor: Actor | None) -> dict:
    # Reporting is for signed-in residents (cases.workflow.RESIDENTS): an anonymous scanner signs in first.
    return _action("report", "在此反映问题", href=f"/h5/report?code={token}", login=True, actor=actor)


def direct_line_action(token: str, actor: Actor | None) -> dict:
    # 直联 (services.direct_line): a resident talks with this grid's worker, police officer or property staff.
    return _action("direct_line", "直联网格员、民警、物业", href=f"/h5/direct?code={token}", login=True, actor=actor)


def check_in_action(actor: Actor | None) -> dict:
    # A visitor's check-in at a shop or place (services.codes.venue_checkins), kept CHECKIN_RETENTION_DAYS.
    return _action("check_in", "扫码登记", login=True, actor=actor)


def household_record(household, standing_: str, actor: Actor) -> dict:
    """The household as its grid worker, officials or members see it."""
    whole_phone = standing_ == "grid_worker"
    members = []
    for m in household.members:
        if not m.is_active:
            continue
        me = m.user_id == actor.user_id
        members.append({
            "id": m.id,
            "name": m.name,
            "relation": m.relation,
            "phone": m.phone if whole_phone or me else mask_phone(m.phone),
            "id_number": mask_id_number(m.id_number),
            "is_me": me,
        })
    return {
        "id": household.id, "building": household.building, "unit": household.unit, "floor": household.floor,
        "room": household.room, "address": household.place_label, "members": members,
    }


def build(code: QrCode, entity, region: Region | None, standing_: str, actor: Actor | None) -> dict:
    community = entities.community_of(region)
    view = {
        "code": {"kind": code.kind, "kind_label": code.kind_label, "token": code.token},
        "viewer": standing_,
        "place": {
            "label": entities.place_label(code.kind, entity, region),
            "grid": region.name if region is not None and region.level == "grid" else None,
            "community": community.name if community else None,
        },
        "actions": [],
    }
    BUILDERS[code.kind](view, code, entity, region, standing_, actor)
    return view


def _outdoor(view, code, household, region, standing_, actor):
    workers = grid_workers(region) if region is not None else []
    view["grid_workers"] = [{"name": w.display_name, "phone": mask_phone(w.phone)} for w in workers]
    view["actions"] = [report_action(code.token, actor)]
    if workers:
        view["actions"].append(_action("contact", "联系网格员", login=True, actor=actor))
    if region is not None and standing_ not in STAFF_STANDINGS:
        view["actions"].append(direct_line_action(code.token, actor))


def _indoor(view, code, household, region, standing_, actor):
    if standing_ in ("member", "grid_worker", "official"):
        view["household"] = household_record(household, standing_, actor)
        if standing_ == "member":
            view["actions"].append(_action("update_me", "更新我的信息"))
            view["actions"].append(direct_line_action(code.token, actor))
    else:
        # Anyone else learns only that this is a household code of that grid.
        view["place"]["label"] = region.name if region is not None else ""


def _resident(view, code, user, region, standing_, actor):
    view["place"]["label"] = None
    view["place"]["grid"] = view["place"]["community"] = None
    if standing_ == "member":
        view["resident"] = {"is_me": True}
    elif standing_ in ("grid_worker", "official"):
        household = _household_of(user)
        if household is not None:
            view["household"] = household_record(household, standing_, actor)
            view["place"]["label"] = entities.place_label("household_indoor", household, region)
            view["place"]["grid"] = region.name if region is not None else None


def _household_of(user):
    return db.session.scalar(
        select(Household)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .where(
            HouseholdMember.city_id == user.city_id, HouseholdMember.user_id == user.id,
            HouseholdMember.is_active.is_(True), Household.is_active.is_(True),
        )
        .order_by(HouseholdMember.id)
        .limit(1)
    )


def _shop(view, code, shop, region, standing_, actor):
    view["shop"] = {
        "name": shop.name, "category": shop.category, "address": shop.address,
        "licence_status": shop.licence_status, "licence_status_label": LICENCE_LABELS.get(shop.licence_status, shop.licence_status),
        "rating": rating_of(code.city_id, "shop", shop.id),
    }
    if standing_ in STAFF_STANDINGS or standing_ == "member":
        view["shop"].update(
            licence_no=shop.licence_no, owner_name=shop.owner_name,
            owner_phone=shop.owner_phone if standing_ in ("grid_worker", "official") else mask_phone(shop.owner_phone),
        )
    view["actions"] = [
        check_in_action(actor),
        report_action(code.token, actor),
        _action("rate", "评价商户", login=True, actor=actor),
        _action("redeem", "在本店使用积分", login=True, actor=actor),  # the shop confirms (services.points)
    ]


def _cadre(view, code, cadre, region, standing_, actor):
    from gridapp.storage import media_storage

    view["cadre"] = {
        "name": cadre.name, "post": cadre.post, "serves": cadre.serves, "phone": mask_phone(cadre.phone),
        "photo_url": media_storage().url(cadre.photo_path) if cadre.photo_path else None,
        "rating": rating_of(code.city_id, "cadre", cadre.id),
    }
    view["actions"] = [_action("rate", "评价干部", login=True, actor=actor)]
    if cadre.user_id is not None:
        view["actions"].append(_action("contact", "联系干部", login=True, actor=actor))


def _ebike(view, code, bike, region, standing_, actor):
    view["ebike"] = {"plate_no": bike.plate_no, "brand": bike.brand, "color": bike.color}
    if standing_ in STAFF_STANDINGS or standing_ == "member":
        view["ebike"].update(
            owner_name=bike.owner_name, owner_phone=bike.owner_phone if standing_ != "department" else mask_phone(bike.owner_phone),
            registered_at=bike.created_at.isoformat(),
        )
    if standing_ != "member":
        view["actions"] = [_action("move", "请车主挪车", login=True, actor=actor)]


def stall_valid_now(stall, at: datetime) -> bool:
    local = at.astimezone(CHINA)
    hhmm = local.strftime("%H:%M")
    return stall.is_active and stall.valid_from <= local.date() <= stall.valid_until and stall.open_time <= hhmm < stall.close_time


def _stall(view, code, stall, region, standing_, actor):
    valid = stall_valid_now(stall, now())
    view["stall"] = {
        # Passers-by check the permit, not the person: the name is whole only for staff.
        "vendor_name": stall.vendor_name if standing_ in STAFF_STANDINGS else mask_name(stall.vendor_name),
        "goods": stall.goods, "permitted_area": stall.permitted_area,
        "hours": f"{stall.open_time}-{stall.close_time}",
        "valid_from": stall.valid_from.isoformat(), "valid_until": stall.valid_until.isoformat(),
        "valid_now": valid, "status_label": "当前在许可经营时段内" if valid else "当前不在许可经营时段",
    }
    if standing_ in STAFF_STANDINGS:
        view["stall"]["vendor_phone"] = mask_phone(stall.vendor_phone) if standing_ == "department" else stall.vendor_phone
    view["actions"] = [report_action(code.token, actor)]


def _place(view, code, place, region, standing_, actor):
    view["facility"] = {"kind": place.kind, "kind_label": place.kind_label, "name": place.name}
    view["actions"] = [check_in_action(actor), report_action(code.token, actor)]


BUILDERS = {
    "household_outdoor": _outdoor,
    "household_indoor": _indoor,
    "resident": _resident,
    "shop": _shop,
    "cadre": _cadre,
    "ebike": _ebike,
    "stall": _stall,
    "place": _place,
}
