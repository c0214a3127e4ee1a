"""`flask demo` seeds the demo city once, deterministically, and its logins work; its history was
lived through the services, so every case tells a whole, plausible story."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.demo.cases import DEMO_CASES
from gridapp.demo.city import CITY_CODE, DEMO_PASSWORD, RESIDENT_PHONE, STAFF_LOGINS
from gridapp.demo.participation import CALLS, participation_figures
from gridapp.extensions import db
from gridapp.models import (
    AccountLink,
    Case,
    CaseEvent,
    CasePhoto,
    CaseRating,
    Category,
    Consultation,
    Department,
    Escalation,
    Household,
    HouseholdMember,
    Instruction,
    LedgerEntry,
    LedgerTransaction,
    Notice,
    Notification,
    Nudge,
    Order,
    Rating,
    RatingFollowUp,
    Redemption,
    Region,
    RoleGrant,
    Shop,
    Suggestion,
    User,
    VenueCheckIn,
    Whistle,
)
from gridapp.models.ledger import Account
from gridapp.services.cases import states as S
from gridapp.services.points import ledger, payouts
from gridapp.services.supervision import sla
from tests.support.demo import HISTORY_ENDS


def is_working_time(at) -> bool:
    """Inside (or at the edge of) an office window, by sla's own arithmetic."""
    return sla.deadline(at, 0, True) == at


def count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def test_demo_city_seeds_once_and_its_logins_work(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "已创建" in first.output
    for _role, username, _scope in STAFF_LOGINS:
        assert username in first.output
    assert DEMO_PASSWORD in first.output and RESIDENT_PHONE in first.output
    staff = db.session.scalars(select(User.username).where(User.username.is_not(None))).all()
    assert len(staff) > 80 and all(
        f" {username} " in first.output for username in staff
    )  # every staff login is printed

    snapshot = {
        "districts": count(select(Region.id).where(Region.level == "district")),
        "streets": count(select(Region.id).where(Region.level == "street")),
        "communities": count(select(Region.id).where(Region.level == "community")),
        "grids": count(select(Region.id).where(Region.level == "grid", Region.boundary_geojson.is_not(None))),
        "households": count(select(Household.id)),
        "departments": count(select(Department.id)),
        "categories": count(select(Category.id)),
        "grid_workers": count(select(RoleGrant.id).where(RoleGrant.role == "grid_worker")),
        "community_admins": count(select(RoleGrant.id).where(RoleGrant.role == "community_admin")),
        "users": count(select(User.id)),
    }
    assert snapshot["districts"] == 2 and snapshot["streets"] == 4 and snapshot["communities"] == 8
    assert snapshot["grids"] == 40 and snapshot["grid_workers"] == 40 and snapshot["community_admins"] == 8
    assert snapshot["households"] == 2000 and snapshot["departments"] == 8 and snapshot["categories"] >= 9
    roles = set(db.session.scalars(select(RoleGrant.role).distinct()))
    assert roles == {
        "resident",
        "grid_worker",
        "department_staff",
        "department_admin",
        "community_admin",
        "street_admin",
        "district_admin",
        "super_admin",
        "system_admin",
        "hotline_operator",  # the 12345 operator kbs_12345
        "grid_police",  # held by the grid police officers the demo names among kc grids' contacts
    }
    history = {
        model.__tablename__: count(select(model.id))
        for model in (Case, CaseEvent, CasePhoto, Order, LedgerTransaction, Notification, Nudge, Whistle)
    }
    assert history["cases"] == DEMO_CASES + len(CALLS)  # the lived history and the 12345 operator's calls

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "已存在" in again.output and "未作任何改动" in again.output
    db.session.expire_all()
    assert snapshot["users"] == count(select(User.id))
    assert snapshot["households"] == count(select(Household.id))
    assert history == {
        model.__tablename__: count(select(model.id))
        for model in (Case, CaseEvent, CasePhoto, Order, LedgerTransaction, Notification, Nudge, Whistle)
    }

    for _role, username, _scope in STAFF_LOGINS:
        response = client.post(
            "/api/v1/auth/login", json={"city": CITY_CODE, "username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, (username, response.json)
    for department in db.session.scalars(select(Department.code)):
        username = f"{department}_staff2"
        response = client.post(
            "/api/v1/auth/login", json={"city": CITY_CODE, "username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, (username, response.json)


# Steps people take on a case, checked against who they are. Sweeps and the scheduler act as nobody.
GRID_STEPS = {"accept", "reject", "assign", "hand_up"}
HANDLER_STEPS = {"check_in", "start", "resolve"}
COMMUNITY_STEPS = {"verify", "order"}
REPORTER_STEPS = {"confirm", "reopen", "rate"}
SYSTEM_STEPS = {"sla_yellow", "sla_red", "escalate", "auto_close", "report_in_late"}
STAFF_STEPS = GRID_STEPS | HANDLER_STEPS | COMMUNITY_STEPS  # at office hours in a working-time category


def test_every_case_was_lived_through_the_services(demo_city):
    city_id = demo_city
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.city_id == city_id))}
    events = defaultdict(list)
    for event in db.session.scalars(select(CaseEvent).where(CaseEvent.city_id == city_id).order_by(CaseEvent.id)):
        events[event.case_id].append(event)
    photos = defaultdict(list)
    for photo in db.session.scalars(select(CasePhoto).where(CasePhoto.city_id == city_id)):
        photos[photo.case_id].append(photo)
    grants = defaultdict(set)
    for grant in db.session.scalars(select(RoleGrant).where(RoleGrant.city_id == city_id)):
        grants[grant.user_id].add((grant.role, grant.region_id or grant.department_id))
    city_set_up = db.session.scalar(select(func.min(User.created_at)).where(User.city_id == city_id))

    def holds(user_id, role, where=None):
        return any(r == role and (where is None or w == where) for r, w in grants[user_id])

    closed = 0
    for case in cases.values():
        trail = events[case.id]
        assert trail[0].action == "submit" and trail[0].created_at == case.created_at, case.id
        assert trail[0].actor_user_id in (case.reporter_user_id, case.entered_by_user_id)
        assert city_set_up < case.created_at < HISTORY_ENDS
        if case.category.working_time and case.channel in ("patrol", "hotline"):  # staff entered it
            assert is_working_time(case.created_at), case.id
        state = S.SUBMITTED
        for before, event in zip(trail, trail[1:]):
            assert before.created_at <= event.created_at <= HISTORY_ENDS, (case.id, event.action)
            if event.action in S.TRANSITIONS:  # every move starts where the last one ended
                assert event.from_state == state, (case.id, event.action)
                state = event.to_state
            actor, action = event.actor_user_id, event.action
            if action in GRID_STEPS:
                assert holds(actor, "grid_worker", case.grid_id) or holds(
                    actor, "community_admin", case.community_id
                ), (case.id, action)
            elif action in HANDLER_STEPS:
                assert actor == event.handler_user_id, (case.id, action)
            elif action in COMMUNITY_STEPS:
                assert holds(actor, "community_admin", case.community_id), (case.id, action)
            elif action in REPORTER_STEPS and actor is None:  # a 12345 caller, through the follow-up SMS link
                assert case.channel == "hotline" and action in ("confirm", "reopen"), (case.id, action)
            elif action in REPORTER_STEPS:
                assert actor == case.reporter_user_id and holds(actor, "resident"), (case.id, action)
            elif action in SYSTEM_STEPS:
                assert actor is None, (case.id, action)
            elif action == "report_in":
                assert holds(actor, "department_staff") or holds(actor, "department_admin")
            if case.category.working_time and action in STAFF_STEPS:
                assert is_working_time(event.created_at), (case.id, action, event.created_at)
        assert state == case.state, case.id
        if case.channel in ("code", "location", "patrol"):
            assert any(p.kind == "before" and p.event_id == trail[0].id for p in photos[case.id]), case.id
        if case.state == S.CLOSED:
            closed += 1
            moves = [e.action for e in trail if e.action in S.TRANSITIONS]
            assert moves[-1] in ("confirm", "auto_close") and trail[-1].created_at == case.closed_at, case.id
            assert {"accept", "resolve", "verify"} <= set(moves), (case.id, moves)
            resolutions = [e.id for e in trail if e.action == "resolve"]
            assert {p.event_id for p in photos[case.id] if p.kind == "after"} >= set(resolutions), case.id
            assert all(p.thumb_key and p.web_key for p in photos[case.id]), case.id  # the photo job ran for each
    assert closed > DEMO_CASES // 2


def test_the_demo_is_a_lively_city(demo_city):
    city_id = demo_city
    residents = select(RoleGrant.user_id).where(RoleGrant.role == "resident")
    reporters = count(
        select(Case.reporter_user_id).where(Case.city_id == city_id, Case.reporter_user_id.in_(residents)).distinct()
    )
    assert reporters >= 50
    kinds = set(
        db.session.scalars(
            select(Department.kind)
            .join(Order, Order.holder_department_id == Department.id)
            .where(Order.city_id == city_id)
        )
    )
    assert len(kinds) >= 4  # orders grabbed by departments of different kinds
    staffed = set(db.session.scalars(select(Department.kind).join(RoleGrant, RoleGrant.department_id == Department.id)))
    assert len(staffed) == 8
    assert (
        count(select(CaseRating.id).where(CaseRating.stars <= 2)) > 0
        and count(select(CaseRating.id).where(CaseRating.stars >= 4)) > 50
    )
    assert count(select(CaseEvent.id).where(CaseEvent.action == "reopen")) > 0
    assert count(select(Escalation.id)) > 0 and count(select(Nudge.id)) > 0 and count(select(Instruction.id)) > 0
    assert count(select(Whistle.id)) > 0 and count(select(CaseEvent.id).where(CaseEvent.action == "report_in")) > 0
    assert count(select(Order.id).where(Order.status == "open")) >= 3  # left in the pool for the demo staff to grab

    paid = db.session.scalars(select(Order).where(Order.city_id == city_id, Order.paid_at.is_not(None))).all()
    assert len(paid) > 50
    for order in paid:
        payout = payouts.scaled(order.bounty, order.paid_difficulty)
        assert (order.payout_department, order.payout_staff) == payouts.split(
            payout
        ) and order.payout_staff == payout * 8 // 10
        posted = ledger.find(city_id, f"order:{order.id}:payout")
        moved = dict(
            db.session.execute(
                select(Account.kind, LedgerEntry.amount)
                .join(Account, Account.id == LedgerEntry.account_id)
                .where(LedgerEntry.transaction_id == posted.id)
            ).all()
        )
        assert moved["department"] == order.payout_department and moved["staff"] == order.payout_staff
    assert ledger.audit(city_id) | {"total": 0} == {
        "unbalanced_transactions": [],
        "balance_drift": [],
        "negative_accounts": [],
        "total": 0,
    }


def test_residents_and_shopkeepers_were_linked_and_spend_points(demo_city):
    city_id = demo_city
    linked = db.session.scalars(
        select(AccountLink).where(AccountLink.city_id == city_id, AccountLink.status == "confirmed")
    ).all()
    members = [link for link in linked if link.kind == "member"]
    assert len(members) >= 50 and len({link.user_id for link in members}) == len(members)
    for link in linked:  # asked by the person with the registry's phone, confirmed by the grid's worker in office hours
        assert link.requested_by_user_id == link.user_id and db.session.get(User, link.user_id).phone == link.phone
        assert is_working_time(link.decided_at) and link.decided_at > link.created_at
        assert (Role.GRID_WORKER.value, link.grid_id) in {
            (g.role, g.region_id) for g in db.session.get(User, link.decided_by_user_id).grants
        }
    assert count(select(HouseholdMember.id).where(HouseholdMember.user_id.is_not(None))) >= len(members)
    owners = dict(db.session.execute(select(Shop.id, Shop.owner_user_id).where(Shop.owner_user_id.is_not(None))).all())
    assert owners and {link.record_id for link in linked if link.kind == "shop"} == set(owners)

    redemptions = db.session.scalars(select(Redemption).where(Redemption.city_id == city_id)).all()
    assert len(redemptions) > 20 and {r.payer for r in redemptions} == {"resident", "staff"}
    for redemption in redemptions:  # each confirmed by the shop's linked owner, through the ledger
        assert redemption.status == "confirmed" and redemption.confirmed_by_user_id == owners[redemption.shop_id]
        assert redemption.created_at <= redemption.confirmed_at < redemption.expires_at
        assert db.session.get(LedgerTransaction, redemption.transaction_id).kind == "redemption"


def test_residents_take_part_in_kangcheng(demo_city, client):
    """Every module of issue 17 has something to show in 康城社区, each made through its service."""
    city_id = demo_city
    figures = participation_figures(city_id)
    assert figures["contacts"] == 10  # a police officer and property staff for each of the five grids
    assert figures["tags"] >= 10 and figures["notices"] == 2 and figures["consultations"] == 1
    assert figures["answers"] >= 5 and figures["suggestions"] == 4 and figures["adopted"] == 1
    assert figures["check_ins"] >= 5 and figures["ratings"] >= 8 and figures["follow_ups"] >= 1
    assert figures["hotline_answers"] >= 1
    kc = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.code == "kbs-hbgx-kc"))
    consultation = db.session.scalar(select(Consultation).where(Consultation.city_id == city_id))
    assert consultation.region_id == kc.id
    assert consultation.deadline.replace(tzinfo=None) > HISTORY_ENDS.replace(tzinfo=None)  # still open
    adopted = db.session.scalar(select(Suggestion).where(Suggestion.status == "adopted"))
    assert adopted.points_awarded > 0 and ledger.find(city_id, f"suggestion:{adopted.id}:adopted") is not None
    low = db.session.scalars(select(RatingFollowUp)).all()
    assert low and all(f.status == "closed" and f.outcome for f in low)
    assert count(select(Rating.id).where(Rating.stars <= 2)) >= 1
    assert count(select(VenueCheckIn.id).where(VenueCheckIn.created_at > HISTORY_ENDS - timedelta(days=14))) >= 5
    notice = db.session.scalar(select(Notice).where(Notice.tags == ""))
    assert notice.recipient_count > 0
    operator = db.session.scalar(select(User).where(User.username == "kbs_12345"))
    assert count(select(Case.id).where(Case.entered_by_user_id == operator.id, Case.channel == "hotline")) == 2
    login = client.post("/api/v1/auth/login", json={"city": CITY_CODE, "username": "kbs_12345", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.json
