"""Community orders and the department order pool: post, grab, start, release, resolve,
verify and pay, send back, assign directly, and the sweeps for lapses and deadlines.

Every change of an order's status is one conditional UPDATE on the order row
(`WHERE status IN (...) AND version = :seen`), so two people acting at once can never
both move it: the database lets one statement match and the other finds no row. A
grab is the same statement with `status = 'open'`, which is why exactly one of any
number of concurrent grabs wins, on PostgreSQL (the losers wait for the winner's row
lock, then re-check the condition and match nothing) as on SQLite (one writer).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, false, or_, select, update

from gridapp.authz import (
    DEPARTMENT_ROLES,
    OFFICIAL_ROLES,
    Actor,
    Permission,
    Role,
    can_see_region,
    require_region,
    require_role,
)
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Category, Department, DepartmentRegion, Region, RegionLevel, RoleGrant, User
from gridapp.models.categories import DIFFICULTIES, DIFFICULTY_LABELS
from gridapp.models.orders import (
    CANCELLED,
    ESCALATED,
    GRABBED,
    HELD_STATUSES,
    IN_PROGRESS,
    OPEN,
    PAID,
    RESOLVED,
    REVERSED,
    STATUS_LABELS,
    Order,
    OrderEvent,
    OrderLapse,
)
from gridapp.services import photos as photo_service
from gridapp.services.accounts.users import users_with_role
from gridapp.services.notifications.inbox import notify
from gridapp.services.points import ledger
from gridapp.services.regions.tree import path_range
from gridapp.unit_of_work import unit_of_work

MAX_BOUNTY = 1_000_000
COMMUNITY_ROLES = Permission(
    "orders.community", {Role.COMMUNITY_ADMIN}, "the community's own admins post, verify, send back, cancel and assign"
)
WATCHER_ROLES = Permission(
    "orders.watch", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "officials read the orders under their part of the tree",
)
DEPARTMENTS = Permission("orders.department", DEPARTMENT_ROLES, "department people grab, start, release and resolve")
READERS = Permission(
    "orders.read", WATCHER_ROLES | DEPARTMENTS, "officials by the tree, departments what they hold or may grab"
)


class OrderTaken(Conflict):
    code = "order_taken"


# --------------------------------------------------------------------------- #
# Money rules
# --------------------------------------------------------------------------- #


def scaled(bounty: int, difficulty: str) -> int:
    """The bounty scaled by difficulty, rounded down to whole points."""
    return bounty * current_app.config["POINTS_DIFFICULTY_PERCENT"][difficulty] // 100


def split(payout: int) -> tuple[int, int]:
    """(department, staff): the staff member's share rounded down, the department gets the rest,
    so the two always add up to the payout."""
    dept_share = current_app.config["POINTS_DEPARTMENT_SHARE"]
    staff_share = current_app.config["POINTS_STAFF_SHARE"]
    staff = payout * staff_share // (dept_share + staff_share)
    return payout - staff, staff


# --------------------------------------------------------------------------- #
# Loading and scope
# --------------------------------------------------------------------------- #


def get_order(city_id: int, order_id: int) -> Order:
    order = db.session.scalar(select(Order).where(Order.city_id == city_id, Order.id == order_id))
    if order is None:
        raise NotFound("订单不存在", code="order_not_found")
    return order


def _community(city_id: int, community_id: int) -> Region:
    region = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.id == community_id))
    if region is None or region.level != RegionLevel.COMMUNITY.value:
        raise NotFound("社区不存在")
    return region


def _require_community_admin(actor: Actor, order: Order) -> None:
    if not can_see_region(actor, actor.city_id, order.community.path, COMMUNITY_ROLES):
        raise Forbidden("只有本社区的管理员可以操作该订单")


def _departments_of(actor: Actor) -> list[Department]:
    ids = sorted(actor.department_ids())
    if not ids:
        return []
    return list(db.session.scalars(select(Department).where(Department.city_id == actor.city_id, Department.id.in_(ids), Department.is_active.is_(True))))


def _served_paths(city_id: int, department_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Region.path)
            .join(DepartmentRegion, DepartmentRegion.region_id == Region.id)
            .where(DepartmentRegion.city_id == city_id, DepartmentRegion.department_id == department_id)
        )
    )


def eligible(department: Department, served_paths: list[str], order: Order) -> bool:
    """A department may take an order in a place it serves, of a kind it handles."""
    kind_ok = order.department_kind is None or order.department_kind == department.kind
    return kind_ok and any(order.region_path.startswith(p) for p in served_paths)


def _eligible_department(actor: Actor, order: Order) -> Department:
    for department in _departments_of(actor):
        if eligible(department, _grant_paths(actor, department.id), order):
            return department
    raise Forbidden("您所在部门不承办该区域或该类别的订单", code="not_eligible")


def _require_holder(actor: Actor, order: Order) -> None:
    """Staff of the holding department who hold it (or the department's admin)."""
    if order.holder_department_id not in actor.department_ids():
        raise Forbidden("该订单不由您所在部门承办")
    admins = {g.department_id for g in actor.grants if g.role == Role.DEPARTMENT_ADMIN}
    if order.holder_user_id not in (None, actor.user_id) and order.holder_department_id not in admins:
        raise Forbidden("该订单由本部门其他工作人员承办")


def visible_order(actor: Actor, order_id: int) -> Order:
    READERS.require(actor)
    order = get_order(actor.city_id, order_id)
    if can_see_region(actor, actor.city_id, order.region_path, WATCHER_ROLES):
        return order
    if order.holder_department_id in actor.department_ids():
        return order
    if DEPARTMENTS.held_by(actor) and order.status == OPEN:
        _eligible_department(actor, order)
        return order
    raise Forbidden("您无权查看该订单")


# --------------------------------------------------------------------------- #
# The transition primitive
# --------------------------------------------------------------------------- #


def _event(order: Order, action: str, actor_user_id: int | None, from_status: str | None, note: str = "", department_id: int | None = None) -> OrderEvent:
    event = OrderEvent(
        city_id=order.city_id, order_id=order.id, action=action, actor_user_id=actor_user_id,
        department_id=department_id if department_id is not None else order.holder_department_id,
        from_status=from_status, to_status=order.status, note=note,
    )
    db.session.add(event)
    return event


def _transition(order: Order, sources, target: str, action: str, actor_user_id: int | None, note: str = "", *, extra_where=(), **values) -> bool:
    """Move `order` from one of `sources` to `target` if nobody moved it since it was read.

    Returns False when the row no longer matches (someone else got there first); the
    order object is refreshed either way.
    """
    before, department_before = order.status, order.holder_department_id
    result = db.session.execute(
        update(Order)
        .where(Order.city_id == order.city_id, Order.id == order.id, Order.status.in_(tuple(sources)), Order.version == order.version, *extra_where)
        .values(status=target, version=Order.version + 1, updated_at=now(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if result.rowcount != 1:
        return False
    # The event names the department concerned: the new holder, or the one that just let go.
    _event(order, action, actor_user_id, before, note, department_id=order.holder_department_id or department_before)
    return True


def _move(order: Order, sources, target: str, action: str, actor: Actor | None, note: str = "", **values) -> None:
    if order.status not in sources:
        raise InvalidTransition(
            f"订单当前状态为“{STATUS_LABELS[order.status]}”，不能执行该操作", details={"status": order.status, "action": action}
        )
    if not _transition(order, sources, target, action, actor.user_id if actor else None, note, **values):
        raise Conflict("订单状态已变化，请刷新后重试", code="order_changed", details={"status": order.status})


def _start_window() -> timedelta:
    return timedelta(minutes=current_app.config["ORDER_START_WINDOW_MINUTES"])


def _cleared_holder() -> dict:
    return {"holder_department_id": None, "holder_user_id": None, "grabbed_at": None, "start_by": None, "started_at": None}


def _back_to_pool_status(order: Order, at: datetime) -> str:
    return OPEN if order.deadline > at else ESCALATED


# --------------------------------------------------------------------------- #
# Posting
# --------------------------------------------------------------------------- #


def post_order_once(actor: Actor, claim, **fields) -> Order:
    """post_order at most once per Idempotency-Key (a retried request gets the first order back)."""
    from gridapp.services import idempotency

    return idempotency.once(claim, lambda: post_order(actor, claim=claim, **fields), lambda order_id: visible_order(actor, order_id))


@unit_of_work
def post_order(
    actor: Actor,
    *,
    claim=None,
    community_id: int,
    title: str,
    category_id: int,
    difficulty: str,
    bounty: int,
    deadline: datetime,
    description: str = "",
    case_id: int | None = None,
) -> Order:
    """Post an order and reserve its scaled bounty from the community's budget in the same transaction."""
    from gridapp.services import idempotency

    require_role(actor, *COMMUNITY_ROLES)
    idempotency.reserve(claim)
    community = _community(actor.city_id, community_id)
    require_region(actor, actor.city_id, community.path, roles=COMMUNITY_ROLES)
    category = db.session.scalar(select(Category).where(Category.city_id == actor.city_id, Category.id == category_id, Category.is_active.is_(True)))
    if category is None:
        raise ValidationFailed("事件类别不存在", details={"category_id": [category_id]})
    if difficulty not in DIFFICULTIES:
        raise ValidationFailed("难度等级不正确", details={"difficulty": list(DIFFICULTIES)})
    if not isinstance(bounty, int) or not 0 < bounty <= MAX_BOUNTY:
        raise ValidationFailed(f"赏金积分须在 1 至 {MAX_BOUNTY} 之间", details={"bounty": [bounty]})
    if deadline.tzinfo is None or deadline <= now():
        raise ValidationFailed("截止时间必须晚于现在", details={"deadline": ["past"]})
    region_path = community.path
    if case_id is not None:
        from gridapp.services.orders import case_link as order_cases

        region_path = order_cases.region_path_for(actor, case_id, community)
    order = Order(
        city_id=actor.city_id, community_id=community.id, region_path=region_path, case_id=case_id,
        category_id=category.id, department_kind=category.department_kind, title=title.strip(),
        description=description.strip(), difficulty=difficulty, bounty=bounty, reserved=scaled(bounty, difficulty),
        deadline=deadline, status=OPEN, posted_by_user_id=actor.user_id,
    )
    if not order.title:
        raise ValidationFailed("请填写订单标题", details={"title": ["required"]})
    db.session.add(order)
    db.session.flush()
    try:
        ledger.transfer(
            actor.city_id, "reserve", f"order:{order.id}:reserve", ledger.community_account(actor.city_id, community.id),
            ledger.escrow_account(actor.city_id, order.id), order.reserved, memo=f"订单预留赏金：{order.title}",
            order_id=order.id, case_id=case_id, actor_user_id=actor.user_id,
        )
    except ledger.InsufficientPoints:
        raise ledger.InsufficientPoints(
            "社区积分预算不足，无法发布该订单",
            details={"needed": order.reserved, "available": ledger.balance_of(actor.city_id, "community", community.id)},
        ) from None
    _event(order, "post", actor.user_id, None, f"赏金 {bounty} 分（{DIFFICULTY_LABELS[difficulty]}，预留 {order.reserved} 分）")
    if case_id is not None:
        order_cases.case_ordered(actor, order)
    idempotency.complete(claim, "order", order.id)
    return order


@unit_of_work
def cancel(actor: Actor, order_id: int, reason: str) -> Order:
    """Withdraw an order nobody holds; its reserve returns to the community's budget."""
    order = get_order(actor.city_id, order_id)
    _require_community_admin(actor, order)
    _require_reason(reason)
    _move(order, {OPEN, ESCALATED}, CANCELLED, "cancel", actor, reason)
    _release_escrow(order, actor.user_id)
    return order


def _release_escrow(order: Order, actor_user_id: int | None) -> None:
    escrow = ledger.escrow_account(order.city_id, order.id)
    ledger.transfer(
        order.city_id, "release", f"order:{order.id}:release", escrow, ledger.community_account(order.city_id, order.community_id),
        order.reserved, memo=f"撤单退回预留赏金：{order.title}", order_id=order.id, case_id=order.case_id, actor_user_id=actor_user_id,
    )


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValidationFailed("请说明原因", details={"reason": ["required"]})


# --------------------------------------------------------------------------- #
# The pool and grabbing
# --------------------------------------------------------------------------- #


def pool(actor: Actor):
    """A select of the open orders the actor's departments may grab, soonest deadline first."""
    DEPARTMENTS.require(actor)
    conditions = []
    for department in _departments_of(actor):
        paths = _grant_paths(actor, department.id)
        if not paths:
            continue
        kind = or_(Order.department_kind.is_(None), Order.department_kind == department.kind)
        places = or_(*(path_range(Order.region_path, p) for p in paths))
        conditions.append(and_(kind, places))
    return (
        select(Order)
        .where(Order.city_id == actor.city_id, Order.status == OPEN, Order.deadline > now(), or_(*conditions) if conditions else false())
        .order_by(Order.deadline, Order.id)
    )


@unit_of_work
def grab(actor: Actor, order_id: int) -> Order:
    """Take an open order for the actor's department. Exactly one concurrent grab wins; the
    others get OrderTaken (409) naming the winner.

    Eligibility (the department serves the place and handles the kind) is part of the
    one conditional UPDATE, so the hot path is a single statement for the winner and one
    more read for each loser to say who won.
    """
    DEPARTMENTS.require(actor)
    at = now()
    for department in _departments_of(actor):
        paths = _grant_paths(actor, department.id)
        if not paths:
            continue
        result = db.session.execute(
            update(Order)
            .where(
                Order.city_id == actor.city_id, Order.id == order_id, Order.status == OPEN, Order.deadline > at,
                or_(Order.department_kind.is_(None), Order.department_kind == department.kind),
                or_(*(path_range(Order.region_path, p) for p in paths)),
            )
            .values(
                status=GRABBED, holder_department_id=department.id, holder_user_id=actor.user_id, grabbed_at=at,
                start_by=at + _start_window(), version=Order.version + 1, updated_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            order = get_order(actor.city_id, order_id)
            _event(order, "grab", actor.user_id, OPEN, f"{department.name} {actor.display_name} 抢单")
            return order
    order = get_order(actor.city_id, order_id)
    _eligible_department(actor, order)  # Forbidden when no department of the actor may take it
    if order.status in HELD_STATUSES or order.status in (PAID, REVERSED):
        raise OrderTaken(
            f"手慢了，该订单已被{order.holder_department.name}抢走",
            details={
                "holder_department_id": order.holder_department_id,
                "holder_department_name": order.holder_department.name,
                "grabbed_at": order.grabbed_at.isoformat() if order.grabbed_at else None,
            },
        )
    if order.status == OPEN:
        raise InvalidTransition("订单已过截止时间，不能抢单", code="order_past_deadline")
    raise InvalidTransition(f"订单当前状态为“{STATUS_LABELS[order.status]}”，不能抢单", details={"status": order.status})


def _grant_paths(actor: Actor, department_id: int) -> list[str]:
    """The region paths a department serves, as loaded into the actor's grants at sign-in."""
    return sorted({p for g in actor.grants if g.department_id == department_id for p in g.served_paths})


@unit_of_work
def start(actor: Actor, order_id: int) -> Order:
    """The holder starts work; only before the start-by time (after it, the sweep returns the order)."""
    order = get_order(actor.city_id, order_id)
    _require_holder(actor, order)
    at = now()
    if order.status == GRABBED and order.start_by is not None and order.start_by < at:
        raise InvalidTransition("已超过开工时限，订单将退回抢单池", code="start_window_passed")
    _move(order, {GRABBED}, IN_PROGRESS, "start", actor, "开始处理", started_at=at, holder_user_id=order.holder_user_id or actor.user_id)
    if order.case_id is not None:
        from gridapp.services.orders import case_link as order_cases

        order_cases.case_started(actor, order)
    return order


@unit_of_work
def release(actor: Actor, order_id: int, reason: str) -> Order:
    """The department cannot do it: back to the pool (or to the community, past its deadline)."""
    order = get_order(actor.city_id, order_id)
    _require_holder(actor, order)
    _require_reason(reason)
    _move(order, {GRABBED, IN_PROGRESS}, _back_to_pool_status(order, now()), "release", actor, reason, **_cleared_holder())
    return order


# --------------------------------------------------------------------------- #
# Completion, verification and payment
# --------------------------------------------------------------------------- #


def resolve(actor: Actor, order_id: int, note: str, uploads: list) -> Order:
    """The holder reports the work done with after-photos, checked and stored before the
    transaction and removed again if it fails (the photo service's rules)."""
    return photo_service.stored_then(uploads, lambda stored: _resolve(actor, order_id, note, stored))


@unit_of_work
def _resolve(actor: Actor, order_id: int, note: str, stored) -> Order:
    order = get_order(actor.city_id, order_id)
    _require_holder(actor, order)
    keys = [key for key, _clean in stored]
    _move(order, {IN_PROGRESS}, RESOLVED, "resolve", actor, note, resolved_at=now(), resolution_note=note, after_photo_keys="\n".join(keys))
    if order.case_id is not None:
        from gridapp.services.orders import case_link as order_cases

        order_cases.case_resolved(actor, order, note, stored)
    community_admins = users_with_role(order.city_id, Role.COMMUNITY_ADMIN, order.community_id)
    notify(order.city_id, community_admins, "order_resolved", "订单已处置，请核实", order.title, f"/orders/{order.id}")
    return order


@unit_of_work
def send_back(actor: Actor, order_id: int, reason: str) -> Order:
    """The community is not satisfied: the holder works on it again."""
    order = get_order(actor.city_id, order_id)
    _require_community_admin(actor, order)
    _require_reason(reason)
    _move(order, {RESOLVED}, IN_PROGRESS, "send_back", actor, reason, resolved_at=None)
    if order.holder_user_id:
        notify(order.city_id, [order.holder_user_id], "order_sent_back", "社区退回了您处置的订单", reason, f"/orders/{order.id}")
    return order


@unit_of_work
def verify(actor: Actor, order_id: int, difficulty: str | None = None, note: str = "") -> Order:
    """The community accepts the work and pays: the bounty scaled by difficulty, split between
    the department and the staff member who did it; what was reserved beyond that goes back
    to the community. The verifier may lower the difficulty tier, never raise it above what
    was reserved."""
    order = get_order(actor.city_id, order_id)
    _require_community_admin(actor, order)
    difficulty = difficulty or order.difficulty
    if difficulty not in DIFFICULTIES:
        raise ValidationFailed("难度等级不正确", details={"difficulty": list(DIFFICULTIES)})
    payout = scaled(order.bounty, difficulty)
    if payout > order.reserved:
        raise ValidationFailed("核实的难度不能高于下单时的难度", details={"difficulty": [difficulty]})
    to_department, to_staff = split(payout)
    _move(
        order, {RESOLVED}, PAID, "verify", actor, note or f"核实通过，支付 {payout} 分",
        verified_by_user_id=actor.user_id, paid_at=now(), paid_difficulty=difficulty,
        payout_department=to_department, payout_staff=to_staff,
    )
    city_id = order.city_id
    ledger.post(
        city_id, "payout", f"order:{order.id}:payout",
        [
            (ledger.escrow_account(city_id, order.id), -order.reserved),
            (ledger.department_account(city_id, order.holder_department_id), to_department),
            (ledger.staff_account(city_id, order.holder_user_id), to_staff),
            (ledger.community_account(city_id, order.community_id), order.reserved - payout),
        ],
        memo=f"订单积分：{order.title}", order_id=order.id, case_id=order.case_id, actor_user_id=actor.user_id,
    )
    if order.case_id is not None:
        from gridapp.services.orders import case_link as order_cases

        order_cases.case_verified(actor, order, note)
    notify(city_id, [order.holder_user_id], "order_paid", f"订单已核实，获得 {to_staff} 积分", order.title, f"/orders/{order.id}")
    return order


def reverse_payout(order: Order, reason: str, actor_user_id: int | None = None) -> bool:
    """A paid order whose case was reopened within the reversal window: the points come back
    to the community by a reversing transaction (what was already spent stays spent).
    Runs inside the caller's unit of work; False when outside the window or not paid."""
    if order.status != PAID or order.paid_at is None:
        return False
    window = timedelta(days=current_app.config["POINTS_REVERSAL_WINDOW_DAYS"])
    if now() - order.paid_at > window:
        return False
    payout = ledger.find(order.city_id, f"order:{order.id}:payout")
    if not _transition(order, {PAID}, REVERSED, "reverse", actor_user_id, reason):
        return False
    ledger.reverse(payout, refund_to=ledger.community_account(order.city_id, order.community_id), memo=f"群众退回，冲正订单积分：{order.title}", actor_user_id=actor_user_id)
    return True


# --------------------------------------------------------------------------- #
# Escalation and direct assignment (派单)
# --------------------------------------------------------------------------- #


@unit_of_work
def assign(actor: Actor, order_id: int, department_id: int, deadline: datetime, user_id: int | None = None, note: str = "") -> Order:
    """An order nobody grabbed in time: the community gives it to a department directly, with a new deadline."""
    order = get_order(actor.city_id, order_id)
    _require_community_admin(actor, order)
    department = db.session.scalar(select(Department).where(Department.city_id == actor.city_id, Department.id == department_id, Department.is_active.is_(True)))
    if department is None:
        raise ValidationFailed("部门不存在", details={"department_id": [department_id]})
    if not eligible(department, _served_paths(actor.city_id, department.id), order):
        raise ValidationFailed("该部门不承办该区域或该类别的订单", details={"department_id": [department_id]})
    if deadline.tzinfo is None or deadline <= now():
        raise ValidationFailed("截止时间必须晚于现在", details={"deadline": ["past"]})
    if user_id is not None and user_id not in _department_staff(actor.city_id, department.id):
        raise ValidationFailed("只能指派给该部门的工作人员", details={"user_id": [user_id]})
    at = now()
    _move(
        order, {ESCALATED}, GRABBED, "assign", actor, note or f"社区派单给{department.name}",
        holder_department_id=department.id, holder_user_id=user_id, assigned_by_user_id=actor.user_id,
        grabbed_at=at, start_by=at + _start_window(), deadline=deadline,
    )
    recipients = [user_id] if user_id else _department_staff(actor.city_id, department.id)
    notify(order.city_id, recipients, "order_assigned", "社区向您的部门派单", order.title, f"/orders/{order.id}")
    return order


def _department_staff(city_id: int, department_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoleGrant.user_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.city_id == city_id, RoleGrant.department_id == department_id, User.is_active.is_(True))
            .order_by(RoleGrant.user_id)
            .distinct()
        )
    )


# --------------------------------------------------------------------------- #
# Sweeps (the scheduler runs these every minute; each is safe to run twice)
# --------------------------------------------------------------------------- #


def sweep_lapses(city_id: int) -> list[int]:
    """Grabs whose holder did not start in time go back to the pool; each lapse is recorded
    against the department. Each order in its own unit of work, so one cannot block the rest."""
    due = db.session.scalars(
        select(Order.id).where(Order.city_id == city_id, Order.status == GRABBED, Order.start_by <= now()).order_by(Order.id)
    ).all()
    return [order_id for order_id in due if _lapse(city_id, order_id)]


@unit_of_work
def _lapse(city_id: int, order_id: int) -> bool:
    order = get_order(city_id, order_id)
    at = now()
    if order.status != GRABBED or order.start_by is None or order.start_by > at:
        return False
    held = (order.holder_department_id, order.holder_user_id, order.grabbed_at, order.start_by)
    target = _back_to_pool_status(order, at)
    if not _transition(order, {GRABBED}, target, "lapse", None, "超过开工时限未开始处理，订单退回", **_cleared_holder()):
        return False
    department_id, user_id, grabbed_at, start_by = held
    db.session.add(OrderLapse(city_id=city_id, order_id=order.id, department_id=department_id, user_id=user_id, grabbed_at=grabbed_at, start_by=start_by))
    if user_id:
        notify(city_id, [user_id], "order_lapsed", "您抢到的订单未按时开始，已退回抢单池", order.title, f"/orders/{order.id}")
    if target == ESCALATED:
        _tell_escalated(order)
    return True


def sweep_deadlines(city_id: int) -> list[int]:
    """Open orders nobody grabbed by their deadline are escalated: the community may assign
    them directly, and the street is told."""
    due = db.session.scalars(
        select(Order.id).where(Order.city_id == city_id, Order.status == OPEN, Order.deadline <= now()).order_by(Order.id)
    ).all()
    return [order_id for order_id in due if _escalate(city_id, order_id)]


@unit_of_work
def _escalate(city_id: int, order_id: int) -> bool:
    order = get_order(city_id, order_id)
    if order.status != OPEN or order.deadline > now():
        return False
    if not _transition(order, {OPEN}, ESCALATED, "escalate", None, "截止时间前无人抢单", escalated_at=now()):
        return False
    _tell_escalated(order)
    return True


def _tell_escalated(order: Order) -> None:
    street_id = order.community.parent_id
    recipients = users_with_role(order.city_id, Role.COMMUNITY_ADMIN, order.community_id)
    if street_id is not None:
        recipients += users_with_role(order.city_id, Role.STREET_ADMIN, street_id)
    notify(order.city_id, recipients, "order_escalated", "订单逾期无人抢单，请社区直接派单", f"{order.community.name}：{order.title}", f"/orders/{order.id}")


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #


def staff_list(actor: Actor, *, status: str | None = None, community_id: int | None = None):
    """Orders under the actor's region nodes (officials), or held by their departments (department roles)."""
    READERS.require(actor)
    conditions = []
    paths = actor.region_paths(WATCHER_ROLES)
    if Role.SYSTEM_ADMIN in actor.roles:
        conditions.append(Order.city_id == actor.city_id)
    conditions.extend(path_range(Order.region_path, p) for p in paths)
    if actor.department_ids():
        conditions.append(Order.holder_department_id.in_(sorted(actor.department_ids())))
    if not conditions:
        raise Forbidden("您无权查看订单")
    stmt = select(Order).where(Order.city_id == actor.city_id, or_(*conditions))
    if status is not None:
        stmt = stmt.where(Order.status == status)
    if community_id is not None:
        stmt = stmt.where(Order.community_id == community_id)
    return stmt.order_by(Order.id.desc())


def events(order: Order) -> list[OrderEvent]:
    return list(db.session.scalars(select(OrderEvent).where(OrderEvent.city_id == order.city_id, OrderEvent.order_id == order.id).order_by(OrderEvent.id)))
