"""What waits for a community's cadres (待处理): reports nobody has accepted yet, and cases a grid worker
handed up for an order that the community has not ordered since.

A hand-up does not move the case (services.cases.workflow.hand_up), so "handed up" is read from the
timeline: a hand-up event newer than the case's last order event, while the case may still be ordered.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from gridapp.authz import Actor, Role, can_see_region
from gridapp.errors import Forbidden
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, Region
from gridapp.services.cases import states as S
from gridapp.services.cases.workflow import COMMUNITY, get_case
from gridapp.services.regions.tree import path_range
from gridapp.services.supervision import sla


def communities(actor: Actor) -> list[Region]:
    """The communities the actor is a cadre of, by name."""
    COMMUNITY.require(actor)
    ids = sorted({g.region_id for g in actor.grants if g.role == Role.COMMUNITY_ADMIN and g.region_id is not None})
    return list(db.session.scalars(select(Region).where(Region.city_id == actor.city_id, Region.id.in_(ids)).order_by(Region.name)))


def _handed_up():
    """SQL: the case was handed up after its last order (if any)."""
    order_event = aliased(CaseEvent)
    last_order = (
        select(func.coalesce(func.max(order_event.id), 0))
        .where(order_event.city_id == Case.city_id, order_event.case_id == Case.id, order_event.action == "order")
        .scalar_subquery()
    )
    return exists().where(
        CaseEvent.city_id == Case.city_id, CaseEvent.case_id == Case.id, CaseEvent.action == "hand_up", CaseEvent.id > last_order
    )


def waiting(actor: Actor, newest: bool = False):
    """A select of the cases waiting for the actor's communities: the most urgent running clock first
    (overdue ones lead), then the newest; or only the newest first."""
    COMMUNITY.require(actor)
    paths = actor.region_paths(COMMUNITY.roles)
    if not paths:
        raise Forbidden("您不是社区管理员")
    due = sla.running_due_at()
    urgency = () if newest else (due.is_(None), due)
    return (
        select(Case)
        .where(
            Case.city_id == actor.city_id,
            or_(*(path_range(Case.region_path, p) for p in paths)),
            or_(Case.state == S.SUBMITTED, and_(Case.state.in_(sorted(S.HAND_UP_STATES)), _handed_up())),
        )
        .order_by(*urgency, Case.created_at.desc(), Case.id.desc())
    )


def hand_up_notes(city_id: int, case_ids: list[int]) -> dict[int, str]:
    """The latest hand-up note of each case that has one (what the grid worker asked the community for)."""
    if not case_ids:
        return {}
    latest = (
        select(func.max(CaseEvent.id))
        .where(CaseEvent.city_id == city_id, CaseEvent.case_id.in_(case_ids), CaseEvent.action == "hand_up")
        .group_by(CaseEvent.case_id)
    )
    rows = db.session.execute(select(CaseEvent.case_id, CaseEvent.note).where(CaseEvent.city_id == city_id, CaseEvent.id.in_(latest)))
    return dict(rows.all())


def cadre_case(actor: Actor, case_id: int) -> Case:
    """A case of one of the actor's own communities; any other is refused."""
    COMMUNITY.require(actor)
    case = get_case(actor.city_id, case_id)
    if not can_see_region(actor, actor.city_id, case.region_path, COMMUNITY):
        raise Forbidden("该案件不属于您管理的社区")
    return case
