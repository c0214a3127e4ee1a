"""A community cadre's pages in Chromium at 390x844: a handed-up case is opened from 待处理 and ordered (kind and
difficulty prefilled from the category, the budget shown), the department's resolved work is verified with the
photos from before and after side by side, and the budget shows the movements; axe-core finds nothing serious on
any page and none scrolls sideways."""
from __future__ import annotations

import io

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case
from tests.support.browser import axe_violations, snapshot
from tests.support.cases import act, jpeg, report_at
from tests.support.community_walk import (
    cadre_accepts,
    cadre_opens_case,
    cadre_posts_order,
    cadre_verifies,
    staff_sign_in,
)
from tests.support.factories import PASSWORD, auth_headers
from tests.support.orders import fund

pytestmark = pytest.mark.browser


def check(page, name: str) -> None:
    snapshot(page, name)
    assert axe_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways"


def department_resolves(client, headers: dict, order_id: int) -> None:
    assert client.post(f"/api/v1/orders/{order_id}/grab", headers=headers).status_code == 200
    assert client.post(f"/api/v1/orders/{order_id}/start", headers=headers).status_code == 200
    resolved = client.post(
        f"/api/v1/orders/{order_id}/resolve", headers=headers, content_type="multipart/form-data",
        data={"note": "车辆已拖离", "photos": [(io.BytesIO(jpeg(640, 480, color=(20, 160, 20))), "after.jpg")]},
    )
    assert resolved.status_code == 200, resolved.get_json()


def loaded_images(page) -> list[bool]:
    return page.eval_on_selector_all(".cadre-thumbs img", "images => images.map(i => i.complete && i.naturalWidth > 0)")


def test_a_cadre_orders_a_handed_up_case_and_verifies_the_work(app, phone, live_url, client, city, cats):
    errors = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    # Media URLs are built on PUBLIC_BASE_URL; here the photos are served by the live server.
    base = app.config["PUBLIC_BASE_URL"]
    phone.route(f"{base}/media/**", lambda route: route.continue_(url=route.request.url.replace(base, live_url)))
    fund(city)
    worker, staff = city.users[Role.GRID_WORKER], city.users[Role.DEPARTMENT_STAFF]
    case_id = report_at(client, city.users[Role.RESIDENT], cats["parking"], description="小区门口车辆长期占道")["id"]
    assert act(client, worker, case_id, "accept").status_code == 200
    assert act(client, worker, case_id, "hand-up", note="需要城管拖车").status_code == 200
    new_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], (100.008, 30.008), description="楼道堆放杂物")["id"]
    city_code, staff_headers = city.city.code, auth_headers(staff)
    db.session.commit()
    db.session.remove()

    staff_sign_in(phone, live_url, city_code, "commadmin", PASSWORD)
    phone.goto("/h5/")
    assert phone.locator("nav a:has-text('待处理')").count() == 1
    phone.goto("/h5/community/cases")
    assert phone.locator(f"a.cadre-case[data-case-id='{case_id}'] .tag-hand-up").count() == 1
    check(phone, "community-triage")
    cadre_opens_case(phone, live_url, new_id)
    check(phone, "community-case-new")
    cadre_accepts(phone, live_url, new_id, note="已联系网格员")
    cadre_opens_case(phone, live_url, case_id)
    assert "需要城管拖车" in phone.locator("#hand-up-note").inner_text()
    phone.wait_for_load_state("networkidle")
    assert loaded_images(phone) == [True]
    check(phone, "community-case")
    phone.goto(f"/h5/community/cases/{case_id}/order")
    phone.fill("#order-bounty", "5000")
    assert "预算不足" in phone.locator("#budget-after").inner_text()
    check(phone, "community-order-form")

    order_id = cadre_posts_order(phone, live_url, case_id, bounty=60, expect_kind="city_management", expect_difficulty="simple")
    assert phone.locator("#order-status").inner_text() == "待抢单"
    assert db.session.get(Case, case_id).state == "ordered"
    db.session.remove()

    department_resolves(client, staff_headers, order_id)
    db.session.remove()
    phone.goto("/h5/community/orders")
    check(phone, "community-orders")
    phone.goto(f"/h5/community/orders/{order_id}")
    phone.wait_for_load_state("networkidle")
    assert loaded_images(phone) == [True, True]
    check(phone, "community-order-resolved")
    cadre_verifies(phone, live_url, order_id, note="现场已恢复通行")
    assert db.session.get(Case, case_id).state == "verified"
    db.session.remove()

    phone.goto("/h5/community/budget")
    assert phone.locator(".movements li").count() == 2  # the top-up, and the order's reserve (paid out in full)
    assert phone.locator(f".movements a[href='/h5/community/orders/{order_id}']").count() == 1
    check(phone, "community-budget")
    assert errors == []
