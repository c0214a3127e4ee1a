"""领导包案 and 联合处置 pages: the leader's own task forces with every unit's progress and clock, one task force with
the steps the viewer may take, a unit's sub-tasks, and the form that sets one up. Changes go through the JSON API
(static/h5/task_forces.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.h5.paging import page_of
from gridapp.models import Department, Region
from gridapp.services.regions.tree import in_reach
from gridapp.services.supervision.sla import COLOUR_LABELS
from gridapp.services.task_forces import subjects, units
from gridapp.services.task_forces import workflow as task_forces
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_task_forces", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)
CLOCK_LABELS = COLOUR_LABELS | {"done": "已完成"}


def _labels() -> dict:
    return {
        "kinds": task_forces.KIND_LABELS, "statuses": task_forces.STATUS_LABELS, "roles": task_forces.ROLE_LABELS,
        "member_statuses": task_forces.MEMBER_STATUS_LABELS, "actions": task_forces.ACTION_LABELS, "clocks": CLOCK_LABELS,
        "colour": task_forces.member_colour, "progress": task_forces.progress, "unit_name": task_forces.unit_name,
        "subject_label": task_forces.subject_label,
    }


@bp.get("/task-forces")
@allow(task_forces.READERS, scope="self")
def owned():
    actor = current_actor()
    status = request.args.get("status") if request.args.get("status") in task_forces.STATUS_LABELS else None
    watched = page_of(task_forces.in_scope(actor, status)) if task_forces.COORDINATORS.held_by(actor) else None
    return render_template(
        "h5/task_forces/list.html", page=page_of(task_forces.owned(actor, status)), watched=watched, status=status,
        may_create=task_forces.COORDINATORS.held_by(actor), **_labels(),
    )


@bp.get("/task-forces/subtasks")
@allow(task_forces.HANDLERS, scope="department_or_region_tree")
def subtasks():
    return render_template("h5/task_forces/subtasks.html", page=page_of(task_forces.my_subtasks(current_actor())), **_labels())


@bp.get("/task-forces/<int:task_force_id>")
@allow(task_forces.READERS, scope="owner_member_or_region_tree")
def detail(task_force_id: int):
    actor = current_actor()
    row = task_forces.visible(actor, task_force_id)
    acts = {m.id for m in row.members if units.acts_for(actor, m.department_id, m.region_path)}
    return render_template(
        "h5/task_forces/detail.html", row=row, acts=acts, owner=task_forces.is_owner(actor, row), **_labels(),
    )


@bp.get("/task-forces/new")
@allow(task_forces.COORDINATORS, scope="region_tree")
def new():
    actor = current_actor()
    departments = db.session.scalars(
        select(Department).where(Department.city_id == actor.city_id, Department.is_active.is_(True)).order_by(Department.name)
    ).all()
    regions = db.session.scalars(
        select(Region).where(Region.city_id == actor.city_id, Region.retired_at.is_(None), Region.level != "grid",
                             in_reach(actor, units.REGION_ACTORS | {Role.SYSTEM_ADMIN}, Region.path))
        .order_by(Region.path).limit(500)
    ).all()
    return render_template(
        "h5/task_forces/new.html", departments=departments, regions=regions, subject_kinds=subjects.KIND_LABELS,
        may_lead=task_forces.LEADERS.held_by(actor), subject_kind=request.args.get("subject_kind", "case"),
        subject_id=request.args.get("subject_id", ""),
    )
