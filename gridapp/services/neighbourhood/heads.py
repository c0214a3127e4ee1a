"""Building, unit and ten-household heads (楼栋长, 单元长, 十户长): residents the grid worker appoints over a
building, a unit of one, or a list of households in their grid.

A head holds the role at the grid (so sign-in knows it) and sees only their own charge: the doors of their
building, unit or households with who lives there masked, and the reports they filed. They report what they see
in their charge; the report lands in the grid like a resident's, marked as theirs. Appointments and their ends
are appended events (`NeighbourhoodEvent`).
"""
from __future__ import annotations

from sqlalchemy import func, select

from gridapp.authz import NEIGHBOURHOOD_HEAD_ROLES, Actor, Permission, Role, covers
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, Household, HouseholdMember, NeighbourhoodHead, Region, User
from gridapp.models.neighbourhood import HEAD_KINDS
from gridapp.models.neighbourhood import NeighbourhoodHeadHousehold as HeadHousehold
from gridapp.privacy import mask_name
from gridapp.services import idempotency
from gridapp.services.accounts.users import keep_grid_role
from gridapp.services.cases import intake
from gridapp.services.neighbourhood import history
from gridapp.services.regions.tree import get_region, in_reach
from gridapp.unit_of_work import unit_of_work

APPOINTERS = Permission(
    "neighbourhood.heads", {Role.GRID_WORKER, Role.COMMUNITY_ADMIN},
    "the grid worker (and the community over the grid) appoint and end its building, unit and ten-household heads",
)
HEADS = Permission("neighbourhood.own_charge", NEIGHBOURHOOD_HEAD_ROLES, "a head sees and reports in their own charge only")
MAX_TEN_HOUSEHOLDS = 20  # "ten" households is a rule of thumb; a head of more is a unit head


def _state(head: NeighbourhoodHead) -> dict:
    return {"user_id": head.user_id, "grid_id": head.grid_id, "kind": head.kind, "building": head.building, "unit": head.unit,
            "household_ids": [h.household_id for h in head.households], "is_active": head.is_active}


def _event(actor: Actor, head: NeighbourhoodHead, action: str, before: dict | None) -> None:
    db.session.flush()
    db.session.refresh(head, ["households"])
    history.record(actor, "head", head.id, action, before, _state(head))


def _grid(actor: Actor, grid_id: int) -> Region:
    grid = get_region(actor.city_id, grid_id)
    if grid.level != "grid":
        raise ValidationFailed("请选择网格", details={"grid_id": ["not_a_grid"]})
    if not covers(actor.region_paths(APPOINTERS), grid.path):
        raise Forbidden("只能任命本人负责网格的楼栋长、单元长、十户长")
    return grid


def _households(city_id: int, grid_id: int):
    return select(Household).where(Household.city_id == city_id, Household.grid_id == grid_id, Household.is_active.is_(True))


def appoint(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    APPOINTERS.require(actor)
    return idempotency.create(claim, "neighbourhood_head", lambda: _appoint(actor, data), lambda head_id: managed(actor, head_id))


@unit_of_work
def _appoint(actor: Actor, data: dict) -> NeighbourhoodHead:
    grid = _grid(actor, data["grid_id"])
    kind = data["kind"]
    user = _resident(actor.city_id, data)
    building, unit, household_ids = data.get("building"), data.get("unit"), sorted(set(data.get("household_ids") or []))
    households = _households(actor.city_id, grid.id)
    if kind == "ten_household_head":
        if not 1 <= len(household_ids) <= MAX_TEN_HOUSEHOLDS:
            raise ValidationFailed(f"十户长负责 1 至 {MAX_TEN_HOUSEHOLDS} 户", details={"household_ids": ["count"]})
        found = set(db.session.scalars(households.with_only_columns(Household.id).where(Household.id.in_(household_ids))))
        if found != set(household_ids):
            raise ValidationFailed("住户须在本网格内", details={"household_ids": sorted(set(household_ids) - found)})
        building = unit = None
    else:
        if not building or (kind == "unit_head") != bool(unit):
            raise ValidationFailed("请填写楼栋" + ("和单元" if kind == "unit_head" else ""), details={"building": ["required"]})
        if household_ids:
            raise ValidationFailed("楼栋长、单元长按楼栋、单元负责，无需选择住户", details={"household_ids": ["not_allowed"]})
        unit = unit if kind == "unit_head" else None
        scope = households.where(Household.building == building)
        if unit is not None:
            scope = scope.where(Household.unit == unit)
        if db.session.scalar(scope.with_only_columns(Household.id).limit(1)) is None:
            raise ValidationFailed("本网格没有该楼栋或单元的住户", details={"building": [building], "unit": [unit]})
    same = select(NeighbourhoodHead.id).where(
        NeighbourhoodHead.city_id == actor.city_id, NeighbourhoodHead.grid_id == grid.id, NeighbourhoodHead.kind == kind,
        NeighbourhoodHead.user_id == user.id, NeighbourhoodHead.is_active.is_(True),
        NeighbourhoodHead.building.is_(None) if building is None else NeighbourhoodHead.building == building,
        NeighbourhoodHead.unit.is_(None) if unit is None else NeighbourhoodHead.unit == unit,
    )
    if kind != "ten_household_head" and db.session.scalar(same.limit(1)) is not None:
        raise Conflict("该居民已是此楼栋或单元的负责人", code="already_appointed")
    head = NeighbourhoodHead(city_id=actor.city_id, user_id=user.id, grid_id=grid.id, kind=kind, building=building, unit=unit,
                             is_active=True, appointed_by_user_id=actor.user_id)
    db.session.add(head)
    db.session.flush()
    db.session.add_all([HeadHousehold(city_id=actor.city_id, head_id=head.id, household_id=h) for h in household_ids])
    _sync_role(actor.city_id, grid.id, kind, user.id)
    _event(actor, head, "appoint", None)
    return head


def _resident(city_id: int, data: dict) -> User:
    """The account to appoint, named by id or (on the grid worker's page) by the phone the resident signs in with."""
    if (data.get("user_id") is None) == (data.get("phone") is None):
        raise ValidationFailed("请提供居民账号或手机号之一", details={"user_id": ["one_of"], "phone": ["one_of"]})
    found = User.id == data["user_id"] if data.get("user_id") is not None else User.phone == data["phone"]
    user = db.session.scalar(select(User).where(User.city_id == city_id, found, User.is_active.is_(True)))
    if user is None:
        field = "user_id" if data.get("user_id") is not None else "phone"
        raise ValidationFailed("该居民尚未注册或账号已停用：请其先用手机号登录一次", details={field: ["not_found"]})
    return user


def _sync_role(city_id: int, grid_id: int, kind: str, user_id: int) -> None:
    """The resident holds the head role at the grid exactly while one of their appointments there is active."""
    db.session.flush()
    active = db.session.scalar(select(NeighbourhoodHead.id).where(
        NeighbourhoodHead.city_id == city_id, NeighbourhoodHead.grid_id == grid_id, NeighbourhoodHead.kind == kind,
        NeighbourhoodHead.user_id == user_id, NeighbourhoodHead.is_active.is_(True)).limit(1))
    keep_grid_role(city_id, user_id, Role(kind), grid_id, active is not None)


def managed(actor: Actor, head_id: int) -> NeighbourhoodHead:
    APPOINTERS.require(actor)
    head = db.session.scalar(select(NeighbourhoodHead).where(NeighbourhoodHead.city_id == actor.city_id, NeighbourhoodHead.id == head_id))
    if head is None:
        raise NotFound("负责人任命不存在")
    _grid(actor, head.grid_id)
    return head


@unit_of_work
def end(actor: Actor, head_id: int) -> NeighbourhoodHead:
    """End an appointment; the role goes with the last one at the grid."""
    head = managed(actor, head_id)
    if not head.is_active:
        return head
    before = _state(head)
    head.is_active, head.ended_at = False, now()
    _sync_role(head.city_id, head.grid_id, head.kind, head.user_id)
    _event(actor, head, "end", before)
    return head


def appointer_grids(actor: Actor) -> list[Region]:
    """The grids the worker or community admin appoints heads in, to pick one from."""
    APPOINTERS.require(actor)
    return list(db.session.scalars(select(Region).where(
        Region.city_id == actor.city_id, Region.level == "grid", Region.retired_at.is_(None), in_reach(actor, APPOINTERS, Region.path),
    ).order_by(Region.path).limit(200)))


def grid_households(actor: Actor, grid_id: int) -> list[Household]:
    """A grid's doors, to choose a ten-household head's charge from (no names: the door is enough)."""
    grid = _grid(actor, grid_id)
    return list(db.session.scalars(_households(actor.city_id, grid.id).order_by(
        Household.building, Household.unit, Household.floor, Household.room).limit(1000)))


def listed(actor: Actor, grid_id: int):
    """A grid's heads, active first."""
    APPOINTERS.require(actor)
    grid = _grid(actor, grid_id)
    return select(NeighbourhoodHead).where(NeighbourhoodHead.city_id == actor.city_id, NeighbourhoodHead.grid_id == grid.id).order_by(
        NeighbourhoodHead.is_active.desc(), NeighbourhoodHead.kind, NeighbourhoodHead.building, NeighbourhoodHead.unit, NeighbourhoodHead.id
    )


def events(actor: Actor, head_id: int):
    head = managed(actor, head_id)
    return history.of(actor.city_id, "head", head.id)


# --------------------------------------------------------------------------- the head's own side


def my_appointments(actor: Actor) -> list[NeighbourhoodHead]:
    HEADS.require(actor)
    return list(db.session.scalars(select(NeighbourhoodHead).where(
        NeighbourhoodHead.city_id == actor.city_id, NeighbourhoodHead.user_id == actor.user_id, NeighbourhoodHead.is_active.is_(True),
    ).order_by(NeighbourhoodHead.id)))


def _charge(head: NeighbourhoodHead):
    """A select of the households in a head's charge."""
    stmt = _households(head.city_id, head.grid_id)
    if head.kind == "ten_household_head":
        return stmt.where(Household.id.in_([h.household_id for h in head.households]))
    stmt = stmt.where(Household.building == head.building)
    return stmt.where(Household.unit == head.unit) if head.unit is not None else stmt


def my_charge(actor: Actor) -> list[dict]:
    """Each of the head's appointments with its households: the door, how many live there, and their names masked."""
    result = []
    for head in my_appointments(actor):
        grid = get_region(actor.city_id, head.grid_id)
        households = db.session.scalars(_charge(head).order_by(Household.building, Household.unit, Household.floor, Household.room)).all()
        counts = dict(db.session.execute(
            select(HouseholdMember.household_id, func.count()).where(
                HouseholdMember.city_id == actor.city_id, HouseholdMember.is_active.is_(True),
                HouseholdMember.household_id.in_([h.id for h in households]),
            ).group_by(HouseholdMember.household_id)
        ).all())
        result.append({
            "id": head.id, "kind": head.kind, "kind_label": HEAD_KINDS[head.kind], "grid_id": grid.id, "grid": grid.name,
            "building": head.building, "unit": head.unit,
            "households": [
                {"id": h.id, "place_label": h.place_label, "members": counts.get(h.id, 0),
                 "names": [mask_name(m.name) for m in h.members if m.is_active]}
                for h in households
            ],
        })
    return result


def _scope_label(head: NeighbourhoodHead) -> str:
    where = head.building + (head.unit or "") if head.building else f"{len(head.households)} 户"
    return f"{HEAD_KINDS[head.kind]}（{where}）上报"


def report(actor: Actor, head_id: int, data: dict, uploads: list, claim=None):
    """A head's report from their charge: filed in their grid, marked as theirs on the timeline."""
    HEADS.require(actor)
    head = next((h for h in my_appointments(actor) if h.id == head_id), None)
    if head is None:
        raise Forbidden("只能在本人负责的范围内上报")
    return intake.submit_for_grid(actor, get_region(actor.city_id, head.grid_id), data, uploads, claim, note=_scope_label(head))


def my_reports(actor: Actor):
    """The head's reports in the grids of their appointments, newest first."""
    HEADS.require(actor)
    grids = [g.region_id for g in actor.grants if g.role in NEIGHBOURHOOD_HEAD_ROLES]
    return select(Case).where(
        Case.city_id == actor.city_id, Case.reporter_user_id == actor.user_id, Case.grid_id.in_(grids)
    ).order_by(Case.created_at.desc(), Case.id.desc())
