"""Community orders and the department order pool: post, grab, start, release, resolve,
verify and pay, send back, assign directly, and the sweeps for lapses and deadlines.

Every change of an order's status is one conditional UPDATE on the order row
(`WHERE status IN (...) AND version = :seen`), so two people acting at once can never
both move it: the database lets one statement match and the other finds no row. A
grab is the same statement with `status = 'open'` on a row it locks with SKIP LOCKED,
which is why exactly one of any number of concurrent grabs wins, on PostgreSQL (the
losers skip the winner's locked row, or re-check the condition and match nothing) as on
SQLite (one writer), and why no loser waits for the winner (`grab`).

The rules this module applies each have their own home: which status an action moves
from and to, and who may take it (services.orders.states); which department may take
an order (services.orders.eligibility); how many points move (services.points.payouts).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import false, or_, select, update

from gridapp.authz import (
    DEPARTMENT_ROLES,
    OFFICIAL_ROLES,
    Actor,
    Permission,
    Role,
    can_see_region,
    require_region,
)
from gridapp.clock import now
from gridapp.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Category, Department, Region, RegionLevel, RoleGrant, User
from gridapp.models.categories import DIFFICULTIES, DIFFICULTY_LABELS
from gridapp.models.orders import (
    ESCALATED,
    GRABBED,
    HELD_STATUSES,
    PAID,
    REVERSED,
    STATUS_LABELS,
    Order,
    OrderEvent,
    OrderLapse,
)
from gridapp.services import idempotency
from gridapp.services import photos as photo_service
from gridapp.services import uploads as photo_uploads
from gridapp.services.accounts.users import users_with_role
from gridapp.services.notifications.inbox import notify
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.orders import case_link as order_cases
from gridapp.services.orders import eligibility
from gridapp.services.orders import states as T
from gridapp.services.points import payouts
from gridapp.services.regions.tree import path_range
from gridapp.unit_of_work import unit_of_work

MAX_BOUNTY = 1_000_000
COMMUNITY = Permission(
    "orders.community", {Role.COMMUNITY_ADMIN}, "the community's own admins post, verify, send back, cancel and assign"
)
WATCHERS = Permission(
    "orders.watch", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "officials read the orders under their part of the tree",
)
DEPARTMENTS = Permission("orders.department", DEPARTMENT_ROLES, "department people grab, start, release and resolve")
READERS = Permission(
    "orders.read", WATCHERS | DEPARTMENTS, "officials by the tree, departments what they hold or may grab"
)


class OrderTaken(Conflict):
    code = "order_taken"


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
    if not can_see_region(actor, actor.city_id, order.community.path, COMMUNITY):
        raise Forbidden("只有本社区的管理员可以操作该订单")


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
    if can_see_region(actor, actor.city_id, order.region_path, WATCHERS):
        return order
    if order.holder_department_id in actor.department_ids():
        return order
    if DEPARTMENTS.held_by(actor) and order.status in T.TRANSITIONS["grab"].sources:
        eligibility.taker_for(actor, order)
        return order
    raise Forbidden("您无权查看该订单")


# --------------------------------------------------------------------------- #
# The transition primitive
# --------------------------------------------------------------------------- #


def _require(actor: Actor, order: Order, action: str) -> None:
    """The actor may take `action` on the order, by the table's "who"."""
    who = T.TRANSITIONS[action].who
    if who == T.COMMUNITY:
        _require_community_admin(actor, order)
    elif who == T.HOLDER:
        _require_holder(actor, order)
    elif who == T.DEPARTMENT:
        eligibility.taker_for(actor, order)
    else:
        raise Forbidden("该操作由系统执行")


def _event(order: Order, action: str, actor_user_id: int | None, from_status: str | None, note: str = "", department_id: int | None = None) -> OrderEvent:
    event = OrderEvent(
        city_id=order.city_id, order_id=order.id, action=action, actor_user_id=actor_user_id,
        department_id=department_id if department_id is not None else order.holder_department_id,
        from_status=from_status, to_status=order.status, note=note,
    )
    db.session.add(event)
    return event


def _transition(order: Order, action: str, actor_user_id: int | None, note: str = "", *, at: datetime | None = None, **values) -> bool:
    """Take `action` on `order` (from one of its sources to its target in the table) if nobody
    moved the order since it was read.

    Returns False when the row no longer matches (someone else got there first); the
    order object is refreshed either way.
    """
    transition = T.TRANSITIONS[action]
    at = at or now()
    before, department_before = order.status, order.holder_department_id
    result = db.session.execute(
        update(Order)
        .where(Order.city_id == order.city_id, Order.id == order.id, Order.status.in_(tuple(transition.sources)), Order.version == order.version)
        .values(status=transition.target_for(order, at), version=Order.version + 1, updated_at=now(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if result.rowcount != 1:
        return False
    # The event names the department concerned: the new holder, or the one that just let go.
    _event(order, action, actor_user_id, before, note, department_id=order.holder_department_id or department_before)
    return True


def _move(order: Order, action: str, actor: Actor | None, note: str = "", **values) -> None:
    if order.status not in T.TRANSITIONS[action].sources:
        raise InvalidTransition(
            f"订单当前状态为“{STATUS_LABELS[order.status]}”，不能执行该操作", details={"status": order.status, "action": action}
        )
    if not _transition(order, action, actor.user_id if actor else None, note, **values):
        raise Conflict("订单状态已变化，请刷新后重试", code="order_changed", details={"status": order.status})


def _start_window() -> timedelta:
    return timedelta(minutes=current_app.config["ORDER_START_WINDOW_MINUTES"])


def _start_window_passed(order: Order, at: datetime) -> bool:
    return order.status == GRABBED and order.start_by is not None and order.start_by < at


def _cleared_holder() -> dict:
    return {"holder_department_id": None, "holder_user_id": None, "grabbed_at": None, "start_by": None, "started_at": None}


# --------------------------------------------------------------------------- #
# Posting
# --------------------------------------------------------------------------- #


def post_order_once(actor: Actor, claim, **fields) -> Order:
    """post_order at most once per Idempotency-Key (a retried request gets the first order back)."""
    return idempotency.create(claim, "order", lambda: post_order(actor, **fields), lambda order_id: visible_order(actor, order_id))


@unit_of_work
def post_order(
    actor: Actor,
    *,
    community_id: int,
    title: str,
    category_id: int,
    difficulty: str,
    bounty: int,
    deadline: datetime,
    description: str = "",
    case_id: int | None = None,
    department_kind: str | None = None,
) -> Order:
    """Post an order and reserve its scaled bounty from the community's budget in the same transaction.

    The order names the kind of department that may take it (`department_kind`, by default
    the category's; none: any department serving the place). An order for a case moves
    the case to "ordered" in the same transaction, so no case is ordered without its order.
    """
    COMMUNITY.require(actor)
    community = _community(actor.city_id, community_id)
    require_region(actor, actor.city_id, community.path, roles=COMMUNITY)
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
        region_path = order_cases.region_path_for(actor, case_id, community)
    order = Order(
        city_id=actor.city_id, community_id=community.id, region_path=region_path, case_id=case_id,
        category_id=category.id, department_kind=department_kind or category.department_kind, title=title.strip(),
        description=description.strip(), difficulty=difficulty, bounty=bounty, reserved=payouts.scaled(bounty, difficulty),
        deadline=deadline, status=T.POSTED, posted_by_user_id=actor.user_id,
    )
    if not order.title:
        raise ValidationFailed("请填写订单标题", details={"title": ["required"]})
    db.session.add(order)
    db.session.flush()
    payouts.reserve(order, actor.user_id)
    _event(order, "post", actor.user_id, None, f"赏金 {bounty} 分（{DIFFICULTY_LABELS[difficulty]}，预留 {order.reserved} 分）")
    if case_id is not None:
        order_cases.case_ordered(actor, order)
    takers = [u for d in eligibility.departments_for(order) for u in _department_staff(order.city_id, d.id)]
    notify_and_push(order.city_id, takers, "order_posted", "抢单池有新订单", f"{community.name}：{order.title}", ("order", order.id))
    return order


def post_case_order_once(actor: Actor, claim, case_id: int, **fields) -> Order:
    """post_case_order at most once per Idempotency-Key."""
    return idempotency.create(
        claim, "order", lambda: post_case_order(actor, case_id, **fields), lambda order_id: visible_order(actor, order_id)
    )


@unit_of_work
def post_case_order(
    actor: Actor,
    case_id: int,
    *,
    bounty: int,
    deadline: datetime,
    title: str | None = None,
    difficulty: str | None = None,
    department_kind: str | None = None,
    description: str | None = None,
) -> Order:
    """下单 for a resident's case: the order is for the case's community, category and place;
    its title, difficulty and description default to the case's and its category's, and the kind of
    department to the one the case is marked for (its category's route, unless staff changed it)."""
    COMMUNITY.require(actor)
    case = order_cases.case_to_order(actor, case_id)
    start = order_cases.defaults(case)
    return post_order(
        actor, community_id=case.community_id, category_id=case.category_id, case_id=case.id,
        title=title or start["title"], difficulty=difficulty or start["difficulty"],
        bounty=bounty, deadline=deadline, department_kind=department_kind or start["department_kind"],
        description=start["description"] if description is None else description,
    )


@unit_of_work
def cancel(actor: Actor, order_id: int, reason: str) -> Order:
    """Withdraw an order nobody holds; its reserve returns to the community's budget."""
    order = get_order(actor.city_id, order_id)
    _require(actor, order, "cancel")
    _require_reason(reason)
    _move(order, "cancel", actor, reason)
    payouts.refund(order, actor.user_id)
    return order


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValidationFailed("请说明原因", details={"reason": ["required"]})


# --------------------------------------------------------------------------- #
# The pool and grabbing
# --------------------------------------------------------------------------- #


def pool(actor: Actor):
    """A select of the open orders the actor's departments may grab, soonest deadline first."""
    DEPARTMENTS.require(actor)
    conditions = [eligibility.condition(taker) for taker in eligibility.takers(actor)]
    return (
        select(Order)
        .where(
            Order.city_id == actor.city_id, Order.status.in_(tuple(T.TRANSITIONS["grab"].sources)), Order.deadline > now(),
            or_(*conditions) if conditions else false(),
        )
        .order_by(Order.deadline, Order.id)
    )


@unit_of_work
def grab(actor: Actor, order_id: int) -> Order:
    """Take an open order for the actor's department. Exactly one concurrent grab wins; the
    others get OrderTaken (409) at once.

    The winner's path is one statement: an UPDATE of the row that a sub-select found open,
    within the deadline, eligible for the department (the SQL side of `eligibility`) and not
    locked (`FOR UPDATE SKIP LOCKED`), RETURNING the order. A loser never queues behind the
    winner's row lock: finding the row locked it is told 手慢了 straight away (the winner's name
    is not yet committed, so the details name no holder; should that winner roll back, the
    order is back in the pool), and otherwise learns why from one read by primary key that also
    says whether the department could have taken it (403) and who holds it. SQLite, which has
    one writer at a time and no row locks, reads no FOR UPDATE and runs the same statements.
    """
    DEPARTMENTS.require(actor)
    at = now()
    takers = eligibility.takers(actor)
    for taker in takers:
        order = _claim(actor, order_id, taker, at)
        if order is not None:
            (source,) = T.TRANSITIONS["grab"].sources
            _event(order, "grab", actor.user_id, source, f"{taker.department.name} {actor.display_name} 抢单")
            return order
    raise _not_grabbed(actor, order_id, takers, at)


def _claim(actor: Actor, order_id: int, taker: eligibility.Taker, at: datetime) -> Order | None:
    """The order, now held by `taker`'s department for the actor; None when it was not there to take."""
    transition = T.TRANSITIONS["grab"]
    sources = tuple(transition.sources)
    takeable = (
        select(Order.id)
        .where(Order.city_id == actor.city_id, Order.id == order_id, Order.status.in_(sources), Order.deadline > at,
               eligibility.condition(taker))
        .with_for_update(skip_locked=True)
        .correlate(None)  # its own scan of orders, not the UPDATE's row
        .scalar_subquery()
    )
    return db.session.scalars(
        update(Order)
        .where(Order.city_id == actor.city_id, Order.id == takeable, Order.status.in_(sources))
        .values(
            status=transition.target, holder_department_id=taker.department.id, holder_user_id=actor.user_id, grabbed_at=at,
            start_by=at + _start_window(), version=Order.version + 1, updated_at=at,
        )
        .returning(Order),
        # The UPDATE bypassed the session: a copy it already holds takes the returned row.
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()


def _not_grabbed(actor: Actor, order_id: int, takers: list, at: datetime) -> DomainError:
    """Why a grab took nothing, from one read of the order by its key (with the holder's name):
    not found, not the actor's to take (Forbidden, as `eligibility.taker_for`), taken, past its
    deadline, or in another status."""
    transition = T.TRANSITIONS["grab"]
    may_take = or_(*(eligibility.condition(t) for t in takers)) if takers else false()
    row = db.session.execute(
        select(Order.status, Order.deadline, Order.holder_department_id, Order.grabbed_at, Department.name, may_take.label("may_take"))
        .outerjoin(Department, (Department.city_id == Order.city_id) & (Department.id == Order.holder_department_id))
        .where(Order.city_id == actor.city_id, Order.id == order_id)
    ).one_or_none()
    if row is None:
        return NotFound("订单不存在", code="order_not_found")
    status, deadline, holder_id, grabbed_at, holder_name, may_take = row
    if not may_take:
        return eligibility.not_eligible()
    if status in HELD_STATUSES or status in (PAID, REVERSED):
        return OrderTaken(
            f"手慢了，该订单已被{holder_name}抢走",
            details={"holder_department_id": holder_id, "holder_department_name": holder_name,
                     "grabbed_at": grabbed_at.isoformat() if grabbed_at else None},
        )
    if status in transition.sources and deadline <= at:
        return InvalidTransition("订单已过截止时间，不能抢单", code="order_past_deadline")
    if status in transition.sources:  # open, takeable, and locked: someone is grabbing it this instant
        return OrderTaken("手慢了，该订单已被抢走", details={"holder_department_id": None, "holder_department_name": None, "grabbed_at": None})
    return InvalidTransition(f"订单当前状态为“{STATUS_LABELS[status]}”，不能抢单", details={"status": status})


@unit_of_work
def start(actor: Actor, order_id: int) -> Order:
    """The holder starts work; only before the start-by time (after it, the sweep returns the order)."""
    order = get_order(actor.city_id, order_id)
    _require(actor, order, "start")
    at = now()
    if _start_window_passed(order, at):
        raise InvalidTransition("已超过开工时限，订单将退回抢单池", code="start_window_passed")
    _move(order, "start", actor, "开始处理", started_at=at, holder_user_id=order.holder_user_id or actor.user_id)
    if order.case_id is not None:
        order_cases.case_started(actor, order)
    return order


@unit_of_work
def release(actor: Actor, order_id: int, reason: str) -> Order:
    """The department cannot do it: back to the pool (or to the community, past its deadline)."""
    order = get_order(actor.city_id, order_id)
    _require(actor, order, "release")
    _require_reason(reason)
    _move(order, "release", actor, reason, **_cleared_holder())
    return order


# --------------------------------------------------------------------------- #
# Completion, verification and payment
# --------------------------------------------------------------------------- #


def resolve(
    actor: Actor, order_id: int, note: str, uploads: list, upload_ids: list[int] = (),
    claim: idempotency.IdempotencyClaim | None = None,
) -> Order | idempotency.Replayed:
    """The holder reports the work done with after-photos (sent now, or uploaded before and named by id),
    checked and stored before the transaction and removed again if it fails (the photo service's rules).
    Under an Idempotency-Key a resend (an offline draft whose answer was lost) answers the first resolution."""
    load = lambda resolved_id: get_order(actor.city_id, resolved_id)
    earlier = idempotency.replay(claim, load)
    if earlier is not None:
        return earlier
    return photo_service.stored_then(
        uploads,
        lambda stored: idempotency.create(claim, "order", lambda: _resolve(actor, order_id, note, stored, upload_ids), load),
        uploaded=len(upload_ids),
    )


@unit_of_work
def _resolve(actor: Actor, order_id: int, note: str, stored, upload_ids=()) -> Order:
    order = get_order(actor.city_id, order_id)
    _require(actor, order, "resolve")
    stored = [*stored, *photo_uploads.claim(actor, list(upload_ids))]
    keys = [key for key, _clean in stored]
    _move(order, "resolve", actor, note, resolved_at=now(), resolution_note=note, after_photo_keys="\n".join(keys))
    if order.case_id is not None:
        order_cases.case_resolved(actor, order, note, stored)
    community_admins = users_with_role(order.city_id, Role.COMMUNITY_ADMIN, order.community_id)
    notify(order.city_id, community_admins, "order_resolved", "订单已处置，请核实", order.title, ("order", order.id))
    return order


@unit_of_work
def send_back(actor: Actor, order_id: int, reason: str) -> Order:
    """The community is not satisfied: the holder works on it again."""
    order = get_order(actor.city_id, order_id)
    _require(actor, order, "send_back")
    _require_reason(reason)
    _move(order, "send_back", actor, reason, resolved_at=None)
    if order.case_id is not None:
        order_cases.case_sent_back(actor, order, reason)
    if order.holder_user_id:
        notify(order.city_id, [order.holder_user_id], "order_sent_back", "社区退回了您处置的订单", reason, ("order", order.id))
    return order


@unit_of_work
def verify(actor: Actor, order_id: int, difficulty: str | None = None, note: str = "") -> Order:
    """The community accepts the work and pays (services.points.payouts): the bounty scaled by
    difficulty, split between the department and the staff member who did it; what was
    reserved beyond that goes back to the community. The verifier may lower the difficulty
    tier, never raise it above what was reserved."""
    order = get_order(actor.city_id, order_id)
    _require(actor, order, "verify")
    difficulty = difficulty or order.difficulty
    if difficulty not in DIFFICULTIES:
        raise ValidationFailed("难度等级不正确", details={"difficulty": list(DIFFICULTIES)})
    payout = payouts.scaled(order.bounty, difficulty)
    if payout > order.reserved:
        raise ValidationFailed("核实的难度不能高于下单时的难度", details={"difficulty": [difficulty]})
    to_department, to_staff = payouts.split(payout)
    _move(
        order, "verify", actor, note or f"核实通过，支付 {payout} 分",
        verified_by_user_id=actor.user_id, paid_at=now(), paid_difficulty=difficulty,
        payout_department=to_department, payout_staff=to_staff,
    )
    payouts.pay(order, actor.user_id)
    if order.case_id is not None:
        order_cases.case_verified(actor, order, note)
    notify(order.city_id, [order.holder_user_id], "order_paid", f"订单已核实，获得 {to_staff} 积分", order.title, ("order", order.id))
    return order


def reverse_payout(order: Order, reason: str, actor_user_id: int | None = None) -> bool:
    """A paid order whose case was reopened within the reversal window: the points come back
    to the community by a reversing transaction (what was already spent stays spent).
    Runs inside the caller's unit of work; False when outside the window or not paid."""
    if order.status not in T.TRANSITIONS["reverse"].sources or order.paid_at is None or not payouts.reversible(order.paid_at):
        return False
    if not _transition(order, "reverse", actor_user_id, reason):
        return False
    payouts.take_back(order, actor_user_id)
    return True


@unit_of_work
def case_reopened(case, action: str = "reopen") -> list[int]:
    """The case-event subscriber for a reopened case (services.subscriptions): each paid order
    for it is reversed, in the case step's unit of work. Returns the reversed orders' ids."""
    paid = db.session.scalars(
        select(Order).where(Order.city_id == case.city_id, Order.case_id == case.id, Order.status.in_(tuple(T.TRANSITIONS["reverse"].sources)))
    ).all()
    return [order.id for order in paid if reverse_payout(order, "群众不满意，案件被退回")]


# --------------------------------------------------------------------------- #
# Escalation and direct assignment (派单)
# --------------------------------------------------------------------------- #


@unit_of_work
def assign(actor: Actor, order_id: int, department_id: int, deadline: datetime, user_id: int | None = None, note: str = "") -> Order:
    """An order nobody grabbed in time: the community gives it to a department directly, with a new deadline."""
    order = get_order(actor.city_id, order_id)
    _require(actor, order, "assign")
    department = db.session.scalar(select(Department).where(Department.city_id == actor.city_id, Department.id == department_id, Department.is_active.is_(True)))
    if department is None:
        raise ValidationFailed("部门不存在", details={"department_id": [department_id]})
    if not eligibility.may_take(department, order):
        raise ValidationFailed("该部门不承办该区域或该类别的订单", details={"department_id": [department_id]})
    if deadline.tzinfo is None or deadline <= now():
        raise ValidationFailed("截止时间必须晚于现在", details={"deadline": ["past"]})
    if user_id is not None and user_id not in _department_staff(actor.city_id, department.id):
        raise ValidationFailed("只能指派给该部门的工作人员", details={"user_id": [user_id]})
    at = now()
    _move(
        order, "assign", actor, note or f"社区派单给{department.name}",
        holder_department_id=department.id, holder_user_id=user_id, assigned_by_user_id=actor.user_id,
        grabbed_at=at, start_by=at + _start_window(), deadline=deadline,
    )
    recipients = [user_id] if user_id else _department_staff(actor.city_id, department.id)
    notify_and_push(order.city_id, recipients, "order_assigned", "社区向您的部门派单", order.title, ("order", order.id))
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
        select(Order.id)
        .where(Order.city_id == city_id, Order.status.in_(tuple(T.TRANSITIONS["lapse"].sources)), Order.start_by <= now())
        .order_by(Order.id)
    ).all()
    return [order_id for order_id in due if _lapse(city_id, order_id)]


@unit_of_work
def _lapse(city_id: int, order_id: int) -> bool:
    order = get_order(city_id, order_id)
    at = now()
    if order.status not in T.TRANSITIONS["lapse"].sources or order.start_by is None or order.start_by > at:
        return False
    held = (order.holder_department_id, order.holder_user_id, order.grabbed_at, order.start_by)
    if not _transition(order, "lapse", None, "超过开工时限未开始处理，订单退回", at=at, **_cleared_holder()):
        return False
    department_id, user_id, grabbed_at, start_by = held
    db.session.add(OrderLapse(city_id=city_id, order_id=order.id, department_id=department_id, user_id=user_id, grabbed_at=grabbed_at, start_by=start_by))
    if user_id:
        notify(city_id, [user_id], "order_lapsed", "您抢到的订单未按时开始，已退回抢单池", order.title, ("order", order.id))
    if order.status == ESCALATED:
        _tell_escalated(order)
    return True


def sweep_deadlines(city_id: int) -> list[int]:
    """Open orders nobody grabbed by their deadline are escalated: the community may assign
    them directly, and the street is told."""
    due = db.session.scalars(
        select(Order.id)
        .where(Order.city_id == city_id, Order.status.in_(tuple(T.TRANSITIONS["escalate"].sources)), Order.deadline <= now())
        .order_by(Order.id)
    ).all()
    return [order_id for order_id in due if _escalate(city_id, order_id)]


@unit_of_work
def _escalate(city_id: int, order_id: int) -> bool:
    order = get_order(city_id, order_id)
    if order.status not in T.TRANSITIONS["escalate"].sources or order.deadline > now():
        return False
    if not _transition(order, "escalate", None, "截止时间前无人抢单", escalated_at=now()):
        return False
    _tell_escalated(order)
    return True


def _tell_escalated(order: Order) -> None:
    street_id = order.community.parent_id
    recipients = users_with_role(order.city_id, Role.COMMUNITY_ADMIN, order.community_id)
    if street_id is not None:
        recipients += users_with_role(order.city_id, Role.STREET_ADMIN, street_id)
    notify(order.city_id, recipients, "order_escalated", "订单逾期无人抢单，请社区直接派单", f"{order.community.name}：{order.title}", ("order", order.id))


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #


def allowed_actions(actor: Actor, order: Order) -> list[str]:
    """What the actor could do with the order now, so pages show only the buttons that work."""
    at = now()
    allowed = []
    for action, transition in T.TRANSITIONS.items():
        if transition.who == T.SYSTEM or order.status not in transition.sources:
            continue
        if (action == "start" and _start_window_passed(order, at)) or (action == "grab" and order.deadline <= at):
            continue
        try:
            _require(actor, order, action)
        except DomainError:
            continue
        allowed.append(action)
    return allowed


def staff_list(actor: Actor, *, status: str | None = None, community_id: int | None = None):
    """Orders under the actor's region nodes (officials), or held by their departments (department roles)."""
    READERS.require(actor)
    conditions = []
    paths = actor.region_paths(WATCHERS)
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

