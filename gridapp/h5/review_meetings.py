"""会商研判 pages: the officials' meetings and the form that records one with its action items, one meeting with the
evidence forms (owners) and the 销号 forms (its convener), and an owner's own items. Changes go through the JSON API
(static/h5/review_meetings.js)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.h5.paging import page_of
from gridapp.models import Department, Region, RoleGrant, User
from gridapp.services import photos
from gridapp.services.regions.tree import in_reach
from gridapp.services.review_meetings import meetings
from gridapp.services.supervision.sla import COLOUR_LABELS
from gridapp.web.access import allow, current_actor
from gridapp.web.errors import HTML_BLUEPRINTS

bp = Blueprint("h5_review_meetings", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)
CLOCK_LABELS = COLOUR_LABELS | {"done": "已销号"}


def _labels() -> dict:
    return {"statuses": meetings.STATUS_LABELS, "actions": meetings.ACTION_LABELS, "clocks": CLOCK_LABELS,
            "colour": meetings.colour, "owner_name": meetings.owner_name, "photo_url": photos.url}


@bp.get("/review-meetings")
@allow(meetings.CONVENERS, scope="region_tree")
def meetings_list():
    return render_template("h5/review_meetings/list.html", page=page_of(meetings.in_scope(current_actor())), **_labels())


@bp.get("/review-meetings/new")
@allow(meetings.CONVENERS, scope="region_tree")
def new():
    actor = current_actor()
    regions = db.session.scalars(
        select(Region).where(Region.city_id == actor.city_id, Region.retired_at.is_(None), Region.level != "grid",
                             in_reach(actor, meetings.CONVENERS, Region.path))
        .order_by(Region.path).limit(500)
    ).all()
    departments = db.session.scalars(
        select(Department).where(Department.city_id == actor.city_id, Department.is_active.is_(True)).order_by(Department.name)
    ).all()
    # Staff who may own an item: the officials and grid workers in the convener's part of the city.
    staff = db.session.scalars(
        select(User).join(RoleGrant, (RoleGrant.user_id == User.id) & (RoleGrant.city_id == User.city_id))
        .join(Region, (Region.id == RoleGrant.region_id) & (Region.city_id == RoleGrant.city_id))
        .where(User.city_id == actor.city_id, User.is_active.is_(True), RoleGrant.role != Role.RESIDENT.value,
               in_reach(actor, meetings.CONVENERS, Region.path))
        .distinct().order_by(User.display_name).limit(500)
    ).all()
    return render_template("h5/review_meetings/new.html", regions=regions, departments=departments, staff=staff)


@bp.get("/review-meetings/<int:meeting_id>")
@allow(meetings.OWNERS, scope="owner_or_region_tree")
def detail(meeting_id: int):
    actor = current_actor()
    meeting = meetings.visible(actor, meeting_id)
    owns = {item.id for item in meeting.items if meetings.is_owner(actor, item)}
    return render_template(
        "h5/review_meetings/detail.html", meeting=meeting, owns=owns, manages=meetings.may_manage(actor, meeting), **_labels(),
    )


@bp.get("/action-items")
@allow(meetings.OWNERS, scope="self")
def my_items():
    status = request.args.get("status") if request.args.get("status") in meetings.STATUS_LABELS else None
    return render_template("h5/review_meetings/items.html", page=page_of(meetings.my_items(current_actor(), status)), status=status, **_labels())
