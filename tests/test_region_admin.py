"""Administering the region tree over the API: import (GeoJSON, CSV, XLSX) all or nothing, edit, move, retire,
each inside the caller's subtree, and every refusal changes nothing."""

from __future__ import annotations

import io
import json

from openpyxl import Workbook
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, Region, SetupChange
from tests.support.cases import G1, report_at
from tests.support.factories import auth_headers, square


def upload(client, user, name: str, data: bytes):
    return client.post(
        "/api/v1/regions/import",
        data={"file": (io.BytesIO(data), name)},
        headers=auth_headers(user),
        content_type="multipart/form-data",
    )


def feature(code, name, level, parent, geometry=None):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
        "geometry": geometry,
    }


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


BOWTIE = {"type": "Polygon", "coordinates": [[[110, 40], [110.01, 40.01], [110.01, 40], [110, 40.01], [110, 40]]]}


def region_count() -> int:
    return db.session.scalar(select(func.count(Region.id)))


def by_code(code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def test_a_system_admin_imports_a_tree_from_geojson_and_hears_of_overlaps(client, city):
    body = collection(
        feature("d9", "九区", "district", ""),
        feature("s9", "九街道", "street", "d9"),
        feature("c9", "九社区", "社区", "s9"),
        feature("g9a", "九甲网格", "grid", "c9", square(110.0, 40.0)),
        feature("g9b", "九乙网格", "grid", "c9", square(110.005, 40.0)),  # half over g9a
    )
    response = upload(client, city.users[Role.SYSTEM_ADMIN], "tree.geojson", body)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert result["created"] == 5 and result["by_level"] == {"district": 1, "street": 1, "community": 1, "grid": 2}
    assert [(w["code"], w["overlaps"]) for w in result["warnings"]] == [("g9a", "g9b")]
    d9, s9, c9, g9a = by_code("d9"), by_code("s9"), by_code("c9"), by_code("g9a")
    assert d9.parent_id == city.root.id and g9a.path == f"{city.root.path}{d9.id}/{s9.id}/{c9.id}/{g9a.id}/"
    assert g9a.min_lng == 110.0 and g9a.boundary_geojson
    logged = db.session.scalar(select(func.count(SetupChange.id)).where(SetupChange.action == "import"))
    assert logged == 5


def test_a_bad_file_imports_nothing_and_names_every_bad_row(client, city):
    sheet = io.StringIO()
    sheet.write("编码,名称,层级,上级编码,边界\n")
    sheet.write(f"c8,八社区,community,{city.s1.code},\n")
    sheet.write("g8,八网格,grid,c8," + json.dumps(BOWTIE).replace('"', '""').join('""') + "\n")
    sheet.write("g8x,网格,grid,nowhere,\n")
    sheet.write(f"{city.g1.code},重复,grid,c8,\n")
    sheet.write("s8,街道,community,c8,\n")
    before = region_count()
    response = upload(client, city.users[Role.SYSTEM_ADMIN], "tree.csv", sheet.getvalue().encode("utf-8"))
    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "import_invalid"
    problems = {(e["row"], e["field"]) for e in error["details"]["errors"]}
    assert problems == {(3, "boundary"), (4, "parent_code"), (5, "code"), (6, "level")}
    assert region_count() == before


def test_geojson_errors_name_the_feature(client, city):
    body = collection(
        feature("gx", "网格", "grid", city.c1.code), feature("", "无编码", "grid", city.c1.code, square(100, 30))
    )
    response = upload(client, city.users[Role.SYSTEM_ADMIN], "tree.geojson", body)
    assert response.status_code == 422
    assert {(e["feature"], e["field"]) for e in response.get_json()["details"]["errors"]} == {
        (1, "geometry"),
        (2, "code"),
    }


def test_xlsx_imports_under_the_callers_own_node_only(client, city):
    book = Workbook()
    book.active.append(["code", "name", "level", "parent_code"])
    book.active.append(["c7", "七社区", "community", city.s1.code])
    out = io.BytesIO()
    book.save(out)
    street_admin = city.users[Role.STREET_ADMIN]
    assert upload(client, street_admin, "tree.xlsx", out.getvalue()).status_code == 201
    assert by_code("c7").parent_id == city.s1.id

    outside = collection(feature("c6", "六社区", "community", city.s2.code))
    response = upload(client, street_admin, "tree.geojson", outside)
    assert response.status_code == 422
    assert response.get_json()["details"]["errors"][0]["field"] == "parent_code"
    assert by_code("c6") is None
    for role in (Role.GRID_WORKER, Role.DEPARTMENT_ADMIN, Role.RESIDENT):
        assert upload(client, city.users[role], "tree.geojson", outside).status_code == 403, role


def test_templates_download_for_admins(client, city):
    admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    csv_template = client.get("/api/v1/regions/import-template?format=csv", headers=admin)
    assert csv_template.status_code == 200 and csv_template.data.decode("utf-8-sig").startswith(
        "编码,名称,层级,上级编码,边界"
    )
    geojson = client.get("/api/v1/regions/import-template?format=geojson", headers=admin).get_json()
    assert geojson["type"] == "FeatureCollection" and len(geojson["features"]) == 4
    xlsx = client.get("/api/v1/admin/imports/households/template?format=xlsx", headers=admin)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    households = client.get("/api/v1/admin/imports/households/template", headers=admin)
    assert households.data.decode("utf-8-sig").startswith("网格编码,楼栋,单元,楼层,房号")
    assert (
        client.get("/api/v1/regions/import-template", headers=auth_headers(city.users[Role.GRID_WORKER])).status_code
        == 403
    )


def test_admins_edit_only_below_their_own_node(client, city):
    community_admin = auth_headers(city.users[Role.COMMUNITY_ADMIN])
    assert (
        client.patch(f"/api/v1/regions/{city.c1.id}", json={"name": "改名"}, headers=community_admin).status_code == 403
    )
    assert (
        client.patch(f"/api/v1/regions/{city.g4.id}", json={"name": "改名"}, headers=community_admin).status_code == 403
    )
    assert (
        client.patch(
            f"/api/v1/regions/{city.g1.id}", json={"name": "改名"}, headers=auth_headers(city.users[Role.GRID_WORKER])
        ).status_code
        == 403
    )
    bad = client.patch(f"/api/v1/regions/{city.g1.id}", json={"boundary": BOWTIE}, headers=community_admin)
    assert bad.status_code == 422
    db.session.expire_all()
    assert by_code(city.g1.code).name == "一网格" and by_code(city.g1.code).min_lng == 100.0

    moved = square(100.005, 30.0)  # half over g2 (100.01-100.02)
    response = client.patch(
        f"/api/v1/regions/{city.g1.id}", json={"name": "新一网格", "boundary": moved}, headers=community_admin
    )
    assert response.status_code == 200
    assert response.get_json()["region"]["name"] == "新一网格"
    assert [w["overlaps"] for w in response.get_json()["warnings"]] == [city.g2.code]
    change = db.session.scalar(select(SetupChange).where(SetupChange.action == "edit"))
    assert json.loads(change.before_json)["name"] == "一网格" and json.loads(change.after_json)["name"] == "新一网格"
    history = client.get(f"/api/v1/regions/{city.g1.id}/changes", headers=community_admin).get_json()
    assert history["meta"]["total"] == 1 and history["items"][0]["actor"] == "commadmin"


def test_moving_a_grid_moves_its_paths_and_closed_cases_keep_theirs(client, city, cats):
    street_admin = auth_headers(city.users[Role.STREET_ADMIN])
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1)["id"]
    refused = client.post(f"/api/v1/regions/{city.g1.id}/move", json={"parent_id": city.c2.id}, headers=street_admin)
    assert refused.status_code == 422 and refused.get_json()["code"] == "region_has_open_work"
    assert by_code(city.g1.code).parent_id == city.c1.id

    case = db.session.get(Case, case_id)
    case.state = "closed"
    old_path = case.region_path
    db.session.commit()
    outside = client.post(f"/api/v1/regions/{city.g1.id}/move", json={"parent_id": city.c3.id}, headers=street_admin)
    assert outside.status_code == 403
    response = client.post(f"/api/v1/regions/{city.g1.id}/move", json={"parent_id": city.c2.id}, headers=street_admin)
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    g1 = by_code(city.g1.code)
    assert g1.parent_id == city.c2.id and g1.path == f"{city.c2.path}{g1.id}/"
    assert db.session.get(Case, case_id).region_path == old_path
    wrong_level = client.post(
        f"/api/v1/regions/{city.g2.id}/move", json={"parent_id": city.s1.id}, headers=street_admin
    )
    assert wrong_level.status_code == 422


def test_moving_a_street_moves_the_whole_subtree(client, city):
    response = client.post(
        f"/api/v1/regions/{city.s1.id}/move",
        json={"parent_id": city.d2.id},
        headers=auth_headers(city.users[Role.SYSTEM_ADMIN]),
    )
    assert response.status_code == 200
    db.session.expire_all()
    g3 = by_code(city.g3.code)
    assert g3.path.startswith(f"{city.d2.path}{city.s1.id}/") and g3.parent_id == city.c2.id
    # The worker's grant names g1 by id, so their scope follows the move.
    assert (
        client.get(f"/api/v1/regions/{city.g1.id}", headers=auth_headers(city.users[Role.GRID_WORKER])).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/regions/{city.g1.id}", headers=auth_headers(city.users[Role.DISTRICT_ADMIN])).status_code
        == 403
    )


def test_retiring_refuses_nodes_still_in_use_and_a_retired_grid_takes_no_reports(client, city, cats):
    street_admin = auth_headers(city.users[Role.STREET_ADMIN])
    busy = client.post(f"/api/v1/regions/{city.c1.id}/retire", json={}, headers=street_admin)
    assert busy.status_code == 422 and "下级区域" in busy.get_json()["message"]
    staffed = client.post(f"/api/v1/regions/{city.g1.id}/retire", json={}, headers=street_admin)
    assert staffed.status_code == 422 and "授权" in staffed.get_json()["message"]
    assert by_code(city.g1.code).retired_at is None

    assert (
        client.post(
            f"/api/v1/regions/{city.g2.id}/retire",
            json={"note": "并入一网格"},
            headers=auth_headers(city.users[Role.GRID_WORKER]),
        ).status_code
        == 403
    )
    response = client.post(f"/api/v1/regions/{city.g2.id}/retire", json={"note": "并入一网格"}, headers=street_admin)
    assert response.status_code == 200 and response.get_json()["retired"] is True
    # A point inside g2 now lies in no grid: the nearest live grid's community takes it, flagged.
    case = report_at(client, city.users[Role.RESIDENT], cats["garbage"], (100.015, 30.005))
    assert case["grid"] is None and case["outside_grid"] is True
    late_child = collection(feature("g2x", "子网格", "grid", city.g2.code, square(100.5, 30.5)))
    assert upload(client, city.users[Role.SYSTEM_ADMIN], "x.geojson", late_child).status_code == 422
