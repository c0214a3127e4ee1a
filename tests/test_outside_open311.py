"""A case of a category with an outside Open311 endpoint is sent on to it (requests.json with api_key), its id
kept, and the outside system's updates land on the case's timeline once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import CaseEvent, Category, ExternalEndpoint, ExternalRequest
from gridapp.services.open311 import outside
from tests.support.cases import G1, add_categories
from tests.support.open311 import json_body, new_key
from tests.support.outside_open311 import outside_system


@pytest.fixture
def their_system():
    with outside_system() as fake:
        yield fake


def test_a_case_is_sent_on_and_its_updates_land_on_the_timeline_once(client, city, their_system):
    add_categories(city)
    category = db.session.scalar(select(Category).where(Category.city_id == city.city.id, Category.code == "garbage"))
    db.session.add(
        ExternalEndpoint(
            city_id=city.city.id, name="环卫公司系统", category_id=category.id, base_url=their_system.base_url,
            api_key="their-key", jurisdiction_id="hw", service_code="RUBBISH",
        )
    )  # fmt: skip
    db.session.commit()
    data = {"api_key": new_key(city), "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]),
            "description": "路边垃圾未清运"}  # fmt: skip
    case_id = int(json_body(client.post("/open311/v2/requests.json", data=data))[0]["service_request_id"])

    [posted] = their_system.posted
    assert posted["api_key"] == "their-key" and posted["service_code"] == "RUBBISH" and posted["jurisdiction_id"] == "hw"
    assert posted["description"] == "路边垃圾未清运" and posted["lat"] == str(G1[1])
    row = db.session.scalar(select(ExternalRequest).where(ExternalRequest.case_id == case_id))
    assert row.service_request_id == "EXT-1"

    their_system.updates = [
        {"update_id": "u1", "service_request_id": "EXT-1", "status": "in_progress", "description": "已派车"},
        {"update_id": "u2", "service_request_id": "EXT-1", "status": "closed", "description": "已清运"},
        {"update_id": "u3", "service_request_id": "EXT-9", "status": "closed", "description": "别人的"},
    ]  # fmt: skip
    assert outside.fetch_updates(city.city.id, row.endpoint_id) == 2
    assert outside.fetch_updates(city.city.id, row.endpoint_id) == 0
    steps = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == outside.UPDATE_ACTION).order_by(CaseEvent.id)
    ).all()
    assert [(e.note, e.actor_user_id) for e in steps] == [
        ("环卫公司系统（in_progress）：已派车", None), ("环卫公司系统（closed）：已清运", None)
    ]  # fmt: skip
    assert outside.send(city.city.id, row.id) == "EXT-1" and len(their_system.posted) == 1  # a re-run sends nothing


def test_without_the_updates_extension_each_request_status_is_read_until_closed(client, city):
    add_categories(city)
    category = db.session.scalar(select(Category).where(Category.city_id == city.city.id, Category.code == "garbage"))
    with outside_system(updates_extension=False) as plain:
        endpoint = ExternalEndpoint(
            city_id=city.city.id, name="区环卫平台", category_id=category.id, base_url=plain.base_url, api_key="their-key",
            service_code="RUBBISH",
        )  # fmt: skip
        db.session.add(endpoint)
        db.session.commit()
        data = {"api_key": new_key(city), "service_code": "garbage", "lat": str(G1[1]), "long": str(G1[0]),
                "description": "垃圾满溢"}  # fmt: skip
        case_id = int(json_body(client.post("/open311/v2/requests.json", data=data))[0]["service_request_id"])
        assert outside.fetch_updates(city.city.id, endpoint.id) == 0  # not published there yet (404)

        plain.statuses["EXT-1"] = {"status": "open", "status_notes": "已受理", "updated_datetime": "2026-12-02T09:00:00Z"}
        assert outside.fetch_updates(city.city.id, endpoint.id) == 1
        assert outside.fetch_updates(city.city.id, endpoint.id) == 0  # the same status again is no news
        plain.statuses["EXT-1"] = {"status": "closed", "status_notes": "已清运", "updated_datetime": "2026-12-02T11:00:00Z"}
        assert outside.fetch_updates(city.city.id, endpoint.id) == 1
        asked = len(plain.asked)
        assert outside.fetch_updates(city.city.id, endpoint.id) == 0
        assert plain.asked[asked:] == ["/v2/servicerequestupdates.json"]  # a request closed there is not read again

    notes = db.session.scalars(
        select(CaseEvent.note).where(CaseEvent.case_id == case_id, CaseEvent.action == outside.UPDATE_ACTION).order_by(CaseEvent.id)
    ).all()
    assert notes == ["区环卫平台（open）：已受理", "区环卫平台（closed）：已清运"]
    assert "/v2/requests/EXT-1.json" in plain.asked
