"""A case's life after intake: who may see it, who may move it, and the record of every move.

Every change of state goes through `_move`, which checks the transition table
(`case_states`), checks the actor against the case's place in the region tree,
appends the event and tells the people following the case. Nothing else writes
`Case.state`. Every step appended is published (services.events) to the points and
orders that subscribe, so this module imports neither.
"""
from __future__ import annotations

import math
from datetime import timedelta
from functools import partial

from flask import current_app
from sqlalchemy import and_, or_, select

from gridapp import jobs
from gridapp.authz import (
    DEPARTMENT_ROLES,
    OFFICIAL_ROLES,
    REGION_ROLES,
    Actor,
    Permission,
    Role,
    can_see_region,
    covers,
)
from gridapp.clock import now
from gridapp.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import (
    Case,
    CaseEvent,
    CaseFollower,
    CasePhoto,
    CaseRating,
    HotlineFollowUp,
    Region,
    RoleGrant,
    User,
)
from gridapp.privacy import mask_name, mask_phone
from gridapp.services import events as domain_events
from gridapp.services import idempotency
from gridapp.services import photos as photo_service
from gridapp.services import uploads as photo_uploads
from gridapp.services.accounts.users import users_with_role
from gridapp.services.cases import states as S
from gridapp.services.notifications.inbox import notify
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions.geo import distance_m
from gridapp.services.regions.tree import path_range, subtree_filter
from gridapp.services.supervision import sla
from gridapp.unit_of_work import unit_of_work

READERS = Permission(
    "cases.read", REGION_ROLES | DEPARTMENT_ROLES | {Role.SYSTEM_ADMIN},
    "staff read the cases under their part of the tree (super admins watch everything, read-only)",
)
OFFICIALS = Permission(
    "cases.officials", OFFICIAL_ROLES,
    "community admins and the officials above order, verify and enter hotline calls",
)
GRID_STAFF = Permission(
    "cases.grid_staff", OFFICIALS | {Role.GRID_WORKER},
    "the grid worker of the case's grid, or the officials over it, accept and move the case",
)
HANDLERS = Permission(
    "cases.handler", GRID_STAFF | DEPARTMENT_ROLES,
    "the case's handler (a grid worker, or the department person holding its order) or the officials over it",
)
COMMUNITY = Permission(
    "cases.community", {Role.COMMUNITY_ADMIN}, "the community's own admins turn a case into an order from their budget"
)
CONTACTS = Permission(
    "cases.contacts", {Role.COMMUNITY_ADMIN},
    "the case's community admins call the reporter back, so they (and the handler) see the contact whole; "
    "the officials above see it masked",
)
INBOX = Permission("cases.inbox", {Role.GRID_WORKER}, "grid workers work their grids' open cases from an inbox (网格员助手)")
RESIDENTS = Permission("cases.residents", {Role.RESIDENT}, "residents report, follow, confirm, reopen and rate")
# The permission behind each `who` of the transition table (states.py).
WHO = {S.GRID_STAFF: GRID_STAFF, S.HANDLER: HANDLERS, S.OFFICIALS: OFFICIALS, S.COMMUNITY: COMMUNITY, S.REPORTER: RESIDENTS}


# --------------------------------------------------------------------------- #
# Loading and looking
# --------------------------------------------------------------------------- #


def get_case(city_id: int, case_id: int, *, for_update: bool = False) -> Case:
    stmt = select(Case).where(Case.city_id == city_id, Case.id == case_id)
    if for_update:
        # Two staff pressing "accept" at once: the second waits, then sees the new state.
        stmt = stmt.with_for_update(of=Case)
    case = db.session.scalar(stmt)
    if case is None:
        raise NotFound("案件不存在", code="case_not_found")
    return case


def is_follower(actor: Actor, case: Case) -> bool:
    return (
        db.session.scalar(
            select(CaseFollower.id).where(
                CaseFollower.city_id == case.city_id, CaseFollower.case_id == case.id, CaseFollower.user_id == actor.user_id
            )
        )
        is not None
    )


def is_reporter(actor: Actor, case: Case) -> bool:
    return case.reporter_user_id is not None and case.reporter_user_id == actor.user_id


def is_staff_over(actor: Actor, case: Case) -> bool:
    return can_see_region(actor, case.city_id, case.region_path, READERS)


def visible_case(actor: Actor, case_id: int) -> Case:
    """A case the actor reported, follows, or covers by the region tree; others are refused."""
    case = get_case(actor.city_id, case_id)
    if is_reporter(actor, case) or is_staff_over(actor, case) or is_follower(actor, case):
        return case
    if case.entered_by_user_id == actor.user_id and case.channel == "hotline":  # the 12345 operator who took the call
        return case
    if actor.roles == {Role.RESIDENT}:
        raise NotFound("案件不存在", code="case_not_found")  # residents learn nothing about others' cases
    raise Forbidden("您无权查看该案件")


def _may(actor: Actor | None, case: Case, who: frozenset[str], caller: bool = False) -> bool:
    if actor is None:  # nobody signed in: the scheduler, or a 12345 caller holding their follow-up link
        return (S.CALLER if caller else S.SYSTEM) in who
    if not any(WHO[w].held_by(actor) for w in who if w in WHO):
        return False
    officials = can_see_region(actor, case.city_id, case.region_path, OFFICIALS)
    if S.OFFICIALS in who and officials:
        return True
    if S.COMMUNITY in who and can_see_region(actor, case.city_id, case.region_path, COMMUNITY):
        return True
    if S.GRID_STAFF in who and (officials or covers(actor.region_paths({Role.GRID_WORKER}), case.region_path) and case.grid_id):
        return True
    if S.HANDLER in who and (officials or case.handler_user_id == actor.user_id):
        return True
    return S.REPORTER in who and is_reporter(actor, case)


def _refuse_transition(actor: Actor | None, case: Case, action: str, caller: bool = False) -> None:
    transition = S.TRANSITIONS[action]
    if case.state not in transition.sources:
        raise InvalidTransition(
            f"案件当前状态为“{S.STATE_LABELS[case.state]}”，不能{transition.label}",
            details={"state": case.state, "action": action},
        )
    if not _may(actor, case, transition.who, caller):
        raise Forbidden(f"您无权对该案件执行“{transition.label}”")


def _refuse_rate(actor: Actor, case: Case) -> None:
    if not is_reporter(actor, case):
        raise Forbidden("只有反映人可以评价")
    if case.state not in S.RATEABLE_STATES:
        raise InvalidTransition(f"案件当前状态为“{S.STATE_LABELS[case.state]}”，处置完成后才能评价", details={"state": case.state})
    if _rating_for_round(case, actor.user_id) is not None:
        raise Conflict("您已评价过本次处理", code="already_rated")


def _refuse_abusive(actor: Actor, case: Case) -> None:
    if not _may(actor, case, frozenset({S.GRID_STAFF})):
        raise Forbidden("您无权标记该案件")
    if case.abusive:
        raise Conflict("该案件已被标记为恶意举报", code="already_abusive")


def _refuse_hand_up(actor: Actor, case: Case) -> None:
    if not _may(actor, case, frozenset({S.GRID_STAFF})):
        raise Forbidden("您无权提请该案件")
    if case.state not in S.HAND_UP_STATES:
        raise InvalidTransition(
            f"案件当前状态为“{S.STATE_LABELS[case.state]}”，不能提请下单", details={"state": case.state, "action": "hand_up"}
        )


# The permission each action's route admits. A department moves the case it holds through its order
# (services.orders), never through the case's own routes, so a handler's steps there admit grid staff only.
PERMISSIONS = {
    **{
        a: next(WHO[w] for w in sorted(t.who) if w in WHO) for a, t in S.TRANSITIONS.items()
        if S.SYSTEM not in t.who and S.HANDLER not in t.who and a not in S.ORDER_ONLY
    },
    **{a: GRID_STAFF for a, t in S.TRANSITIONS.items() if S.HANDLER in t.who},
    "rate": RESIDENTS,
    "follow": RESIDENTS,
    "abusive": GRID_STAFF,
    "hand_up": GRID_STAFF,
}
# Each action a person takes on a case, with the check that refuses it. The action itself runs the check and
# `allowed_actions` asks it, so the buttons a client shows cannot drift from what the service accepts.
# Checks of the request body (a note, a target case, stars) are not here: they do not depend on the case.
GUARDS = {
    **{a: partial(_refuse_transition, action=a) for a, t in S.TRANSITIONS.items() if S.SYSTEM not in t.who and a not in S.ORDER_ONLY},
    "rate": _refuse_rate,
    "abusive": _refuse_abusive,
    "hand_up": _refuse_hand_up,
}


def allowed_actions(actor: Actor, case: Case) -> list[str]:
    """What the actor could do with the case now, so clients show only the buttons that work."""
    allowed = []
    for action, refuse in GUARDS.items():
        try:
            refuse(actor, case)
        except DomainError:
            continue
        allowed.append(action)
    return allowed


def events(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(select(CaseEvent).where(CaseEvent.city_id == case.city_id, CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    )


def actor_label(viewer: Actor, case: Case, event: CaseEvent) -> str:
    """How a step's author is shown: never the name of an anonymous reporter, but one's own name to oneself."""
    if event.actor_user_id is None:
        return "12345来电群众" if event.action in ("confirm", "reopen") else "系统"
    if event.actor_user_id == viewer.user_id:
        return event.actor.display_name
    if event.actor_user_id == case.reporter_user_id and case.channel in ("code", "location"):
        return "匿名群众" if case.anonymous else f"群众{mask_name(event.actor.display_name)}"
    return event.actor.display_name


def contact_for(actor: Actor, case: Case) -> dict | None:
    """The reporter's contact: whole for the reporter, the handler and the community admins who call back."""
    if case.anonymous or not (case.contact_phone or case.contact_name):
        return None
    full = case.handler_user_id == actor.user_id or can_see_region(actor, case.city_id, case.region_path, CONTACTS)
    if full or is_reporter(actor, case):  # the reporter sees what they wrote
        return {"name": case.contact_name, "phone": case.contact_phone}
    if is_staff_over(actor, case):
        return {"name": mask_name(case.contact_name), "phone": mask_phone(case.contact_phone)}
    return None


def reporter_label(actor: Actor, case: Case) -> str | None:
    if case.reporter_user_id is None:
        return None
    if case.anonymous and not is_reporter(actor, case):
        return "匿名群众"
    return mask_name(case.reporter.display_name) if not is_reporter(actor, case) else case.reporter.display_name


# --------------------------------------------------------------------------- #
# Lists
# --------------------------------------------------------------------------- #


def mine(actor: Actor):
    """Cases the actor reported or follows, newest first."""
    RESIDENTS.require(actor)
    followed = select(CaseFollower.case_id).where(CaseFollower.city_id == actor.city_id, CaseFollower.user_id == actor.user_id)
    return (
        select(Case)
        .where(Case.city_id == actor.city_id, or_(Case.reporter_user_id == actor.user_id, Case.id.in_(followed)))
        .order_by(Case.created_at.desc(), Case.id.desc())
    )


def staff_list(
    actor: Actor,
    *,
    state: str | None = None,
    grid_id: int | None = None,
    category_id: int | None = None,
    abusive: bool | None = None,
    sort: str = "newest",
):
    """Cases under the actor's part of the region tree.

    `sort="urgency"` is the grid worker's inbox order: the earliest running deadline
    first, so overdue cases lead and untimed ones come last.
    """
    stmt = select(Case).where(Case.city_id == actor.city_id)
    if Role.SYSTEM_ADMIN not in actor.roles:
        paths = actor.region_paths(READERS)
        if not paths:
            raise Forbidden("您的角色无权查看案件")
        stmt = stmt.where(or_(*[path_range(Case.region_path, p) for p in paths]))
    if state in S.STATE_GROUPS:
        stmt = stmt.where(Case.state.in_(sorted(S.STATE_GROUPS[state])))
    elif state:
        stmt = stmt.where(Case.state == state)
    if grid_id is not None:
        stmt = stmt.where(Case.grid_id == grid_id)
    if category_id is not None:
        stmt = stmt.where(Case.category_id == category_id)
    if abusive is not None:
        stmt = stmt.where(Case.abusive.is_(abusive))
    if sort == "urgency":
        due = sla.running_due_at()
        return stmt.order_by(due.is_(None), due, Case.id)
    return stmt.order_by(Case.created_at.desc(), Case.id.desc())


def inbox(actor: Actor):
    """The grid worker's 待办 (网格员助手): the open cases in their grids, most urgent first."""
    INBOX.require(actor)
    return staff_list(actor, state="open", sort="urgency")


# --------------------------------------------------------------------------- #
# Repeats
# --------------------------------------------------------------------------- #


def similar(city_id: int, category_id: int, *, code_id: int | None = None, lat: float | None = None, lng: float | None = None, exclude_id: int | None = None, limit: int = 5) -> list[Case]:
    """Active cases of the same category at the same code or within the configured distance, recently."""
    config = current_app.config
    radius, hours = config["DUPLICATE_RADIUS_M"], config["DUPLICATE_WINDOW_HOURS"]
    near = []
    if code_id is not None:
        near.append(Case.code_id == code_id)
    if lat is not None and lng is not None:
        dlat = radius / 111_000
        dlng = dlat / max(0.01, math.cos(math.radians(lat)))
        near.append(and_(Case.lat.between(lat - dlat, lat + dlat), Case.lng.between(lng - dlng, lng + dlng)))
    if not near:
        return []
    stmt = (
        select(Case)
        .where(
            Case.city_id == city_id,
            Case.category_id == category_id,
            Case.created_at >= now() - timedelta(hours=hours),
            Case.state.in_(sorted(S.ACTIVE_STATES)),
            Case.abusive.is_(False),
            or_(*near),
        )
        .order_by(Case.created_at.desc())
        .limit(50)
    )
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    found = []
    for case in db.session.scalars(stmt):
        same_code = code_id is not None and case.code_id == code_id
        close = lat is not None and case.lat is not None and distance_m(lat, lng, case.lat, case.lng) <= radius
        if same_code or close:
            found.append(case)
    return found[:limit]


def similar_to(actor: Actor, case_id: int) -> list[Case]:
    case = visible_case(actor, case_id)
    if not is_staff_over(actor, case):
        return []
    return similar(case.city_id, case.category_id, code_id=case.code_id, lat=case.lat, lng=case.lng, exclude_id=case.id)


# --------------------------------------------------------------------------- #
# Moving a case
# --------------------------------------------------------------------------- #


def add_event(case: Case, action: str, actor: Actor | None, from_state: str | None, note: str = "", **facts) -> CaseEvent:
    """Append a step; `facts` are further CaseEvent columns (a check-in's place), set before it is written."""
    event = CaseEvent(
        **facts,
        city_id=case.city_id,
        case_id=case.id,
        action=action,
        actor_user_id=actor.user_id if actor else None,
        from_state=from_state,
        to_state=case.state,
        note=note,
        handler_user_id=case.handler_user_id,
    )
    db.session.add(event)
    db.session.flush()
    sla.on_event(case, action, event.created_at)
    domain_events.publish(case, action)
    return event


def followers_of(case: Case) -> list[int]:
    ids = [case.reporter_user_id] if case.reporter_user_id else []
    ids += db.session.scalars(
        select(CaseFollower.user_id).where(CaseFollower.city_id == case.city_id, CaseFollower.case_id == case.id).order_by(CaseFollower.id)
    )
    return ids


# The steps the reporter and followers hear of at once (pushed), each a kind of its own (its own subscribe
# message template); of the other steps they learn in the inbox.
PUSHED_STATES = {S.ACCEPTED: "case_accepted", S.RESOLVED: "case_resolved", S.CLOSED: "case_closed"}


def tell_followers(case: Case, actor: Actor | None, title: str, body: str = "") -> None:
    others = [u for u in followers_of(case) if actor is None or u != actor.user_id]
    if not others:
        return
    if case.state in PUSHED_STATES:
        notify_and_push(case.city_id, others, PUSHED_STATES[case.state], title, body, ("case", case.id))
    else:
        notify(case.city_id, others, "case", title, body, ("case", case.id))


def _move(actor: Actor | None, case: Case, action: str, note: str = "", caller: bool = False, **facts) -> CaseEvent:
    _refuse_transition(actor, case, action, caller)
    transition = S.TRANSITIONS[action]
    before = case.state
    case.state = transition.target
    event = add_event(case, action, actor, before, note, **facts)
    title = f"您反映的问题{S.STATE_LABELS[case.state]}"
    tell_followers(case, actor, title, note or transition.label)
    return event


@unit_of_work
def accept(actor: Actor, case_id: int, note: str = "") -> Case:
    case = get_case(actor.city_id, case_id, for_update=True)
    event = _move(actor, case, "accept", note)  # sla.on_event sets the due times, in working time where the category says
    case.accepted_at = event.created_at or now()
    return case


@unit_of_work
def reject(actor: Actor, case_id: int, reason: str, note: str = "") -> Case:
    if reason not in S.REJECT_REASONS:
        raise ValidationFailed("不予受理的原因不正确", details={"reason": sorted(S.REJECT_REASONS)})
    case = get_case(actor.city_id, case_id, for_update=True)
    case.reject_reason = reason
    _move(actor, case, "reject", note or S.REJECT_REASONS[reason])
    return case


def assignable_workers(case: Case):
    """A select of the grid workers a case may be assigned to: those whose grid lies in the case's grid
    (or, off-grid, its community)."""
    return (
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Region, Region.id == RoleGrant.region_id)
        .where(
            RoleGrant.city_id == case.city_id,
            RoleGrant.role == Role.GRID_WORKER.value,
            User.is_active.is_(True),
            subtree_filter(case.grid.path if case.grid else case.community.path),
        )
        .order_by(User.id)
    )


def grid_worker_for(case: Case, user_id: int | None) -> User:
    """The assignable grid worker named (or the first one)."""
    stmt = assignable_workers(case)
    if user_id is not None:
        stmt = stmt.where(User.id == user_id)
    worker = db.session.scalars(stmt).first()
    if worker is None:
        raise ValidationFailed("该网格没有可派的网格员" if user_id is None else "只能派给本网格（社区）的网格员", details={"handler_user_id": [user_id]})
    return worker


@unit_of_work
def assign(actor: Actor, case_id: int, handler_user_id: int | None = None, note: str = "") -> Case:
    case = get_case(actor.city_id, case_id, for_update=True)
    _refuse_transition(actor, case, "assign")  # before choosing the worker: a stranger learns nothing about the grid
    if not can_see_region(actor, case.city_id, case.region_path, OFFICIALS):
        handler_user_id = actor.user_id  # a grid worker takes the case themselves
    worker = grid_worker_for(case, handler_user_id)
    case.handler_user_id = worker.id
    case.department_kind = None
    _move(actor, case, "assign", note or f"派给网格员{worker.display_name}")
    if worker.id != actor.user_id:
        notify_and_push(case.city_id, [worker.id], "case_assigned", "您有新的案件待处理", f"{case.category.name}：{case.place_label or ''}", ("case", case.id))
    return case


@unit_of_work
def order(actor: Actor, case_id: int, department_kind: str | None = None, note: str = "") -> Case:
    """The case becomes an order's: only services.orders calls this, when it posts the order for the case
    in the same unit of work, so a case is never "ordered" without an order."""
    case = get_case(actor.city_id, case_id, for_update=True)
    case.department_kind = department_kind or case.category.department_kind
    if not case.department_kind:
        raise ValidationFailed("请指定承办部门类型", details={"department_kind": ["required"]})
    case.handler_user_id = None
    _move(actor, case, "order", note or "社区已下单，等待部门接单")
    return case


@unit_of_work
def start(actor: Actor, case_id: int, note: str = "") -> Case:
    case = get_case(actor.city_id, case_id, for_update=True)
    _move(actor, case, "start", note)
    return case


@unit_of_work
def check_in(actor: Actor, case_id: int, lat: float, lng: float, note: str = "") -> Case:
    """到场签到: the handler is on site; time and place are recorded, with the distance to the reported spot.

    A check-in far from the spot is still accepted (the reported location may be rough),
    but the distance is on the timeline for the community to judge.
    """
    case = get_case(actor.city_id, case_id, for_update=True)
    away = round(distance_m(lat, lng, case.lat, case.lng)) if case.lat is not None and case.lng is not None else None
    _move(actor, case, "check_in", note, lat=lat, lng=lng, distance_m=away)
    return case


def resolve(
    actor: Actor, case_id: int, note: str, uploads: list[photo_service.Upload], upload_ids: list[int] = (),
    claim: idempotency.IdempotencyClaim | None = None,
) -> Case | idempotency.Replayed:
    """After-photos are required (sent now, or uploaded before and named by id): checked and stored before the
    transaction, removed if it fails. Under an Idempotency-Key a resend (an offline draft whose answer was lost)
    answers the case the first send resolved, and stores nothing again."""
    load = lambda resolved_id: get_case(actor.city_id, resolved_id)
    earlier = idempotency.replay(claim, load)
    if earlier is not None:
        return earlier
    return photo_service.stored_then(
        uploads,
        lambda stored: idempotency.create(claim, "case", lambda: resolve_stored(actor, case_id, note, stored, upload_ids), load),
        uploaded=len(upload_ids),
    )


@unit_of_work
def resolve_stored(actor: Actor, case_id: int, note: str, stored, upload_ids: list[int] = ()) -> Case:
    """Resolve with after-photos already cleaned and stored (`stored`: (key, photo) pairs) and uploads to claim.

    The photo files are written before the transaction, so callers that hold them
    (a department resolving its order) record the case's step with the same files.
    """
    case = get_case(actor.city_id, case_id, for_update=True)
    event = _move(actor, case, "resolve", note)
    case.resolved_at = event.created_at
    attach_photos(case, event, "after", [*stored, *photo_uploads.claim(actor, list(upload_ids))])
    return case


def attach_photos(case: Case, event: CaseEvent, kind: str, stored) -> list[CasePhoto]:
    rows = [
        CasePhoto(
            city_id=case.city_id, case_id=case.id, event_id=event.id, kind=kind, content_type=clean.content_type,
            width=clean.width, height=clean.height, byte_size=clean.byte_size, original_key=key,
        )
        for key, clean in stored
    ]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        jobs.enqueue("make_photo_sizes", case.city_id, row.id)
    return rows


@unit_of_work
def verify(actor: Actor, case_id: int, note: str = "") -> Case:
    case = get_case(actor.city_id, case_id, for_update=True)
    event = _move(actor, case, "verify", note)
    case.verified_at = event.created_at
    return case


@unit_of_work
def send_back(actor: Actor, case_id: int, note: str) -> Case:
    """Back to the handler; the resolve deadline moves on by the time the work waited for the check (sla.on_event)."""
    case = get_case(actor.city_id, case_id, for_update=True)
    _move(actor, case, "send_back", note)
    case.resolved_at = None
    return case


@unit_of_work
def confirm(actor: Actor, case_id: int, stars: int | None = None, comment: str = "") -> Case:
    case = get_case(actor.city_id, case_id, for_update=True)
    _confirmed(case, _move(actor, case, "confirm"))
    if stars is not None:
        _rate(actor, case, stars, comment)
    return case


@unit_of_work
def reopen(actor: Actor, case_id: int, note: str) -> Case:
    if not note.strip():
        raise ValidationFailed("请说明不满意的原因", details={"note": ["required"]})
    case = get_case(actor.city_id, case_id, for_update=True)
    _reopened(case, _move(actor, case, "reopen", note))  # the event keeps the handler it counts against
    return case


def _confirmed(case: Case, event: CaseEvent) -> None:
    case.closed_at = event.created_at


def _reopened(case: Case, event: CaseEvent) -> None:
    case.reopen_count += 1
    case.resolved_at = case.verified_at = None
    if case.handler_user_id:
        notify_and_push(case.city_id, [case.handler_user_id], "case_reopened", "群众不满意，案件已退回", event.note, ("case", case.id))


def caller_answer(case: Case, satisfied: bool, note: str) -> CaseEvent:
    """A 12345 caller's answer through their follow-up link (services.cases.hotline, which locked the case and
    checked the link): confirmed as a reporter confirms, or sent back as a reporter's reopen is."""
    if satisfied:
        event = _move(None, case, "confirm", note, caller=True)
        _confirmed(case, event)
    else:
        event = _move(None, case, "reopen", note, caller=True)
        _reopened(case, event)
    return event


def _rating_for_round(case: Case, user_id: int) -> CaseRating | None:
    return db.session.scalar(
        select(CaseRating).where(
            CaseRating.city_id == case.city_id, CaseRating.case_id == case.id, CaseRating.user_id == user_id, CaseRating.round == case.reopen_count
        )
    )


def _rate(actor: Actor, case: Case, stars: int, comment: str) -> CaseRating:
    _refuse_rate(actor, case)
    if not 1 <= stars <= 5:
        raise ValidationFailed("评价为 1 至 5 星", details={"stars": ["range"]})
    rating = CaseRating(
        city_id=case.city_id, case_id=case.id, user_id=actor.user_id, round=case.reopen_count, stars=stars,
        comment=comment, handler_user_id=case.handler_user_id,
    )
    db.session.add(rating)
    add_event(case, "rate", actor, case.state, f"{stars} 星" + (f"：{comment}" if comment else ""))
    return rating


@unit_of_work
def rate(actor: Actor, case_id: int, stars: int, comment: str = "") -> CaseRating:
    case = get_case(actor.city_id, case_id, for_update=True)
    return _rate(actor, case, stars, comment)


def ratings(case: Case) -> list[CaseRating]:
    return list(db.session.scalars(select(CaseRating).where(CaseRating.city_id == case.city_id, CaseRating.case_id == case.id).order_by(CaseRating.id)))


def _add_follower(case: Case, user_id: int) -> bool:
    if user_id == case.reporter_user_id:
        return False
    exists = db.session.scalar(
        select(CaseFollower.id).where(CaseFollower.city_id == case.city_id, CaseFollower.case_id == case.id, CaseFollower.user_id == user_id)
    )
    if exists is None:
        db.session.add(CaseFollower(city_id=case.city_id, case_id=case.id, user_id=user_id))
        return True
    return False


@unit_of_work
def merge(actor: Actor, case_id: int, into_case_id: int, note: str = "") -> Case:
    """A repeat report joins the surviving case: its reporter and followers follow that one from now on."""
    if case_id == into_case_id:
        raise ValidationFailed("不能与自身合并", details={"into_case_id": [into_case_id]})
    first, second = sorted((case_id, into_case_id))  # lock in id order, so two opposite merges cannot deadlock
    locked = {first: get_case(actor.city_id, first, for_update=True), second: get_case(actor.city_id, second, for_update=True)}
    case, target = locked[case_id], locked[into_case_id]
    if target.state not in S.ACTIVE_STATES:
        raise InvalidTransition("只能合并到尚未办结的案件", details={"state": target.state})
    if not _may(actor, target, frozenset({S.GRID_STAFF})):
        raise Forbidden("您无权处理目标案件")
    case.merged_into_id = target.id
    _move(actor, case, "merge", note or f"与案件 #{target.id} 为同一问题，已合并")
    moved = [u for u in followers_of(case) if _add_follower(target, u)]
    add_event(target, "merged_in", actor, target.state, f"并入案件 #{case.id}")
    if moved:
        notify(case.city_id, moved, "case", "您反映的问题已与其他群众的反映合并", "您可在此继续关注处理进展", ("case", target.id))
    return case


@unit_of_work
def mark_abusive(actor: Actor, case_id: int, note: str = "") -> Case:
    """Staff flag a report as abuse; one still waiting for acceptance is rejected with it."""
    case = get_case(actor.city_id, case_id, for_update=True)
    _refuse_abusive(actor, case)
    case.abusive = True
    add_event(case, "abusive", actor, case.state, note)
    if case.state == S.SUBMITTED:
        case.reject_reason = "abusive"
        _move(actor, case, "reject", note or S.REJECT_REASONS["abusive"])
    return case


@unit_of_work
def hand_up(actor: Actor, case_id: int, note: str) -> Case:
    """The grid worker cannot fix it alone: the community admins are asked to post an order (下单).

    The case keeps its state; the community decides whether to order it (the "order" transition).
    """
    case = get_case(actor.city_id, case_id, for_update=True)
    _refuse_hand_up(actor, case)
    if not note.strip():
        raise ValidationFailed("请说明需要哪个部门、为什么需要下单", details={"note": ["required"]})
    add_event(case, "hand_up", actor, case.state, note)
    notify(
        case.city_id, users_with_role(case.city_id, Role.COMMUNITY_ADMIN, case.community_id), "case_hand_up",
        f"网格员提请下单：{case.category.name}", note, ("case", case.id),
    )  # fmt: skip
    return case


@unit_of_work
def follow(actor: Actor, case_id: int, *, code_id: int | None, lat: float | None, lng: float | None) -> Case:
    """Follow a case instead of filing a repeat; only one offered as similar for the same spot may be followed."""
    case = get_case(actor.city_id, case_id)
    offered = similar(actor.city_id, case.category_id, code_id=code_id, lat=lat, lng=lng)
    if case.id not in {c.id for c in offered} and not is_reporter(actor, case):
        raise NotFound("案件不存在", code="case_not_found")
    if _add_follower(case, actor.user_id):
        add_event(case, "follow", actor, case.state, "又有群众反映同一问题")
    return case


@unit_of_work
def auto_close(city_id: int) -> list[int]:
    """Close verified cases nobody objected to within CASE_AUTO_CLOSE_DAYS. For the scheduler; safe to repeat."""
    cutoff = now() - timedelta(days=current_app.config["CASE_AUTO_CLOSE_DAYS"])
    asked = select(HotlineFollowUp.id).where(
        HotlineFollowUp.city_id == city_id, HotlineFollowUp.case_id == Case.id, HotlineFollowUp.status == "sent"
    )  # a 12345 caller asked by SMS has HOTLINE_FOLLOW_UP_DAYS to answer (services.cases.hotline)
    due = db.session.scalars(
        select(Case)
        .where(Case.city_id == city_id, Case.state == S.VERIFIED, Case.verified_at <= cutoff, ~asked.exists())
        .order_by(Case.id)
        .with_for_update(of=Case, skip_locked=True)
    ).all()
    for case in due:
        close_unanswered(case, f"社区核实后 {current_app.config['CASE_AUTO_CLOSE_DAYS']} 天内无异议")
    return [case.id for case in due]


def close_unanswered(case: Case, note: str) -> None:
    """The scheduler closes a verified case nobody answered (the caller locked it)."""
    event = _move(None, case, "auto_close", note)
    case.closed_at = event.created_at

