"""A small city built through the real services, with one account per role, and how to act as each."""
from __future__ import annotations

import functools
from types import SimpleNamespace

from flask_jwt_extended import create_access_token, create_refresh_token

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import City, Department, DepartmentRegion, RegionLevel, User
from gridapp.services.accounts.users import grant_role, hash_password, new_user
from gridapp.services.regions.tree import add_region

PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    """Hashed once per run: argon2 is slow on purpose, and a city has many accounts."""
    return hash_password(PASSWORD)


def account(city_id: int, name: str, role: Role, phone: str | None = None, **scope) -> User:
    """Staff sign in with `name` and PASSWORD; a resident is `name` to show and signs in by phone."""
    staff = role != Role.RESIDENT
    user = new_user(city_id, name, username=name if staff else None, phone=phone)
    user.password_hash = password_hash() if staff else None
    grant_role(user, role, **scope)
    return user


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]]}


def feature_collection(rows) -> dict:
    """A region import's GeoJSON from (code, name, level, parent code, geometry or None) rows."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": c, "name": n, "level": lv, "parent_code": p}, "geometry": g}
            for c, n, lv, p, g in rows
        ],
    }


def build_city(code: str = "testcity") -> SimpleNamespace:
    """city ─ d1 ─ s1 ─ c1 ─ g1, g2
                       └ c2 ─ g3
            └ d2 ─ s2 ─ c3 ─ g4
    The 城管 department serves d1 only."""
    city = City(code=code, name="测试市")
    db.session.add(city)
    db.session.flush()
    ns = SimpleNamespace(city=city)
    ns.root = add_region(city.id, None, RegionLevel.CITY, f"{code}", "测试市")
    ns.d1 = add_region(city.id, ns.root, RegionLevel.DISTRICT, f"{code}-d1", "一区")
    ns.s1 = add_region(city.id, ns.d1, RegionLevel.STREET, f"{code}-s1", "一街道")
    ns.c1 = add_region(city.id, ns.s1, RegionLevel.COMMUNITY, f"{code}-c1", "一社区")
    ns.g1 = add_region(city.id, ns.c1, RegionLevel.GRID, f"{code}-g1", "一网格", boundary=square(100.0, 30.0))
    ns.g2 = add_region(city.id, ns.c1, RegionLevel.GRID, f"{code}-g2", "二网格", boundary=square(100.01, 30.0))
    ns.c2 = add_region(city.id, ns.s1, RegionLevel.COMMUNITY, f"{code}-c2", "二社区")
    ns.g3 = add_region(city.id, ns.c2, RegionLevel.GRID, f"{code}-g3", "三网格", boundary=square(100.02, 30.0))
    ns.d2 = add_region(city.id, ns.root, RegionLevel.DISTRICT, f"{code}-d2", "二区")
    ns.s2 = add_region(city.id, ns.d2, RegionLevel.STREET, f"{code}-s2", "二街道")
    ns.c3 = add_region(city.id, ns.s2, RegionLevel.COMMUNITY, f"{code}-c3", "三社区")
    ns.g4 = add_region(city.id, ns.c3, RegionLevel.GRID, f"{code}-g4", "四网格", boundary=square(101.0, 31.0))
    ns.department = Department(city_id=city.id, code="cgj", name="城管局", kind="city_management")
    db.session.add(ns.department)
    db.session.flush()
    db.session.add(DepartmentRegion(city_id=city.id, department_id=ns.department.id, region_id=ns.d1.id))

    ns.users = {
        Role.RESIDENT: account(city.id, "resident", Role.RESIDENT, phone="13900000001"),
        Role.GRID_WORKER: account(city.id, "worker1", Role.GRID_WORKER, phone="13900000002", region=ns.g1),
        Role.DEPARTMENT_STAFF: account(city.id, "staff", Role.DEPARTMENT_STAFF, department=ns.department),
        Role.DEPARTMENT_ADMIN: account(city.id, "deptadmin", Role.DEPARTMENT_ADMIN, department=ns.department),
        Role.COMMUNITY_ADMIN: account(city.id, "commadmin", Role.COMMUNITY_ADMIN, region=ns.c1),
        Role.STREET_ADMIN: account(city.id, "streetadmin", Role.STREET_ADMIN, region=ns.s1),
        Role.DISTRICT_ADMIN: account(city.id, "districtadmin", Role.DISTRICT_ADMIN, region=ns.d1),
        Role.SUPER_ADMIN: account(city.id, "super", Role.SUPER_ADMIN, region=ns.root),
        Role.SYSTEM_ADMIN: account(city.id, "sysadmin", Role.SYSTEM_ADMIN),
        Role.HOTLINE_OPERATOR: account(city.id, "operator", Role.HOTLINE_OPERATOR, region=ns.root),
        Role.PETITION_OFFICER: account(city.id, "petitionofficer", Role.PETITION_OFFICER, region=ns.s1),
        Role.PETITION_AGENT: account(city.id, "petitionagent", Role.PETITION_AGENT, region=ns.c1),
    }
    ns.worker4 = account(city.id, "worker4", Role.GRID_WORKER, phone="13900000004", region=ns.g4)
    ns.users[Role.MEDIATOR] = account(city.id, "mediator1", Role.MEDIATOR, region=ns.c1)  # 一社区's village-tier mediator
    db.session.commit()
    return ns


def auth_headers(user, refresh: bool = False) -> dict[str, str]:
    make = create_refresh_token if refresh else create_access_token
    token = make(identity=str(user.id), additional_claims={"city": user.city_id})
    return {"Authorization": f"Bearer {token}"}
