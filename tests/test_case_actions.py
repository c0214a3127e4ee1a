"""A case's `actions` are exactly what its caller may do now: each listed action succeeds, every other is refused."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from tests.support.cases import G1, act, add_categories, report_at, resolve
from tests.support.factories import auth_headers
from tests.support.orders import fund, order_case

# A body each action accepts, so a refusal can only come from the case, the caller or its role.
BODIES = {
    "accept": {}, "reject": {"reason": "invalid"}, "assign": {}, "order": {"department_kind": "city_management", "bounty": 10},
    "start": {}, "check_in": {"lat": G1[1], "lng": G1[0]}, "verify": {}, "confirm": {}, "reopen": {"note": "没有清理干净"},
    "abusive": {}, "hand_up": {"note": "占道堆放建材，需城管执法"}, "rate": {"stars": 4},
}  # fmt: skip
EVERY_ACTION = [*BODIES, "resolve", "merge"]

# How a fresh case reaches each state: (who, action) steps after the resident reports it.
PATHS = {
    "submitted": [],
    "accepted": [("worker", "accept")],
    "assigned": [("worker", "accept"), ("worker", "assign")],
    "in_progress": [("worker", "accept"), ("worker", "assign"), ("worker", "start")],
    "resolved": [("worker", "accept"), ("worker", "assign"), ("worker", "start"), ("worker", "resolve")],
    "verified": [("worker", "accept"), ("worker", "assign"), ("worker", "start"), ("worker", "resolve"), ("admin", "verify")],
    "closed": [("worker", "accept"), ("worker", "assign"), ("worker", "start"), ("worker", "resolve"), ("admin", "verify"),
               ("resident", "confirm")],
    "reopened": [("worker", "accept"), ("worker", "assign"), ("worker", "start"), ("worker", "resolve"), ("resident", "reopen")],
    "ordered": [("worker", "accept"), ("admin", "order")],
    "rejected": [("worker", "reject")],
    "merged": [("worker", "merge")],
}


@pytest.fixture
def people(city):
    return {
        "resident": city.users[Role.RESIDENT],
        "worker": city.users[Role.GRID_WORKER],
        "admin": city.users[Role.COMMUNITY_ADMIN],
        "street": city.users[Role.STREET_ADMIN],
        "outsider": city.worker4,
    }


def _do(client, user, case_id: int, action: str, target_id: int):
    if action == "resolve":
        return resolve(client, user, case_id)
    if action == "merge":
        return act(client, user, case_id, "merge", into_case_id=target_id)
    if action == "order":
        return order_case(client, user, case_id, **BODIES["order"])
    return act(client, user, case_id, action.replace("_", "-"), **BODIES[action])


def _case_in(client, people, category, state: str, target_id: int) -> int:
    case_id = report_at(client, people["resident"], category, G1, description=f"到{state}")["id"]
    for who, action in PATHS[state]:
        response = _do(client, people[who], case_id, action, target_id)
        assert response.status_code in (200, 201), (state, action, response.get_json())
    return case_id


def _listed(client, user, case_id: int) -> list[str]:
    response = client.get(f"/api/v1/cases/{case_id}", headers=auth_headers(user))
    return response.json["actions"] if response.status_code == 200 else []


@pytest.mark.parametrize("state", sorted(PATHS))
def test_listed_actions_succeed_and_the_others_are_refused(client, city, people, state):
    garbage = add_categories(city)["garbage"]
    fund(city, 100_000)
    target_id = report_at(client, people["resident"], garbage, G1, description="保留的案件")["id"]
    case_id = _case_in(client, people, garbage, state, target_id)
    for name, user in people.items():
        listed = _listed(client, user, case_id)
        assert set(listed) <= set(EVERY_ACTION), listed
        for action in EVERY_ACTION:
            if action in listed:
                continue
            refused = _do(client, user, case_id, action, target_id)
            assert refused.status_code in (403, 404, 409), (state, name, action, refused.get_json())
        for action in listed:
            fresh = _case_in(client, people, garbage, state, target_id)
            done = _do(client, user, fresh, action, target_id)
            assert done.status_code in (200, 201), (state, name, action, done.get_json())


def test_hand_up_is_offered_while_the_worker_may_hand_up(client, city, people):
    garbage = add_categories(city)["garbage"]
    case_id = _case_in(client, people, garbage, "in_progress", 0)
    assert "hand_up" in _listed(client, people["worker"], case_id)
    assert "hand_up" not in _listed(client, people["outsider"], case_id)
    assert "hand_up" not in _listed(client, people["resident"], case_id)
