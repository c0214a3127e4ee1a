"""Correcting what a report is and where it lies after intake (FixMyStreet's inspectors do the same).

A resident often picks a near-enough category or stands a street away from the problem. The grid
worker of the case's grid, or the community admins and officials over it, set the right category
and/or place; the case then belongs where it would have gone had it been filed so: its grid from the
grid index, its handler (a grid worker's case passes to the new grid's worker; a department's stays
with its order), and its deadlines from the new category (services.supervision.sla, from the same
starts as acceptance counted them). Staff read the from/to on the timeline; residents and Open311
read one neutral line (services.cases.timeline). A case ordered from a community's budget stays in
that community; finished cases are not changed.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, can_see_region
from gridapp.errors import Conflict, DomainError, Forbidden, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent
from gridapp.services.cases import intake
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as cases
from gridapp.services.notifications.inbox import notify
from gridapp.services.regions import coordinates
from gridapp.services.regions.tree import get_region, grid_workers
from gridapp.unit_of_work import unit_of_work

RECATEGORISERS = Permission(
    "cases.recategorise", OFFICIAL_ROLES | {Role.GRID_WORKER},
    "the grid worker of the case's grid, and the community admins and officials over it, correct a case's category "
    "and place",
)


def _place_name(case: Case) -> str:
    region = case.grid.name if case.grid else f"{case.community.name}（网格外）"
    return f"{case.place_label}，{region}" if case.place_label else region


def _where(actor: Actor, place: dict) -> intake.Where:
    if place.get("code"):
        return intake.where_code(actor, place["code"], place.get("lat"), place.get("lng"))
    if place.get("lat") is None or place.get("lng") is None:
        raise ValidationFailed("请提供新位置的经纬度或二维码", details={"place": ["required"]})
    return intake.where_point(actor.city_id, place["lng"], place["lat"])


def _was_ordered(case: Case) -> bool:
    return db.session.scalar(
        select(CaseEvent.id).where(CaseEvent.city_id == case.city_id, CaseEvent.case_id == case.id, CaseEvent.action == "order")
    ) is not None


def _move_to(actor: Actor, case: Case, place: dict) -> None:
    place = coordinates.located(place)
    where = _where(actor, place)
    if where.community_id != case.community_id and _was_ordered(case):
        raise Conflict("案件已由社区下单，不能改到其他社区", code="ordered_in_community")
    case.grid = get_region(case.city_id, where.grid_id) if where.grid_id is not None else None
    case.community = get_region(case.city_id, where.community_id)
    case.grid_id, case.community_id = where.grid_id, where.community_id  # read below, before any flush
    case.region_path, case.outside_grid, case.code_id = where.region_path, where.outside_grid, where.code_id
    case.place_label = where.place_label or place.get("address")
    case.address = place.get("address")
    case.lat, case.lng = place.get("lat"), place.get("lng")


def _follow_the_grid(actor: Actor, case: Case, grid_worker_handled: bool) -> None:
    """Whoever answers for the case in its new grid takes it: its grid worker, or, if nobody was on it yet, they hear of it."""
    if grid_worker_handled:
        worker = cases.grid_worker_for(case, None)
        case.handler_user_id = worker.id
        if worker.id != actor.user_id:
            notify(case.city_id, [worker.id], "case_assigned", "您有新的案件待处理", f"{case.category.name}：{case.place_label or ''}", ("case", case.id))
    elif case.state == S.SUBMITTED and case.grid is not None:
        people = [u.id for u in grid_workers(case.grid) if u.id != actor.user_id]
        if people:
            notify(case.city_id, people, "case_new", f"案件转入本网格：{case.category.name}", case.description[:60], ("case", case.id))


def _refuse(actor: Actor, case: Case) -> None:
    if not can_see_region(actor, case.city_id, case.region_path, RECATEGORISERS):
        raise Forbidden("您无权调整该案件")
    if case.state in S.CLOSED_STATES:
        raise Conflict(f"案件已{S.STATE_LABELS[case.state]}，不能再调整分类或位置", code="case_finished", details={"state": case.state})


def may(actor: Actor, case: Case) -> bool:
    """Whether the actor could change the case now, so pages offer the form only where it works."""
    try:
        _refuse(actor, case)
    except DomainError:
        return False
    return True


@unit_of_work
def recategorise(actor: Actor, case_id: int, *, category_id: int | None = None, place: dict | None = None, note: str = "") -> Case:
    """Set a new category and/or place (`place`: `lat`/`lng` in `coord_system`, or a code's token `code`; `address`)."""
    RECATEGORISERS.require(actor)
    case = cases.get_case(actor.city_id, case_id, for_update=True)
    _refuse(actor, case)
    if category_id is None and place is None:
        raise ValidationFailed("请指定新的分类或位置", details={"category_id": ["required"], "place": ["required"]})
    changes, public = [], []
    if category_id is not None and category_id != case.category_id:
        category = intake.active_category(actor.city_id, category_id)
        changes.append(f"分类：{case.category.name} → {category.name}")
        public.append(f"问题分类已调整为“{category.name}”")
        case.category = category
        if case.state == S.SUBMITTED:  # nobody has triaged it yet: it goes where the new category routes
            case.department_kind = intake.routed_department_kind(category)
    if place is not None:
        before, grid_before = _place_name(case), case.grid_id
        # A grid worker's case (not a department's, which holds its order) is theirs because of the grid.
        grid_worker_handled = case.handler_user_id is not None and case.department_kind is None
        _move_to(actor, case, place)
        if _place_name(case) != before:
            changes.append(f"位置：{before} → {_place_name(case)}")
            public.append(f"问题位置已调整为“{case.place_label or _place_name(case)}”")
        if case.grid_id != grid_before:
            _follow_the_grid(actor, case, grid_worker_handled)
    if not changes:
        raise ValidationFailed("分类和位置都没有变化", code="nothing_to_change")
    text = "；".join(changes) + (f"。说明：{note}" if note.strip() else "")
    cases.add_event(case, "recategorise", actor, case.state, text, public_note="；".join(public))
    return case
