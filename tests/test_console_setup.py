"""The console's setup sections: the region tree, departments, categories and record imports render for admins
(each within their part of the city) and refuse staff who administer nothing."""

from __future__ import annotations

from gridapp.authz import Role
from tests.support.factories import auth_headers

PAGES = ("/console/regions", "/console/departments", "/console/categories", "/console/imports")


def test_the_setup_sections_render_for_a_system_admin(client, city, cats):
    headers = auth_headers(city.users[Role.SYSTEM_ADMIN])
    tree = client.get(f"/console/regions?id={city.s1.id}", headers=headers).get_data(as_text=True)
    assert city.c1.name in tree and city.c2.name in tree and 'id="move-parent"' in tree
    assert "/api/v1/regions/import-template?format=geojson" in tree
    departments = client.get("/console/departments", headers=headers).get_data(as_text=True)
    assert city.department.name in departments and 'id="department-form"' in departments
    categories = client.get("/console/categories", headers=headers).get_data(as_text=True)
    assert "车辆乱停" in categories and 'id="category-form"' in categories
    imports = client.get("/console/imports", headers=headers).get_data(as_text=True)
    assert "/api/v1/admin/imports/households/template?format=csv" in imports and 'id="sheet-form"' in imports


def test_an_official_sees_only_their_part_and_no_city_wide_forms(client, city):
    headers = auth_headers(city.users[Role.STREET_ADMIN])
    tree = client.get("/console/regions", headers=headers).get_data(as_text=True)
    assert city.s1.name in tree and city.d2.name not in tree
    assert client.get(f"/console/regions?id={city.d2.id}", headers=headers).status_code == 403
    assert 'id="department-form"' not in client.get("/console/departments", headers=headers).get_data(as_text=True)
    assert 'id="category-form"' not in client.get("/console/categories", headers=headers).get_data(as_text=True)


def test_staff_who_administer_nothing_are_refused(client, city):
    for role in (Role.GRID_WORKER, Role.DEPARTMENT_STAFF, Role.RESIDENT):
        for page in PAGES:
            assert client.get(page, headers=auth_headers(city.users[role])).status_code == 403, (role, page)
