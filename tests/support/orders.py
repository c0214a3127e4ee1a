"""Helpers for the points, orders and leaderboard tests: a funded community and its categories."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import Category, Department, DepartmentRegion
from gridapp.services.accounts.users import load_actor
from gridapp.services.orders import workflow as orders
from gridapp.services.points import ledger
from tests.support.factories import account, auth_headers


def actor(user):
    return load_actor(user.city_id, user.id)


def category(city_id: int, code: str, kind: str | None, difficulty: str = "ordinary") -> Category:
    row = Category(
        city_id=city_id, code=code, name=code, default_route="department" if kind else "grid_worker",
        department_kind=kind, difficulty=difficulty, confirm_minutes=60, onsite_minutes=60, resolve_minutes=600,
    )
    db.session.add(row)
    db.session.flush()
    return row


def staff_user(city, username: str, department: Department, role: Role = Role.DEPARTMENT_STAFF):
    user = account(city.city.id, username, role, department=department)
    db.session.flush()
    return user


def points_city(city, budget: int = 1000) -> SimpleNamespace:
    """build_city plus: a 城管 category, a 住建 department serving d1 too, and c1's budget topped up."""
    ns = SimpleNamespace(city=city, city_id=city.city.id)
    ns.parking = category(ns.city_id, "parking", "city_management")
    ns.facility = category(ns.city_id, "facility", "housing")
    ns.campaign = category(ns.city_id, "campaign", None)
    ns.housing = Department(city_id=ns.city_id, code="zjj", name="住建局", kind="housing")
    db.session.add(ns.housing)
    db.session.flush()
    db.session.add(DepartmentRegion(city_id=ns.city_id, department_id=ns.housing.id, region_id=city.d1.id))
    ns.housing_staff = staff_user(city, "housing1", ns.housing)
    ns.staff2 = staff_user(city, "staff2", city.department)
    db.session.commit()
    ns.admin = actor(city.users[Role.COMMUNITY_ADMIN])
    ns.staff = actor(city.users[Role.DEPARTMENT_STAFF])
    ns.sysadmin = actor(city.users[Role.SYSTEM_ADMIN])
    if budget:
        ledger.top_up(ns.sysadmin, city.c1.id, budget, key="initial")
    return ns


def post(ns, bounty: int = 50, difficulty: str = "ordinary", hours: int = 48, category=None, **kwargs):
    return orders.post_order(
        ns.admin, community_id=ns.city.c1.id, title=kwargs.pop("title", "人行道乱停车"), category_id=(category or ns.parking).id,
        difficulty=difficulty, bounty=bounty, deadline=now() + timedelta(hours=hours), **kwargs,
    )


def fund(city, amount: int = 1000) -> None:
    """Top up community c1's order budget (for tests that do not use points_city)."""
    ledger.top_up(actor(city.users[Role.SYSTEM_ADMIN]), city.c1.id, amount, key=f"fund:{city.c1.id}")


def order_case(client, user, case_id: int, key: str | None = None, **body):
    """POST /api/v1/cases/{id}/order, with a bounty and a deadline a day ahead unless given."""
    body = {"bounty": 10, "deadline": (now() + timedelta(days=1)).isoformat(), **body}
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/v1/cases/{case_id}/order", json=body, headers=headers)


def balances(ns) -> dict[str, int]:
    c = ns.city
    return {
        "fund": ledger.balance_of(ns.city_id, "fund", 0),
        "community": ledger.balance_of(ns.city_id, "community", c.c1.id),
        "department": ledger.balance_of(ns.city_id, "department", c.department.id),
        "staff": ledger.balance_of(ns.city_id, "staff", c.users[Role.DEPARTMENT_STAFF].id),
    }
