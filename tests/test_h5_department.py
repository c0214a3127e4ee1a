"""The department staff's pages over HTTP: the pool, my orders, one order with the steps its holder may take, and
my points; who is refused, and the API's answers to bad input on the calls those pages make."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from gridapp.authz import Role
from tests.support.cases import act, jpeg, report_at
from tests.support.factories import auth_headers
from tests.support.orders import order_case, points_city, post


@pytest.fixture
def ns(city, clock):
    return points_city(city, budget=1000)


def page(client, user, path: str):
    return client.get(path, headers=auth_headers(user))


def api(client, user, order_id: int, step: str, **kwargs):
    return client.post(f"/api/v1/orders/{order_id}/{step}", headers=auth_headers(user), **kwargs)


def test_the_pool_lists_what_the_department_may_grab_with_bounty_and_time_left(client, ns, city):
    parking = post(ns, title="人行道乱停车", bounty=40, difficulty="complex", hours=26)
    facility = post(ns, title="井盖破损", category=ns.facility)
    html = page(client, city.users[Role.DEPARTMENT_STAFF], "/h5/orders/pool").get_data(as_text=True)
    assert f'id="order-{parking.id}"' in html and f'id="order-{facility.id}"' not in html
    assert "60 分" in html and "赏金 40 分 × 复杂疑难" in html and "剩 1 天 2 小时" in html
    assert f'<button type="button" class="grab" data-order-id="{parking.id}"' in html
    housing = page(client, ns.housing_staff, "/h5/orders/pool").get_data(as_text=True)
    assert f'id="order-{facility.id}"' in housing and f'id="order-{parking.id}"' not in housing


def test_the_pool_is_paginated(client, ns, city):
    for n in range(21):
        post(ns, title=f"单{n}", bounty=1)
    first = page(client, city.users[Role.DEPARTMENT_STAFF], "/h5/orders/pool").get_data(as_text=True)
    assert first.count('class="order-card"') == 20 and "第 1 / 2 页" in first
    second = page(client, city.users[Role.DEPARTMENT_STAFF], "/h5/orders/pool?page=2").get_data(as_text=True)
    assert second.count('class="order-card"') == 1
    assert page(client, city.users[Role.DEPARTMENT_STAFF], "/h5/orders/pool?page=x").status_code == 200


@pytest.mark.parametrize("path", ["/h5/orders/pool", "/h5/orders/mine", "/h5/orders/{id}"])
@pytest.mark.parametrize("role", [Role.RESIDENT, Role.GRID_WORKER])
def test_residents_and_grid_workers_are_refused(client, ns, city, path, role):
    order = post(ns)
    response = page(client, city.users[role], path.format(id=order.id))
    assert response.status_code == 403 and 'data-code="forbidden"' in response.get_data(as_text=True)


def test_residents_have_no_staff_points_page(client, ns, city):
    assert page(client, city.users[Role.RESIDENT], "/h5/points/staff").status_code == 403


def test_another_departments_staff_cannot_open_an_order_they_may_not_take(client, ns, city):
    order = post(ns)  # 城管 only; the 住建 staff may not take it
    assert page(client, ns.housing_staff, f"/h5/orders/{order.id}").status_code == 403
    assert api(client, ns.housing_staff, order.id, "grab").status_code == 403
    assert api(client, city.users[Role.DEPARTMENT_STAFF], order.id, "grab").status_code == 200
    # Held by 城管 now: a colleague of the same department reads it but may not act on it.
    colleague = page(client, ns.staff2, f"/h5/orders/{order.id}").get_data(as_text=True)
    assert 'id="start"' not in colleague and "城管局 staff" in colleague
    assert api(client, ns.staff2, order.id, "start").status_code == 403


def test_the_holder_sees_the_steps_the_order_allows_now(client, ns, city, clock):
    staff = city.users[Role.DEPARTMENT_STAFF]
    order = post(ns)
    assert 'id="grab"' in page(client, staff, f"/h5/orders/{order.id}").get_data(as_text=True)
    assert api(client, staff, order.id, "grab").status_code == 200
    html = page(client, staff, f"/h5/orders/{order.id}").get_data(as_text=True)
    assert 'id="start"' in html and 'id="release-form"' in html and 'id="resolve-form"' not in html and 'id="grab"' not in html
    assert "前开始处理" in html
    clock.advance(timedelta(minutes=61))  # past the start-by time: no start button, as the API would refuse
    html = page(client, staff, f"/h5/orders/{order.id}").get_data(as_text=True)
    assert 'id="start"' not in html and 'id="release-form"' in html
    assert api(client, staff, order.id, "start").json["code"] == "start_window_passed"
    started = post(ns, title="开工的单")
    for step in ("grab", "start"):
        assert api(client, staff, started.id, step).status_code == 200
    html = page(client, staff, f"/h5/orders/{started.id}").get_data(as_text=True)
    assert 'id="resolve-form"' in html and 'id="release-form"' in html and 'id="start"' not in html
    # The community's admin reads the order too, with none of the department's steps.
    html = page(client, city.users[Role.COMMUNITY_ADMIN], f"/h5/orders/{started.id}").get_data(as_text=True)
    assert 'id="order-actions"' not in html


def test_the_order_page_shows_the_cases_before_photos_and_its_history(client, ns, city):
    staff = city.users[Role.DEPARTMENT_STAFF]
    case_id = report_at(client, city.users[Role.RESIDENT], ns.parking, address="人民路 12 号")["id"]
    assert act(client, city.users[Role.COMMUNITY_ADMIN], case_id, "accept").status_code == 200
    order_id = order_case(client, city.users[Role.COMMUNITY_ADMIN], case_id).json["id"]
    assert api(client, staff, order_id, "grab").status_code == 200
    assert api(client, staff, order_id, "start").status_code == 200
    html = page(client, staff, f"/h5/orders/{order_id}").get_data(as_text=True)
    assert 'id="before-photos"' in html and "处置前的现场照片 1" in html and "人民路 12 号" in html
    assert "社区下单" in html and "抢单" in html and "开始处理" in html
    assert 'id="resolve-form"' in html and "data-photo-picker" in html and "photos.js" in html
    detail = client.get(f"/api/v1/orders/{order_id}", headers=auth_headers(staff)).json
    assert detail["place"] == "人民路 12 号" and len(detail["before_photos"]) == 1


def test_my_orders_lists_what_the_department_holds(client, ns, city):
    staff = city.users[Role.DEPARTMENT_STAFF]
    held, other = post(ns, title="已抢的单"), post(ns, title="池里的单")
    assert api(client, staff, held.id, "grab").status_code == 200
    html = page(client, staff, "/h5/orders/mine").get_data(as_text=True)
    assert f'id="order-{held.id}"' in html and f'id="order-{other.id}"' not in html and "已抢单" in html


def test_bad_input_to_the_pages_steps_is_422(client, ns, city):
    staff = city.users[Role.DEPARTMENT_STAFF]
    order = post(ns)
    assert api(client, staff, order.id, "grab").status_code == 200
    assert api(client, staff, order.id, "release", json={"reason": ""}).status_code == 422
    assert api(client, staff, order.id, "release", json={}).status_code == 422
    assert api(client, staff, order.id, "start").status_code == 200
    no_note = api(client, staff, order.id, "resolve", data={"upload_ids": ["1"]}, content_type="multipart/form-data")
    assert no_note.status_code == 422 and "note" in no_note.json["details"]["files"]
    bad_ids = api(client, staff, order.id, "resolve", data={"note": "好了", "upload_ids": ["x"]}, content_type="multipart/form-data")
    assert bad_ids.status_code == 422


def test_my_points_show_the_balance_and_the_ledger(client, ns, city):
    staff = city.users[Role.DEPARTMENT_STAFF]
    order = post(ns, bounty=50, difficulty="ordinary")  # 60 points at 120 %, of which 8 in 10 to the staff member
    for step in ("grab", "start"):
        assert api(client, staff, order.id, step).status_code == 200
    resolved = api(client, staff, order.id, "resolve", data={"note": "已处理", "photos": [(io.BytesIO(jpeg()), "a.jpg")]},
                   content_type="multipart/form-data")
    assert resolved.status_code == 200, resolved.json
    assert api(client, city.users[Role.COMMUNITY_ADMIN], order.id, "verify", json={}).status_code == 200
    html = page(client, staff, "/h5/points/staff").get_data(as_text=True)
    assert '<strong id="balance">48</strong>' in html and "+48" in html
    assert page(client, city.users[Role.GRID_WORKER], "/h5/points/staff").status_code == 200  # grid workers hold staff points too


def test_the_staff_home_links_the_department_pages(client, ns, city):
    html = page(client, city.users[Role.DEPARTMENT_STAFF], "/h5/").get_data(as_text=True)
    assert all(link in html for link in ("/h5/orders/pool", "/h5/orders/mine", "/h5/points/staff"))
    assert "/h5/orders/pool" not in page(client, city.users[Role.RESIDENT], "/h5/").get_data(as_text=True)
