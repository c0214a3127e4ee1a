"""Maps API: where a spot lies (in any of the three coordinate systems), a community's outlines and its recent
reports with nobody's identity; reports, repeats and follows sent in GCJ-02 stored and compared as WGS-84."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case
from gridapp.services.regions import coordinates
from gridapp.services.regions.geo import distance_m
from tests.support.cases import G1, G3, act, post_report, report_at
from tests.support.factories import auth_headers


def gcj(point):
    return coordinates.wgs84_to_gcj02(*point)


def test_place_takes_positions_in_any_system(client, city):
    resident = city.users[Role.RESIDENT]
    headers = auth_headers(resident)
    plain = client.get(f"/api/v1/map/place?lat={G1[1]}&lng={G1[0]}", headers=headers)
    assert plain.status_code == 200
    assert plain.json == {"community": {"id": city.c1.id, "name": "一社区"}, "grid": {"id": city.g1.id, "name": "一网格"}, "outside_grid": False}
    lng, lat = gcj(G1)
    shifted = client.get(f"/api/v1/map/place?lat={lat}&lng={lng}&coord_system=gcj02", headers=headers).json
    assert shifted == plain.json
    baidu = coordinates.gcj02_to_bd09(lng, lat)
    assert client.get(f"/api/v1/map/place?lat={baidu[1]}&lng={baidu[0]}&coord_system=bd09", headers=headers).json == plain.json
    outside = client.get("/api/v1/map/place?lat=30.005&lng=100.05", headers=headers).json
    assert outside["grid"] is None and outside["outside_grid"] is True


def test_bad_spots_are_refused(client, city):
    headers = auth_headers(city.users[Role.RESIDENT])
    for query in ("lat=30&lng=100&coord_system=mars", "lat=91&lng=100", "lat=30", "lat=30&lng=100&zoom=3"):
        assert client.get(f"/api/v1/map/place?{query}", headers=headers).status_code == 422, query
    far = client.get("/api/v1/map/place?lat=-40&lng=-70", headers=headers)
    assert far.status_code == 422 and far.json["code"] == "outside_service_area"
    assert client.get("/api/v1/map/place?lat=30&lng=100").status_code == 401


def test_community_boundaries_are_geojson_of_its_grids(client, city):
    headers = auth_headers(city.users[Role.GRID_WORKER])
    body = client.get(f"/api/v1/map/communities/{city.c1.id}/boundaries", headers=headers).json
    assert body["type"] == "FeatureCollection"
    assert [(f["properties"]["name"], f["properties"]["level"]) for f in body["features"]] == [("一网格", "grid"), ("二网格", "grid")]
    assert body["features"][0]["geometry"]["type"] == "Polygon"
    for missing in (city.g1.id, city.d1.id, 987654):
        response = client.get(f"/api/v1/map/communities/{missing}/boundaries", headers=headers)
        assert response.status_code == 404 and response.json["code"] == "community_not_found"


def test_recent_reports_show_what_and_where_never_who(client, city, cats, clock):
    resident = city.users[Role.RESIDENT]
    mine = report_at(client, resident, cats["garbage"], G1, description="王家门口", contact_name="王小明", contact_phone="13912345678")
    report_at(client, resident, cats["garbage"], G3)  # another community
    old = report_at(client, resident, cats["parking"], G1)
    assert act(client, city.users[Role.GRID_WORKER], old["id"], "abusive", note="恶意").status_code == 200
    page = client.get(f"/api/v1/map/communities/{city.c1.id}/reports", headers=auth_headers(city.users[Role.STREET_ADMIN])).json
    assert page["meta"]["total"] == 1
    (pin,) = page["items"]
    assert set(pin) == {"id", "category", "state", "state_label", "place_label", "lat", "lng", "created_at"}
    assert pin["id"] == mine["id"] and pin["state_label"] == "待受理" and pin["lat"] == round(G1[1], 4)
    assert "王" not in str(pin) and "139" not in str(pin)
    clock.advance(timedelta(days=31))
    assert client.get(f"/api/v1/map/communities/{city.c1.id}/reports", headers=auth_headers(resident)).json["meta"]["total"] == 0
    assert client.get(f"/api/v1/map/communities/{city.c1.id}/reports?per_page=101", headers=auth_headers(resident)).status_code == 422


def test_a_report_sent_in_gcj02_is_stored_in_wgs84(client, city, cats):
    resident = city.users[Role.RESIDENT]
    lng, lat = gcj(G1)
    response = post_report(client, resident, category=cats["garbage"], lng=lng, lat=lat, coord_system="gcj02")
    assert response.status_code == 201, response.json
    case = db.session.scalar(select(Case).where(Case.id == response.json["id"]))
    assert distance_m(case.lat, case.lng, G1[1], G1[0]) < 1 and case.grid_id == city.g1.id
    assert post_report(client, resident, category=cats["garbage"], lng=lng, lat=lat, coord_system="mars").status_code == 422


def test_repeats_and_follows_compare_gcj02_positions_as_wgs84(client, city, cats):
    from gridapp.services.accounts.users import grant_role, new_user

    first = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    neighbour = new_user(city.city.id, "邻居", phone="13900000096")
    grant_role(neighbour, Role.RESIDENT)
    db.session.commit()
    lng, lat = gcj(G1)
    spot = {"lat": lat, "lng": lng, "coord_system": "gcj02"}
    headers = auth_headers(neighbour)
    query = f"category_id={cats['garbage'].id}&lat={lat}&lng={lng}"
    assert client.get(f"/api/v1/reports/similar?{query}", headers=headers).json == []  # read as WGS-84: 500 m away
    offered = client.get(f"/api/v1/reports/similar?{query}&coord_system=gcj02", headers=headers).json
    assert [c["id"] for c in offered] == [first]
    assert client.post(f"/api/v1/cases/{first}/follow", json=spot, headers=headers).status_code == 200
