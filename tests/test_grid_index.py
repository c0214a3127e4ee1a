"""The in-memory grid index: a changed boundary is used at once here and by other servers within the recheck time."""
from __future__ import annotations

import json
from types import SimpleNamespace

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import City, Region
from gridapp.services.regions import geo
from tests.conftest import make_app
from tests.support.cases import G1
from tests.support.factories import build_city, square


def _move_g1_far_away(city) -> None:
    city.g1.boundary_geojson = json.dumps(square(120.0, 35.0))
    city.g1.min_lng, city.g1.min_lat, city.g1.max_lng, city.g1.max_lat = 120.0, 35.0, 120.01, 35.01
    db.session.commit()


def test_an_edited_boundary_is_used_at_once_in_this_process(city):
    assert geo.grid_at(city.city.id, *G1).id == city.g1.id
    before = db.session.get(City, city.city.id).geometry_stamp
    _move_g1_far_away(city)
    assert db.session.get(City, city.city.id).geometry_stamp != before
    assert geo.grid_at(city.city.id, *G1) is None
    assert geo.grid_at(city.city.id, 120.005, 35.005).id == city.g1.id
    placed = geo.place_point(city.city.id, *G1)  # now in no grid: the nearest grid's community, flagged
    assert placed.outside_grid and placed.community.id == city.c1.id


def test_another_server_sees_an_edit_on_its_next_check(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    writer, reader = make_app(url, tmp_path / "w"), make_app(url, tmp_path / "r", CITY_STAMP_RECHECK_SECONDS=0)
    with writer.app_context():
        city = build_city("twoservers")
        db.session.commit()
        city_id = city.city.id
    with reader.app_context():
        assert geo.grid_at(city.city.id, *G1).code == "twoservers-g1"
    with writer.app_context():
        g1 = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.code == "twoservers-g1"))
        _move_g1_far_away(SimpleNamespace(g1=g1))
    with reader.app_context():
        assert geo.grid_at(city.city.id, *G1) is None

