"""One intake, several channels: where each report lands, who hears of it, what others may see of it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, Notification
from gridapp.services.regions import geo
from gridapp.web.links import notification_link
from tests.support.cases import G1, G3, jpeg, photo_files, post_report, report_at
from tests.support.factories import auth_headers

# --------------------------------------------------------------------------- #
# Geometry
# --------------------------------------------------------------------------- #

SQUARE_WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ],
}


@pytest.mark.parametrize(
    "point, inside",
    [((1, 1), True), ((5, 5), False), ((9.9, 5), True), ((10.1, 5), False), ((-1, 5), False), ((5, 3.9), True)],
)
def test_ray_casting_respects_holes(point, inside):
    assert geo.contains(SQUARE_WITH_HOLE, *point) is inside


def test_ray_casting_on_a_concave_multipolygon():
    l_shape = [[0, 0], [4, 0], [4, 1], [1, 1], [1, 4], [0, 4], [0, 0]]
    multi = {"type": "MultiPolygon", "coordinates": [[l_shape], [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]]}
    assert geo.contains(multi, 0.5, 3)
    assert not geo.contains(multi, 2, 2)  # in the L's notch
    assert geo.contains(multi, 10.5, 10.5)


def test_distance_to_boundary_in_metres():
    square = {"type": "Polygon", "coordinates": [[[100, 30], [100.01, 30], [100.01, 30.01], [100, 30.01], [100, 30]]]}
    assert geo.boundary_distance_m(square, 100.005, 30.005) == 0
    # 0.001° of latitude is about 111 m
    assert 105 < geo.boundary_distance_m(square, 100.005, 30.011) < 117


# --------------------------------------------------------------------------- #
# Channels through the API
# --------------------------------------------------------------------------- #


def test_categories_are_listed_for_the_callers_city(client, city, cats):
    response = client.get("/api/v1/categories", headers=auth_headers(city.users[Role.RESIDENT]))
    assert response.status_code == 200
    names = [c["name"] for c in response.json["items"]]
    assert names == ["垃圾乱堆", "车辆乱停", "欠薪"]
    wages = response.json["items"][2]
    assert wages["difficulty_label"] == "复杂疑难" and wages["default_route"] == "department"


def test_free_report_lands_in_the_grid_under_the_phone(client, city, cats):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    body = report_at(client, resident, cats["garbage"], G1, description="楼下垃圾堆了三天")
    assert body["channel"] == "location"
    assert body["state"] == "submitted"
    assert body["grid"]["id"] == city.g1.id and body["community"]["id"] == city.c1.id
    assert body["outside_grid"] is False
    assert len(body["photos"]) == 1 and body["photos"][0]["kind"] == "before"
    note = db.session.scalar(select(Notification).where(Notification.user_id == worker.id))
    assert note.title == "新案件：垃圾乱堆" and (note.target_kind, note.target_id) == ("case", body["id"])
    assert notification_link(note) == f"/h5/reports/{body['id']}"
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == body["id"])).all()
    assert [(e.action, e.from_state, e.to_state, e.actor_user_id) for e in events] == [("submit", None, "submitted", resident.id)]


def test_report_in_another_community_goes_to_that_grid(client, city, cats):
    body = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G3)
    assert body["grid"]["id"] == city.g3.id and body["community"]["id"] == city.c2.id


def test_outside_every_grid_goes_to_the_nearest_community_flagged(client, city, cats):
    # Just north of g3 (community c2), far from c1's grids.
    body = report_at(client, city.users[Role.RESIDENT], cats["garbage"], (100.025, 30.0105))
    assert body["grid"] is None
    assert body["community"]["id"] == city.c2.id
    assert body["outside_grid"] is True
    # The community's admin is not c2's (commadmin holds c1), so nobody in c1 is told; the case waits in c2's queue.
    case = db.session.get(Case, body["id"])
    assert case.region_path == city.c2.path


def test_far_outside_the_city_is_refused(client, city, cats):
    response = post_report(client, city.users[Role.RESIDENT], category=cats["garbage"], lng=120.0, lat=45.0)
    assert response.status_code == 422
    assert response.json["code"] == "outside_service_area"
    assert db.session.scalar(select(Case.id)) is None


def test_report_needs_a_photo_and_a_place(client, city, cats):
    resident = city.users[Role.RESIDENT]
    no_photo = post_report(client, resident, category=cats["garbage"], photos=[], lng=G1[0], lat=G1[1])
    assert no_photo.status_code == 422 and no_photo.json["code"] == "photos_required"
    ten = post_report(client, resident, category=cats["garbage"], photos=photo_files(*[jpeg()] * 10), lng=G1[0], lat=G1[1])
    assert ten.status_code == 422 and "最多上传 9 张" in ten.json["message"]
    nowhere = post_report(client, resident, category=cats["garbage"])
    assert nowhere.status_code == 422 and "位置" in nowhere.json["message"]
    half = post_report(client, resident, category=cats["garbage"], lat=G1[1])
    assert half.status_code == 422
    unknown = post_report(client, resident, category=cats["garbage"], lng=G1[0], lat=G1[1], colour="red")
    assert unknown.status_code == 422


def test_anonymous_report_hides_the_reporter_from_staff(client, city, cats):
    resident, admin = city.users[Role.RESIDENT], city.users[Role.COMMUNITY_ADMIN]
    body = report_at(client, resident, cats["garbage"], G1, anonymous="true")
    seen = client.get(f"/api/v1/cases/{body['id']}", headers=auth_headers(admin)).json
    assert seen["reporter"] == "匿名群众"
    assert seen["events"][0]["actor"] == "匿名群众"
    own = client.get(f"/api/v1/cases/{body['id']}", headers=auth_headers(resident)).json
    assert own["reporter"] == resident.display_name
    refused = post_report(client, resident, category=cats["garbage"], lng=G1[0], lat=G1[1], anonymous="true", contact_phone="13911112222")
    assert refused.status_code == 422


def test_patrol_report_is_accepted_and_assigned_to_the_worker(client, city, cats):
    worker = city.users[Role.GRID_WORKER]
    data = {"category_id": str(cats["garbage"].id), "description": "巡查发现", "photos": photo_files(jpeg())}
    response = client.post("/api/v1/cases/patrol", data=data, headers=auth_headers(worker), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["channel"] == "patrol" and body["state"] == "assigned"
    assert body["grid"]["id"] == city.g1.id and body["handler"]["id"] == worker.id
    assert body["resolve_due_at"] is not None
    events = db.session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == body["id"]).order_by(CaseEvent.id)).all()
    assert events == ["submit", "accept", "assign"]
    elsewhere = client.post(
        "/api/v1/cases/patrol",
        data={"category_id": str(cats["garbage"].id), "lng": str(G3[0]), "lat": str(G3[1]), "photos": photo_files(jpeg())},
        headers=auth_headers(worker), content_type="multipart/form-data",
    )  # fmt: skip
    assert elsewhere.status_code == 403


def test_hotline_call_keeps_the_callers_number_private(client, city, cats):
    admin, worker, resident = city.users[Role.COMMUNITY_ADMIN], city.users[Role.GRID_WORKER], city.users[Role.RESIDENT]
    data = {
        "category_id": str(cats["wages"].id), "description": "工地拖欠工资两个月", "grid_id": str(city.g1.id),
        "contact_name": "李建国", "contact_phone": "13712345678",
    }  # fmt: skip
    response = client.post("/api/v1/cases/hotline", data=data, headers=auth_headers(admin), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["channel"] == "hotline" and body["photos"] == []
    assert body["contact"] == {"name": "李建国", "phone": "13712345678"}  # the community calls back
    as_worker = client.get(f"/api/v1/cases/{body['id']}", headers=auth_headers(worker)).json
    assert as_worker["contact"] == {"name": "李*国", "phone": "137****5678"}
    for above in (Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN):  # officials over the community: masked
        seen = client.get(f"/api/v1/cases/{body['id']}", headers=auth_headers(city.users[above])).json
        assert seen["contact"] == {"name": "李*国", "phone": "137****5678"}, above
    case = db.session.get(Case, body["id"])
    assert case.reporter_user_id is None and case.entered_by_user_id == admin.id
    assert client.get(f"/api/v1/cases/{body['id']}", headers=auth_headers(resident)).status_code == 404
    outside = dict(data, grid_id=str(city.g4.id))
    assert client.post("/api/v1/cases/hotline", data=outside, headers=auth_headers(admin), content_type="multipart/form-data").status_code == 403


def test_staff_list_follows_the_region_tree(client, city, cats):
    resident = city.users[Role.RESIDENT]
    in_g1 = report_at(client, resident, cats["garbage"], G1)["id"]
    in_g3 = report_at(client, resident, cats["garbage"], G3)["id"]

    def ids(role, **query):
        response = client.get("/api/v1/cases", query_string=query, headers=auth_headers(city.users[role]))
        assert response.status_code == 200, response.json
        return {c["id"] for c in response.json["items"]}

    assert ids(Role.GRID_WORKER) == {in_g1}
    assert ids(Role.COMMUNITY_ADMIN) == {in_g1}
    assert ids(Role.STREET_ADMIN) == {in_g1, in_g3}
    assert ids(Role.STREET_ADMIN, state="open") == {in_g1, in_g3}
    assert ids(Role.STREET_ADMIN, state="closed") == set()
    assert ids(Role.SUPER_ADMIN) == {in_g1, in_g3}
    worker4 = client.get("/api/v1/cases", headers=auth_headers(city.worker4)).json
    assert worker4["items"] == []
    assert client.get(f"/api/v1/cases/{in_g1}", headers=auth_headers(city.worker4)).status_code == 403
