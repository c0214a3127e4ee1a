"""A new city set up through the console on a phone (390x844): the system admin from `create-city` signs in,
imports a small region tree from GeoJSON, creates a department serving it and a category routed to it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import Category, Department, Region
from gridapp.services.accounts.cities import create_city
from tests.support.console_pages import add_category, add_department, console_sign_in
from tests.support.factories import square

pytestmark = pytest.mark.browser
PASSWORD = "console setup 2026"


def tree_file(tmp_path):
    features = [
        ("nd", "新区", "district", ""),
        ("nd-s", "新街道", "street", "nd"),
        ("nd-c", "新社区", "community", "nd-s"),
        ("nd-g1", "新一网格", "grid", "nd-c"),
        ("nd-g2", "新二网格", "grid", "nd-c"),
    ]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
                "geometry": square(109.0 + 0.01 * i, 39.0) if level == "grid" else None,
            }
            for i, (code, name, level, parent) in enumerate(features)
        ],
    }
    path = tmp_path / "tree.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_new_city_is_set_up_through_the_console(phone, app, tmp_path):
    city, _admin = create_city("newcity", "新城市", "founder", PASSWORD)
    city_id = city.id
    db.session.commit()
    db.session.remove()  # touch no ORM object while the page drives the live server

    console_sign_in(phone, "founder", PASSWORD, "/console/login?city=newcity")
    phone.wait_for_url("**/console/")
    phone.click("text=区域管理")
    phone.wait_for_selector("#import-form")
    assert phone.locator("a[href='/api/v1/regions/import-template?format=xlsx']").count() == 1
    phone.set_input_files("#import-file", str(tree_file(tmp_path)))
    phone.click("#import-submit")
    phone.wait_for_selector("#import-message:has-text('已导入 5 个区域')")
    phone.wait_for_selector("#children .row")  # the page shows the new district after the import

    add_department(phone, "cgj", "城管局", "city_management", serves="新区")
    assert "新区" in phone.inner_text("#department-list")

    add_category(phone, "parking", "车辆乱停", "department", kind="city_management", questions="plate|车牌号|text|否")
    assert "车辆乱停" in phone.inner_text("#category-list")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    grids = db.session.scalars(select(Region.code).where(Region.city_id == city_id, Region.level == "grid")).all()
    assert sorted(grids) == ["nd-g1", "nd-g2"]
    department = db.session.scalar(select(Department).where(Department.city_id == city_id))
    category = db.session.scalar(select(Category).where(Category.city_id == city_id))
    assert (department.kind, category.department_kind, category.default_route) == (
        "city_management",
        "city_management",
        "department",
    )
    assert json.loads(category.questions_json)[0]["key"] == "plate"
    db.session.rollback()
