"""会商研判: a meeting's record and its action items, closed only with evidence (台账销号).

Officials (community, street, district and super admins; system admins anywhere) record a meeting held at a region
node in their part of the city, with its action items: each has an owner (a staff account, or a department) and a
deadline. The owner hands in evidence (what was done, and at least one photo): the item waits for review. The
convener, or an official over the meeting's node, closes it (销号) or sends it back. An open item past its deadline
raises one alert (the `sweep_action_items` job) to its owner and the convener. Each step is an appended ReviewEvent.
Who reads a meeting: officials over its node and the owners of its items.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, false, or_, select

from gridapp.authz import (
    DEPARTMENT_ROLES,
    OFFICIAL_ROLES,
    STAFF_ROLES,
    Actor,
    Permission,
    Role,
    can_see_region,
    require_region,
)
from gridapp.clock import now
from gridapp.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import ActionItem, ActionItemPhoto, ReviewEvent, ReviewMeeting, RoleGrant, User
from gridapp.services import idempotency
from gridapp.services import uploads as photo_uploads
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions.tree import in_reach
from gridapp.services.supervision import sla
from gridapp.services.task_forces import subjects, units
from gridapp.unit_of_work import unit_of_work

CONVENERS = Permission(
    "review_meetings.conveners", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "officials record review meetings at a node in their part of the city and close its items",
)
OWNERS = Permission("review_meetings.owners", STAFF_ROLES, "an action item's owner (a staff account or its department's people)")
STATUS_LABELS = {"open": "待落实", "submitted": "待销号", "closed": "已销号"}
ACTION_LABELS = {"record": "记录会议", "assign": "交办", "submit": "提交佐证", "close": "销号", "return": "退回", "overdue": "超期预警"}
SWEEP_BATCH = 500


def _event(meeting: ReviewMeeting, actor: Actor | None, action: str, before: str | None, after: str, note: str = "", item=None) -> ReviewEvent:
    event = ReviewEvent(
        city_id=meeting.city_id, meeting_id=meeting.id, item_id=item.id if item is not None else None,
        actor_user_id=actor.user_id if actor else None, action=action, from_status=before, to_status=after, note=note,
    )
    db.session.add(event)
    return event


def default_deadline() -> datetime:
    """An action item's deadline when none is given: ACTION_ITEM_DAYS from now."""
    return now() + timedelta(days=current_app.config["ACTION_ITEM_DAYS"])


def record(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    CONVENERS.require(actor)
    return idempotency.create(claim, "review_meeting", lambda: _record(actor, data), lambda i: visible(actor, i))


def _record(actor: Actor, data: dict) -> ReviewMeeting:
    region = units.region(actor.city_id, data["region_id"], "region_id")
    require_region(actor, actor.city_id, region.path, CONVENERS)
    if data["held_at"] > now():
        raise ValidationFailed("会议时间不能晚于现在", details={"held_at": ["in_the_future"]})
    kind, subject_id = data.get("subject_kind"), data.get("subject_id")
    if (kind is None) != (subject_id is None):
        raise ValidationFailed("事项类型与编号须同时填写", details={"subject_id": ["both_or_neither"]})
    if kind is not None:
        subject = subjects.load(actor.city_id, kind, subject_id)
        if not subject.region_path.startswith(region.path):
            raise ValidationFailed("该事项不在会议所在区域", details={"subject_id": ["outside_region"]})
    meeting = ReviewMeeting(
        city_id=actor.city_id, region_id=region.id, region_path=region.path, title=data["title"].strip(), held_at=data["held_at"],
        participants=data.get("participants", "").strip(), summary=data.get("summary", "").strip(), subject_kind=kind,
        subject_id=subject_id, convened_by_user_id=actor.user_id,
    )
    db.session.add(meeting)
    db.session.flush()
    _event(meeting, actor, "record", None, "recorded", meeting.title)
    for index, spec in enumerate(data["items"]):
        _item(actor, meeting, spec, f"items[{index}]")
    return meeting


def _owner_user(city_id: int, user_id: int, field: str) -> User:
    user = db.session.scalar(select(User).where(User.city_id == city_id, User.id == user_id))
    staff = user is not None and db.session.scalar(select(exists().where(
        RoleGrant.city_id == city_id, RoleGrant.user_id == user_id, RoleGrant.role != Role.RESIDENT.value)))
    if not staff or not user.is_active:
        raise ValidationFailed("责任人须是在岗的工作人员", details={field: ["unknown_owner"]})
    return user


def _item(actor: Actor, meeting: ReviewMeeting, spec: dict, field: str) -> ActionItem:
    user_id, department_id = spec.get("owner_user_id"), spec.get("owner_department_id")
    if (user_id is None) == (department_id is None):
        raise ValidationFailed("每项须有一个责任人或一个责任部门", details={field: ["one_owner"]})
    if user_id is not None:
        _owner_user(actor.city_id, user_id, field)
    else:
        units.department(actor.city_id, department_id, field)
    deadline = spec.get("deadline") or default_deadline()
    if deadline <= now():
        raise ValidationFailed("时限须晚于现在", details={field: ["in_the_past"]})
    item = ActionItem(
        city_id=meeting.city_id, meeting_id=meeting.id, description=spec["description"].strip(), owner_user_id=user_id,
        owner_department_id=department_id, deadline=deadline,
    )
    db.session.add(item)
    db.session.flush()
    _event(meeting, actor, "assign", None, "open", item.description, item)
    notify_and_push(meeting.city_id, _owners(item), "action_item_assigned", f"会商交办：{meeting.title}"[:60], item.description[:60],
                    ("review_meeting", meeting.id))
    return item


@unit_of_work
def add_item(actor: Actor, meeting_id: int, spec: dict) -> ActionItem:
    meeting = _manageable(actor, meeting_id)
    return _item(actor, meeting, spec, "item")


def _owners(item: ActionItem) -> list[int]:
    if item.owner_user_id is not None:
        return [item.owner_user_id]
    return units.people(item.city_id, item.owner_department_id, None)


def is_owner(actor: Actor, item: ActionItem) -> bool:
    if item.owner_user_id is not None:
        return item.owner_user_id == actor.user_id
    return units.acts_for(actor, item.owner_department_id, None)


def _get(city_id: int, meeting_id: int) -> ReviewMeeting:
    meeting = db.session.scalar(select(ReviewMeeting).where(ReviewMeeting.city_id == city_id, ReviewMeeting.id == meeting_id))
    if meeting is None:
        raise NotFound("会议记录不存在")
    return meeting


def may_manage(actor: Actor, meeting: ReviewMeeting) -> bool:
    return meeting.convened_by_user_id == actor.user_id or can_see_region(actor, meeting.city_id, meeting.region_path, CONVENERS)


def _manageable(actor: Actor, meeting_id: int) -> ReviewMeeting:
    CONVENERS.require(actor)
    meeting = _get(actor.city_id, meeting_id)
    if not may_manage(actor, meeting):
        raise Forbidden("您无权管理该会议的事项")
    return meeting


def visible(actor: Actor, meeting_id: int) -> ReviewMeeting:
    OWNERS.require(actor)
    meeting = _get(actor.city_id, meeting_id)
    if not (may_manage(actor, meeting) or any(is_owner(actor, item) for item in meeting.items)):
        raise Forbidden("您无权查看该会议记录")
    return meeting


def in_scope(actor: Actor):
    """Meetings held at nodes in the officials' part of the city, newest first."""
    CONVENERS.require(actor)
    return (
        select(ReviewMeeting)
        .where(ReviewMeeting.city_id == actor.city_id, in_reach(actor, CONVENERS, ReviewMeeting.region_path))
        .order_by(ReviewMeeting.held_at.desc(), ReviewMeeting.id.desc())
    )


def my_items(actor: Actor, status: str | None = None):
    """Action items the actor owns, themselves or through their department; unfinished first, soonest deadline first."""
    OWNERS.require(actor)
    mine = [ActionItem.owner_user_id == actor.user_id]
    if actor.has_role(*DEPARTMENT_ROLES) and actor.department_ids():
        mine.append(ActionItem.owner_department_id.in_(sorted(actor.department_ids())))
    stmt = select(ActionItem).where(ActionItem.city_id == actor.city_id, or_(*mine) if mine else false())
    if status:
        stmt = stmt.where(ActionItem.status == status)
    return stmt.order_by(ActionItem.status == "closed", ActionItem.deadline, ActionItem.id)


def colour(item: ActionItem, at: datetime | None = None) -> str:
    if item.status == "closed":
        return "done"
    return sla.deadline_colour(item.created_at, item.deadline, at or now())


def owner_name(item: ActionItem) -> str:
    return item.owner.display_name if item.owner is not None else item.owner_department.name


def _item_for_update(actor: Actor, item_id: int) -> tuple[ReviewMeeting, ActionItem]:
    item = db.session.scalar(select(ActionItem).where(ActionItem.city_id == actor.city_id, ActionItem.id == item_id).with_for_update())
    if item is None:
        raise NotFound("事项不存在")
    return _get(actor.city_id, item.meeting_id), item


def _refuse(item: ActionItem, allowed: str, action: str) -> None:
    if item.status != allowed:
        raise InvalidTransition(f"该事项{STATUS_LABELS[item.status]}，不能{ACTION_LABELS[action]}", details={"status": item.status})


@unit_of_work
def submit_evidence(actor: Actor, item_id: int, evidence: str, upload_ids: list[int]) -> ActionItem:
    """The owner hands in what was done and at least one photo; the item waits for the convener's review."""
    OWNERS.require(actor)
    meeting, item = _item_for_update(actor, item_id)
    if not is_owner(actor, item):
        raise Forbidden("该事项不由您负责")
    _refuse(item, "open", "submit")
    if len(evidence.strip()) < 5:
        raise ValidationFailed("请写明落实情况（至少 5 个字）", details={"evidence": ["too_short"]})
    if not upload_ids:
        raise ValidationFailed("销号须附佐证照片", code="evidence_required", details={"upload_ids": ["required"]})
    item.status, item.evidence, item.submitted_at = "submitted", evidence.strip(), now()
    event = _event(meeting, actor, "submit", "open", "submitted", item.evidence, item)
    db.session.flush()
    db.session.add_all(
        ActionItemPhoto(
            city_id=item.city_id, item_id=item.id, event_id=event.id, original_key=key, content_type=clean.content_type,
            width=clean.width, height=clean.height, byte_size=clean.byte_size,
        )
        for key, clean in photo_uploads.claim(actor, upload_ids)
    )
    notify_and_push(meeting.city_id, [meeting.convened_by_user_id], "action_item_submitted", f"待销号：{owner_name(item)}"[:60],
                    item.description[:60], ("review_meeting", meeting.id))
    return item


@unit_of_work
def review(actor: Actor, item_id: int, accept: bool, note: str) -> ActionItem:
    """销号 (accept) or send back with a reason, by the convener or an official over the meeting's node."""
    CONVENERS.require(actor)
    meeting, item = _item_for_update(actor, item_id)
    if not may_manage(actor, meeting):
        raise Forbidden("您无权为该事项销号")
    action = "close" if accept else "return"
    _refuse(item, "submitted", action)
    if not accept and not note.strip():
        raise ValidationFailed("请说明退回原因", details={"note": ["required"]})
    if accept:
        item.status, item.closed_at, item.closed_by_user_id = "closed", now(), actor.user_id
    else:
        item.status = "open"
    _event(meeting, actor, action, "submitted", item.status, note.strip(), item)
    title = "事项已销号" if accept else "事项被退回，请补充佐证"
    notify_and_push(meeting.city_id, _owners(item), f"action_item_{action}", title, (note or item.description)[:60], ("review_meeting", meeting.id))
    return item


def sweep_overdue(city_id: int) -> list[int]:
    """Open items past their deadline: each raises one alert to its owner and the convener."""
    due = list(db.session.scalars(
        select(ActionItem.id)
        .where(ActionItem.city_id == city_id, ActionItem.status == "open", ActionItem.overdue_at.is_(None), ActionItem.deadline <= now())
        .order_by(ActionItem.id)
        .limit(SWEEP_BATCH)
    ))
    db.session.rollback()
    return [item_id for item_id in due if _alert(city_id, item_id)]


@unit_of_work
def _alert(city_id: int, item_id: int) -> bool:
    item = db.session.scalar(select(ActionItem).where(ActionItem.city_id == city_id, ActionItem.id == item_id).with_for_update())
    if item is None or item.status != "open" or item.overdue_at is not None:
        return False
    item.overdue_at = now()
    meeting = _get(city_id, item.meeting_id)
    _event(meeting, None, "overdue", item.status, item.status, f"{owner_name(item)}的事项已超过时限", item)
    notify_and_push(city_id, [*_owners(item), meeting.convened_by_user_id], "action_item_overdue", f"会商事项超期：{owner_name(item)}"[:60],
                    item.description[:60], ("review_meeting", meeting.id))
    return True
