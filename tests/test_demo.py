"""`flask demo` seeds the demo city once, deterministically, and its logins work."""
from __future__ import annotations

from sqlalchemy import func, select

from gridapp.demo.city import CITY_CODE, DEMO_PASSWORD, RESIDENT_PHONE, STAFF_LOGINS
from gridapp.extensions import db
from gridapp.models import Category, Department, Household, Region, RoleGrant, User


def test_demo_city_seeds_once_and_its_logins_work(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "已创建" in first.output
    for _role, username, _scope in STAFF_LOGINS:
        assert username in first.output
    assert DEMO_PASSWORD in first.output and RESIDENT_PHONE in first.output

    def count(stmt):
        return db.session.scalar(select(func.count()).select_from(stmt.subquery()))

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
        "resident", "grid_worker", "department_staff", "department_admin", "community_admin",
        "street_admin", "district_admin", "super_admin", "system_admin",
    }

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "已存在" in again.output
    db.session.expire_all()
    assert snapshot["users"] == count(select(User.id))
    assert snapshot["households"] == count(select(Household.id))

    for _role, username, _scope in STAFF_LOGINS:
        response = client.post("/api/v1/auth/login", json={"city": CITY_CODE, "username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, (username, response.json)
