"""The grid worker's rounds over HTTP: their patrol reports, a visit opened by a reverse scan, and the household's
visit history with the scope the API gives it."""
from __future__ import annotations

import io

from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import HouseholdAccessLog
from tests.support.cases import G1, jpeg, photo_files, report_at
from tests.support.factories import auth_headers


def patrol(client, worker, category, **fields):
    data = {"category_id": str(category.id), "lng": str(G1[0]), "lat": str(G1[1]), **fields}
    return client.post("/api/v1/cases/patrol", data=data, headers=auth_headers(worker), content_type="multipart/form-data")


def upload(client, user) -> int:
    photo = (io.BytesIO(jpeg(800, 600)), "IMG_0001.jpg")
    response = client.post("/api/v1/uploads", data={"photo": photo}, headers=auth_headers(user), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_a_worker_lists_their_own_patrol_reports_newest_first(client, city, cats):
    worker = city.users[Role.GRID_WORKER]
    first = patrol(client, worker, cats["garbage"], description="垃圾满溢", photos=photo_files(jpeg()))
    assert first.status_code == 201, first.json
    second = patrol(client, worker, cats["garbage"], description="占道堆放", upload_ids=[str(upload(client, worker))])
    assert second.status_code == 201, second.json
    report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)  # a resident's report is not a patrol

    page = client.get("/api/v1/cases/patrol?per_page=1", headers=auth_headers(worker)).json
    assert page["meta"] == {"page": 1, "per_page": 1, "total": 2, "pages": 2}
    assert [c["id"] for c in page["items"]] == [second.json["id"]]
    assert page["items"][0]["channel"] == "patrol" and page["items"][0]["state"] == "assigned"
    assert client.get("/api/v1/cases/patrol", headers=auth_headers(city.worker4)).json["meta"]["total"] == 0

    assert client.get("/api/v1/cases/patrol?per_page=0", headers=auth_headers(worker)).status_code == 422
    for role in (Role.RESIDENT, Role.COMMUNITY_ADMIN, Role.DEPARTMENT_STAFF):
        assert client.get("/api/v1/cases/patrol", headers=auth_headers(city.users[role])).status_code == 403


def test_patrol_refuses_bad_input_and_other_roles(client, city, cats):
    worker = city.users[Role.GRID_WORKER]
    assert patrol(client, worker, cats["garbage"]).status_code == 422  # no photo
    assert patrol(client, worker, cats["garbage"], upload_ids=["x"]).status_code == 422
    assert patrol(client, worker, cats["garbage"], lat="91", photos=photo_files(jpeg())).status_code == 422
    assert patrol(client, city.users[Role.RESIDENT], cats["garbage"], photos=photo_files(jpeg())).status_code == 403


def test_a_visit_from_a_reverse_scan_appears_in_the_households_history(client, city, places):
    worker = city.users[Role.GRID_WORKER]
    view = client.get(f"/api/v1/scan/{places.tokens['household_indoor']}", headers=auth_headers(worker)).json
    household_id, visit_id = view["household"]["id"], view["visit"]["id"]
    recorded = client.post(
        f"/api/v1/visits/{visit_id}", headers=auth_headers(worker), content_type="multipart/form-data",
        data={"notes": "老人独居，已登记用药需求", "upload_ids": [str(upload(client, worker))]},
    )
    assert recorded.status_code == 200, recorded.json
    assert len(recorded.json["photos"]) == 1

    url = f"/api/v1/households/{household_id}/visits"
    history = client.get(url, headers=auth_headers(worker))
    assert history.status_code == 200, history.json
    assert history.json["meta"]["total"] == 1
    entry = history.json["items"][0]
    assert (entry["id"], entry["notes"], entry["worker"]["display_name"]) == (visit_id, "老人独居，已登记用药需求", worker.display_name)
    assert entry["photos"] == recorded.json["photos"]
    assert client.get(url, headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).status_code == 200

    vias = db.session.scalars(select(HouseholdAccessLog.via).where(HouseholdAccessLog.household_id == household_id)).all()
    assert vias.count("visits") == 2  # every read of the history is a read of the household


def test_visit_history_is_for_the_households_grid_and_the_officials_over_it(client, city, places):
    url = f"/api/v1/households/{places.household.id}/visits"
    assert client.get(url, headers=auth_headers(city.worker4)).status_code == 403  # another grid's worker
    for role in (Role.RESIDENT, Role.DEPARTMENT_STAFF):
        assert client.get(url, headers=auth_headers(city.users[role])).status_code == 403
    member = auth_headers(places.member_user)  # living there does not open the staff's notes
    assert client.get(url, headers=member).status_code == 403
    worker = auth_headers(city.users[Role.GRID_WORKER])
    assert client.get(f"{url}?page=0", headers=worker).status_code == 422
    assert client.get(f"{url}?sort=old", headers=worker).status_code == 422
    assert client.get("/api/v1/households/999999/visits", headers=worker).status_code == 404


def test_visit_notes_refuse_bad_input_and_other_workers(client, city, places):
    worker = auth_headers(city.users[Role.GRID_WORKER])
    visit_id = client.get(f"/api/v1/scan/{places.tokens['household_indoor']}", headers=worker).json["visit"]["id"]
    url = f"/api/v1/visits/{visit_id}"
    for data in ({"notes": "长" * 2001}, {"notes": "x", "upload_ids": ["x"]}, {"notes": "x", "upload_ids": ["0"]}):
        assert client.post(url, headers=worker, content_type="multipart/form-data", data=data).status_code == 422
    assert client.post(url, headers=auth_headers(city.users[Role.RESIDENT]), data={"notes": "x"}).status_code == 403
    someone_elses = upload(client, city.worker4)
    refused = client.post(url, headers=worker, content_type="multipart/form-data", data={"notes": "x", "upload_ids": [str(someone_elses)]})
    assert (refused.status_code, refused.json["code"]) == (422, "upload_unusable")  # another person's upload is never claimed


def test_the_history_page_follows_the_same_scope(client, city, places):
    page = f"/h5/households/{places.household.id}/visits"
    mine = client.get(page, headers=auth_headers(city.users[Role.GRID_WORKER]))
    assert mine.status_code == 200 and "3号楼2单元502室" in mine.get_data(as_text=True)
    assert client.get(page, headers=auth_headers(city.worker4)).status_code == 403
    assert client.get(page, headers=auth_headers(city.users[Role.RESIDENT])).status_code == 403
    assert client.get("/h5/visits/scan", headers=auth_headers(city.users[Role.RESIDENT])).status_code == 403
    assert client.get("/h5/patrol", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).status_code == 403
