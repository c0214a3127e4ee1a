"""The community cadres' H5 pages over HTTP: triage lists new and handed-up cases of the cadre's own community,
the order form starts from the category with the budget beside it, resolved orders show their photos from before
and after, the budget lists its movements; everyone else is refused (403) and bad input answers 422."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, User
from gridapp.services.cases import states as S
from gridapp.services.points import ledger
from tests.support.cases import G1, G3, act, jpeg, report_at
from tests.support.factories import account, auth_headers
from tests.support.orders import fund, order_case

SPOT_A, SPOT_B, SPOT_C = (100.002, 30.002), G1, (100.008, 30.008)


@pytest.fixture
def board(client, city, cats, clock):
    """c1 funded with 1000 points; in c1 a new report, a handed-up case and an accepted one nobody handed up;
    a new report in c2; and a second community's cadre."""
    fund(city)
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    new = report_at(client, resident, cats["garbage"], SPOT_A)["id"]
    clock.advance(timedelta(minutes=1))
    handed = report_at(client, resident, cats["parking"], SPOT_B)["id"]
    assert act(client, worker, handed, "accept").status_code == 200
    assert act(client, worker, handed, "hand-up", note="需要城管拖车").status_code == 200
    quiet = report_at(client, resident, cats["wages"], SPOT_C)["id"]
    assert act(client, worker, quiet, "accept").status_code == 200
    elsewhere = report_at(client, resident, cats["garbage"], G3)["id"]
    other_cadre = account(city.city.id, "commadmin2", Role.COMMUNITY_ADMIN, region=city.c2)
    db.session.commit()
    return {"new": new, "handed": handed, "quiet": quiet, "elsewhere": elsewhere, "other_cadre": other_cadre}


def page(client, user, path: str):
    return client.get(path, headers=auth_headers(user))


def listed_cases(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-case-id="(\d+)"', html)]


def test_triage_lists_new_and_handed_up_cases_of_the_own_community(client, city, board):
    cadre = city.users[Role.COMMUNITY_ADMIN]
    response = page(client, cadre, "/h5/community/cases")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert sorted(listed_cases(html)) == sorted([board["new"], board["handed"]])
    assert "提请下单" in html
    other = page(client, board["other_cadre"], "/h5/community/cases").get_data(as_text=True)
    assert listed_cases(other) == [board["elsewhere"]]


def test_an_ordered_case_leaves_triage_even_once_the_department_works_on_it(client, city, board, clock):
    """In progress, the case could be handed up again; the hand-up before its order no longer counts."""
    cadre, staff = city.users[Role.COMMUNITY_ADMIN], auth_headers(city.users[Role.DEPARTMENT_STAFF])
    order_id = order_case(client, cadre, board["handed"], key="k1").get_json()["id"]
    assert board["handed"] not in listed_cases(page(client, cadre, "/h5/community/cases").get_data(as_text=True))
    assert client.post(f"/api/v1/orders/{order_id}/grab", headers=staff).status_code == 200
    assert client.post(f"/api/v1/orders/{order_id}/start", headers=staff).status_code == 200
    assert db.session.get(Case, board["handed"]).state == "in_progress"
    assert board["handed"] not in listed_cases(page(client, cadre, "/h5/community/cases").get_data(as_text=True))
    assert act(client, city.users[Role.GRID_WORKER], board["handed"], "hand-up", note="部门处理不了，需要住建").status_code == 200
    assert board["handed"] in listed_cases(page(client, cadre, "/h5/community/cases").get_data(as_text=True))


def test_triage_sorts_by_urgency_or_newest(client, city, board):
    cadre = city.users[Role.COMMUNITY_ADMIN]
    newest = listed_cases(page(client, cadre, "/h5/community/cases?sort=newest").get_data(as_text=True))
    assert newest == [board["handed"], board["new"]]  # reported last, listed first
    urgent = listed_cases(page(client, cadre, "/h5/community/cases").get_data(as_text=True))
    assert urgent == [board["new"], board["handed"]]  # its acceptance is due a minute before the other's arrival on site


def test_the_case_page_offers_the_cadres_actions(client, city, board):
    cadre = city.users[Role.COMMUNITY_ADMIN]
    new = page(client, cadre, f"/h5/community/cases/{board['new']}").get_data(as_text=True)
    assert 'id="accept"' in new and 'id="reject"' in new and 'id="order-link"' not in new
    handed = page(client, cadre, f"/h5/community/cases/{board['handed']}").get_data(as_text=True)
    assert 'id="order-link"' in handed and 'id="assign"' in handed and "需要城管拖车" in handed
    assert "worker1" in handed  # the grid's worker, offered for 派给网格员


def test_the_order_form_starts_from_the_category_beside_the_budget(client, city, board):
    html = page(client, city.users[Role.COMMUNITY_ADMIN], f"/h5/community/cases/{board['handed']}/order").get_data(as_text=True)
    assert re.search(r'<option value="city_management" selected>', html)
    assert re.search(r'<option value="simple" data-percent="\d+" selected>', html)
    assert re.search(r'id="budget-available">1000<', html) and re.search(r'id="budget-reserved">0<', html)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF, Role.STREET_ADMIN])
def test_other_roles_are_refused_every_page(client, city, board, role):
    user = city.users[role]
    for path in (
        "/h5/community/cases", f"/h5/community/cases/{board['handed']}", f"/h5/community/cases/{board['handed']}/order",
        "/h5/community/orders", "/h5/community/budget",
    ):
        assert page(client, user, path).status_code == 403, (role, path)


def test_another_communitys_cadre_is_refused_this_communitys_case_order_and_budget(client, city, board, clock):
    cadre, other = city.users[Role.COMMUNITY_ADMIN], board["other_cadre"]
    order_id = order_case(client, cadre, board["handed"], key="k2").get_json()["id"]
    for path in (f"/h5/community/cases/{board['handed']}", f"/h5/community/cases/{board['handed']}/order", f"/h5/community/orders/{order_id}"):
        assert page(client, other, path).status_code == 403, path
    budget = client.get(f"/api/v1/points/communities/{city.c1.id}/budget/movements", headers=auth_headers(other))
    assert budget.status_code == 403
    assert board["handed"] not in listed_cases(page(client, other, "/h5/community/orders").get_data(as_text=True))


def resolved_order(client, city, board, clock) -> int:
    staff = auth_headers(city.users[Role.DEPARTMENT_STAFF])
    order_id = order_case(client, city.users[Role.COMMUNITY_ADMIN], board["handed"], key="k3", bounty=40).get_json()["id"]
    assert client.post(f"/api/v1/orders/{order_id}/grab", headers=staff).status_code == 200
    assert client.post(f"/api/v1/orders/{order_id}/start", headers=staff).status_code == 200
    resolved = client.post(
        f"/api/v1/orders/{order_id}/resolve", headers=staff, content_type="multipart/form-data",
        data={"note": "已拖离", "photos": [(io.BytesIO(jpeg(color=(20, 160, 20))), "after.jpg")]},
    )
    assert resolved.status_code == 200, resolved.get_json()
    return order_id


def test_a_resolved_order_waits_with_its_photos_from_before_and_after(client, city, board, clock):
    order_id = resolved_order(client, city, board, clock)
    cadre = city.users[Role.COMMUNITY_ADMIN]
    listing = page(client, cadre, "/h5/community/orders").get_data(as_text=True)
    assert f'data-order-id="{order_id}"' in listing
    html = page(client, cadre, f"/h5/community/orders/{order_id}").get_data(as_text=True)
    before = re.search(r'class="cadre-thumbs before">(.*?)</div>', html, re.S).group(1)
    after = re.search(r'class="cadre-thumbs after">(.*?)</div>', html, re.S).group(1)
    assert before.count("<img") == 1 and after.count("<img") == 1
    assert 'id="verify"' in html and 'id="send-back"' in html
    verified = client.post(f"/api/v1/orders/{order_id}/verify", json={"difficulty": "simple"}, headers=auth_headers(cadre))
    assert verified.status_code == 200
    assert f'data-order-id="{order_id}"' not in page(client, cadre, "/h5/community/orders").get_data(as_text=True)
    assert 'id="verify"' not in page(client, cadre, f"/h5/community/orders/{order_id}").get_data(as_text=True)


def test_the_budget_page_and_its_movements(client, city, board, clock):
    cadre = city.users[Role.COMMUNITY_ADMIN]
    order_case(client, cadre, board["handed"], key="k4", bounty=40)
    reserved = 1000 - ledger.balance_of(city.city.id, "community", city.c1.id)
    assert reserved > 0
    movements = client.get(f"/api/v1/points/communities/{city.c1.id}/budget/movements", headers=auth_headers(cadre))
    assert movements.status_code == 200
    body = movements.get_json()
    assert [m["amount"] for m in body["items"]] == [-reserved, 1000]
    assert body["items"][0]["order_id"] is not None and body["items"][1]["order_id"] is None
    assert body["meta"]["total"] == 2
    html = page(client, cadre, "/h5/community/budget").get_data(as_text=True)
    assert f'id="budget-available">{1000 - reserved}<' in html and f'id="budget-reserved">{reserved}<' in html
    assert f"-{reserved}" in html and "+1000" in html


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.GRID_WORKER, Role.DEPARTMENT_STAFF])
def test_movements_refuse_other_roles(client, city, board, role):
    response = client.get(f"/api/v1/points/communities/{city.c1.id}/budget/movements", headers=auth_headers(city.users[role]))
    assert response.status_code == 403


@pytest.mark.parametrize("query", ["page=0", "per_page=500", "page=x", "colour=red"])
def test_movements_refuse_bad_arguments(client, city, board, query):
    response = client.get(
        f"/api/v1/points/communities/{city.c1.id}/budget/movements?{query}", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"bounty": 0},
        {"bounty": "many"},
        {"difficulty": "impossible"},
        {"deadline": "tomorrow"},
    ],
)
def test_posting_an_order_refuses_bad_input(client, city, board, clock, body):
    cadre = city.users[Role.COMMUNITY_ADMIN]
    defaults = {"bounty": 10, "deadline": (clock.now() + timedelta(days=1)).isoformat()}
    response = client.post(
        f"/api/v1/cases/{board['handed']}/order", json=defaults | body, headers=auth_headers(cadre) | {"Idempotency-Key": "bad"}
    )
    assert response.status_code == 422


def test_the_demo_cadres_pages_render(client, demo_city):
    """kc_shuji on the demo city's six weeks of history: every list, the cases and orders they lead to, and 派单."""
    cadre = db.session.scalar(select(User).where(User.city_id == demo_city, User.username == "kc_shuji"))
    community_ids = [g.region_id for g in cadre.grants]
    orderable = db.session.scalar(
        select(Case.id).where(Case.city_id == demo_city, Case.community_id.in_(community_ids), Case.state.in_(sorted(S.HAND_UP_STATES))).limit(1)
    )
    headers = auth_headers(cadre)
    home = client.get("/h5/", headers=headers).get_data(as_text=True)
    assert "/h5/community/cases" in home and "/h5/community/orders" in home and "/h5/community/budget" in home
    triage = client.get("/h5/community/cases", headers=headers)
    orders = client.get("/h5/community/orders", headers=headers)
    assert triage.status_code == orders.status_code == client.get("/h5/community/budget", headers=headers).status_code == 200
    for case_id in listed_cases(triage.get_data(as_text=True))[:5]:
        assert client.get(f"/h5/community/cases/{case_id}", headers=headers).status_code == 200, case_id
    for order_id in re.findall(r'data-order-id="(\d+)"', orders.get_data(as_text=True))[:5]:
        assert client.get(f"/h5/community/orders/{order_id}", headers=headers).status_code == 200, order_id
    assert orderable is not None
    assert client.get(f"/h5/community/cases/{orderable}/order", headers=headers).status_code == 200
