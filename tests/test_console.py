"""The admins' console: its door admits admins only, and each admin sees the part of the city they run."""
from __future__ import annotations

from gridapp.authz import Role
from tests.support.factories import auth_headers


def test_console_home_shows_the_admins_scope(client, city):
    page = client.get("/console/", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert city.c1.name in html and city.s1.name not in html
    whole = client.get("/console/", headers=auth_headers(city.users[Role.SYSTEM_ADMIN])).get_data(as_text=True)
    assert "全市" in whole


def test_console_refuses_staff_who_administer_nothing(client, city):
    for role in (Role.GRID_WORKER, Role.DEPARTMENT_STAFF, Role.RESIDENT):
        response = client.get("/console/", headers=auth_headers(city.users[role]))
        assert response.status_code == 403, role


def test_console_sends_strangers_to_its_sign_in(client, city):
    response = client.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")
    login = client.get("/console/login?next=//evil.example/").get_data(as_text=True)
    assert 'data-next="/console/"' in login


def test_the_nav_offers_only_the_sections_that_let_the_person_in(client, city):
    worker = client.get("/console/links", headers=auth_headers(city.users[Role.GRID_WORKER]))
    assert worker.status_code == 200
    html = worker.get_data(as_text=True)
    assert "/console/links" in html and "/console/regions" not in html and "/console/staff" not in html
    admin = client.get("/console/", headers=auth_headers(city.users[Role.COMMUNITY_ADMIN])).get_data(as_text=True)
    assert "/console/regions" in admin and "/console/staff" in admin
