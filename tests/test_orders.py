"""Community orders: posting reserves the bounty, the pool, grabbing, lapses, release,
escalation and direct assignment, completion, verification and the 2:8 payout."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.errors import Forbidden, InvalidTransition, ValidationFailed
from gridapp.extensions import db
from gridapp.models import DepartmentRegion, Notification, OrderEvent, OrderLapse
from gridapp.services.orders import states as T
from gridapp.services.orders import workflow as orders
from gridapp.services.photos import Upload
from gridapp.services.points import ledger
from tests.support.orders import actor, balances, points_city, post


def photo() -> Upload:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 90, 20)).save(out, format="JPEG")
    return Upload("after.jpg", out.getvalue())


@pytest.fixture
def ns(city, clock):
    return points_city(city, budget=1000)


def test_posting_reserves_the_scaled_bounty_from_the_budget(ns):
    order = post(ns, bounty=50, difficulty="complex")  # 150 %
    assert order.status == "open" and order.reserved == 75
    assert balances(ns)["community"] == 925
    assert ledger.balance_of(ns.city_id, "escrow", order.id) == 75
    assert ledger.audit(ns.city_id)["balance_drift"] == []


def test_a_budget_is_never_promised_twice(ns):
    post(ns, bounty=800, difficulty="simple")
    with pytest.raises(ledger.InsufficientPoints) as refused:
        post(ns, bounty=201, difficulty="simple")
    assert refused.value.details == {"needed": 201, "available": 200}
    assert balances(ns)["community"] == 200
    assert db.session.scalar(select(func.count()).select_from(OrderEvent)) == 1  # the refused order left nothing


def test_only_the_communitys_admin_posts(ns, city):
    street = actor(city.users[Role.STREET_ADMIN])
    with pytest.raises(Forbidden):
        orders.post_order(street, community_id=city.c1.id, title="x", category_id=ns.parking.id, difficulty="simple", bounty=5, deadline=now() + timedelta(hours=1))
    with pytest.raises(Forbidden):  # c2 is not the admin's community
        orders.post_order(ns.admin, community_id=city.c2.id, title="x", category_id=ns.parking.id, difficulty="simple", bounty=5, deadline=now() + timedelta(hours=1))


def test_the_pool_shows_orders_the_department_serves_and_handles(ns, city):
    parking = post(ns, title="停车")
    facility = post(ns, title="设施", category=ns.facility)
    campaign = post(ns, title="创文", category=ns.campaign)
    ids = lambda a: [o.id for o in db.session.scalars(orders.pool(a))]  # noqa: E731
    assert sorted(ids(ns.staff)) == sorted([parking.id, campaign.id])
    assert sorted(ids(actor(ns.housing_staff))) == sorted([facility.id, campaign.id])
    with pytest.raises(Forbidden):
        orders.grab(ns.staff, facility.id)
    # A department that serves another district sees none of them.
    db.session.execute(DepartmentRegion.__table__.update().values(region_id=city.d2.id))
    db.session.commit()
    assert ids(actor(city.users[Role.DEPARTMENT_STAFF])) == []


def test_grab_is_won_once_and_the_loser_learns_who_won(ns):
    order = post(ns)
    won = orders.grab(ns.staff, order.id)
    assert won.status == "grabbed" and won.holder_user_id == ns.staff.user_id
    assert won.start_by == won.grabbed_at + timedelta(minutes=60)
    with pytest.raises(orders.OrderTaken) as lost:
        orders.grab(actor_of(ns.staff2), order.id)
    assert lost.value.status == 409
    assert lost.value.details["holder_department_name"] == "城管局"
    assert order.id not in [o.id for o in db.session.scalars(orders.pool(ns.staff))]


def actor_of(user):
    return actor(user)


def test_one_order_from_posting_to_payment_splits_an_odd_bounty_2_to_8(ns, clock):
    before = balances(ns)
    order = post(ns, bounty=37, difficulty="ordinary")  # 37 × 120 % = 44.4 → 44 reserved
    assert order.reserved == 44
    orders.grab(ns.staff, order.id)
    clock.advance(timedelta(minutes=10))
    orders.start(ns.staff, order.id)
    clock.advance(timedelta(hours=2))
    resolved = orders.resolve(ns.staff, order.id, "已清理", [photo()])
    assert resolved.status == "resolved" and len(resolved.after_photos) == 1
    paid = orders.verify(ns.admin, order.id)
    assert paid.status == "paid"
    # staff = 44 × 8 // 10 = 35, department = 44 − 35 = 9
    assert (paid.payout_department, paid.payout_staff) == (9, 35)
    after = balances(ns)
    assert after["community"] == before["community"] - 44
    assert after["department"] == 9
    assert after["staff"] == 35
    assert after["fund"] == before["fund"]
    assert ledger.balance_of(ns.city_id, "escrow", order.id) == 0
    assert [e.action for e in paid.events] == ["post", "grab", "start", "resolve", "verify"]
    assert ledger.audit(ns.city_id) == {"unbalanced_transactions": [], "balance_drift": [], "negative_accounts": [], "total": 0}
    # Paying again is refused, and the ledger could not pay twice anyway (one key per order).
    with pytest.raises(InvalidTransition):
        orders.verify(ns.admin, order.id)
    assert balances(ns)["staff"] == 35


def test_a_lowered_difficulty_pays_less_and_returns_the_rest(ns):
    order = post(ns, bounty=37, difficulty="complex")  # 55 reserved
    orders.grab(ns.staff, order.id)
    orders.start(ns.staff, order.id)
    orders.resolve(ns.staff, order.id, "ok", [photo()])
    with pytest.raises(ValidationFailed):
        orders.verify(ns.admin, order.id, difficulty="major")
    paid = orders.verify(ns.admin, order.id, difficulty="simple")  # 37
    assert (paid.payout_department, paid.payout_staff) == (8, 29)
    assert balances(ns)["community"] == 1000 - 37


def test_send_back_then_verify(ns):
    order = post(ns)
    orders.grab(ns.staff, order.id)
    orders.start(ns.staff, order.id)
    orders.resolve(ns.staff, order.id, "ok", [photo()])
    back = orders.send_back(ns.admin, order.id, "还有一辆车没挪")
    assert back.status == "in_progress" and back.resolved_at is None
    orders.resolve(ns.staff, order.id, "全部挪走", [photo()])
    assert orders.verify(ns.admin, order.id).status == "paid"


def test_resolve_needs_photos_and_the_holder(ns):
    order = post(ns)
    orders.grab(ns.staff, order.id)
    orders.start(ns.staff, order.id)
    with pytest.raises(ValidationFailed):
        orders.resolve(ns.staff, order.id, "ok", [])
    with pytest.raises(Forbidden):
        orders.resolve(actor_of(ns.staff2), order.id, "ok", [photo()])


def test_release_with_a_reason_returns_the_order_to_the_pool(ns):
    order = post(ns)
    orders.grab(ns.staff, order.id)
    with pytest.raises(ValidationFailed):
        orders.release(ns.staff, order.id, " ")
    released = orders.release(ns.staff, order.id, "需要住建部门配合")
    assert released.status == "open" and released.holder_department_id is None
    event = released.events[-1]
    assert (event.action, event.department_id, event.note) == ("release", ns.city.department.id, "需要住建部门配合")
    assert orders.grab(actor_of(ns.staff2), order.id).holder_user_id == ns.staff2.id


def test_a_grab_not_started_in_time_lapses_back_to_the_pool(ns, clock):
    order = post(ns)
    orders.grab(ns.staff, order.id)
    clock.advance(timedelta(minutes=59))
    assert orders.sweep_lapses(ns.city_id) == []
    clock.advance(timedelta(minutes=2))
    with pytest.raises(InvalidTransition):
        orders.start(ns.staff, order.id)
    assert orders.sweep_lapses(ns.city_id) == [order.id]
    assert orders.sweep_lapses(ns.city_id) == []  # idempotent
    db.session.refresh(order)
    assert order.status == "open" and order.holder_department_id is None
    lapse = db.session.scalars(select(OrderLapse)).one()
    assert (lapse.department_id, lapse.user_id) == (ns.city.department.id, ns.staff.user_id)
    assert ledger.balance_of(ns.city_id, "escrow", order.id) == order.reserved


def test_nobody_grabs_by_the_deadline_escalates_and_the_community_assigns(ns, city, clock):
    order = post(ns, hours=2)
    clock.advance(timedelta(hours=2, minutes=1))
    assert [o.id for o in db.session.scalars(orders.pool(ns.staff))] == []
    assert orders.sweep_deadlines(ns.city_id) == [order.id]
    assert orders.sweep_deadlines(ns.city_id) == []
    db.session.refresh(order)
    assert order.status == "escalated"
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "order_escalated")))
    assert told == {city.users[Role.STREET_ADMIN].id, city.users[Role.COMMUNITY_ADMIN].id}
    with pytest.raises(InvalidTransition):
        orders.grab(ns.staff, order.id)
    with pytest.raises(ValidationFailed):  # 住建 does not handle parking
        orders.assign(ns.admin, order.id, ns.housing.id, now() + timedelta(days=1))
    assigned = orders.assign(ns.admin, order.id, city.department.id, now() + timedelta(days=1), user_id=ns.staff2.id)
    assert (assigned.status, assigned.holder_user_id, assigned.assigned_by_user_id) == ("grabbed", ns.staff2.id, ns.admin.user_id)
    orders.start(actor_of(ns.staff2), order.id)


def test_cancel_returns_the_reserve(ns):
    order = post(ns, bounty=100)
    assert balances(ns)["community"] == 880
    orders.cancel(ns.admin, order.id, "已由物业处理")
    assert balances(ns)["community"] == 1000
    with pytest.raises(InvalidTransition):
        orders.grab(ns.staff, order.id)


def test_reopen_within_the_window_reverses_the_payout(ns, clock):
    order = post(ns, bounty=10, difficulty="simple")
    orders.grab(ns.staff, order.id)
    orders.start(ns.staff, order.id)
    orders.resolve(ns.staff, order.id, "ok", [photo()])
    orders.verify(ns.admin, order.id)
    assert balances(ns)["staff"] == 8
    clock.advance(timedelta(days=1))
    assert orders.reverse_payout(order, "群众不满意") is True
    db.session.commit()
    assert order.status == "reversed"
    assert balances(ns)["staff"] == 0 and balances(ns)["department"] == 0
    assert balances(ns)["community"] == 1000
    assert orders.reverse_payout(order, "again") is False
    audit = ledger.audit(ns.city_id)
    assert audit["balance_drift"] == [] and audit["unbalanced_transactions"] == []


def test_every_step_of_an_order_follows_the_transition_table(ns, clock):
    worked = post(ns, bounty=10, difficulty="simple")
    orders.grab(ns.staff, worked.id)
    orders.release(ns.staff, worked.id, "人手不足")
    orders.grab(ns.staff, worked.id)
    orders.start(ns.staff, worked.id)
    orders.resolve(ns.staff, worked.id, "ok", [photo()])
    orders.send_back(ns.admin, worked.id, "没拍清楚")
    orders.resolve(ns.staff, worked.id, "ok", [photo()])
    orders.verify(ns.admin, worked.id)
    assert orders.reverse_payout(worked, "群众不满意") is True
    db.session.commit()
    lapsed = post(ns, bounty=10, hours=3)
    orders.grab(ns.staff, lapsed.id)
    clock.advance(timedelta(hours=2))
    assert orders.sweep_lapses(ns.city_id) == [lapsed.id]
    clock.advance(timedelta(hours=2))
    assert orders.sweep_deadlines(ns.city_id) == [lapsed.id]
    orders.assign(ns.admin, lapsed.id, ns.city.department.id, now() + timedelta(days=1))
    orders.cancel(ns.admin, post(ns, bounty=10).id, "不需要了")

    steps = db.session.scalars(select(OrderEvent).where(OrderEvent.action != "post").order_by(OrderEvent.id)).all()
    assert {e.action for e in steps} == set(T.TRANSITIONS)
    for e in steps:
        transition = T.TRANSITIONS[e.action]
        targets = {"open", "escalated"} if transition.target == T.BACK_TO_POOL else {transition.target}
        assert e.from_status in transition.sources and e.to_status in targets, (e.action, e.from_status, e.to_status)
