"""The region tree: levels, materialized paths and subtree queries."""
from __future__ import annotations

import pytest

from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import City, Region, RegionLevel
from gridapp.services.regions.tree import add_region, ancestors, subtree


def _city(code="treecity"):
    city = City(code=code, name="树市")
    db.session.add(city)
    db.session.flush()
    return city


def test_levels_must_follow_the_tree(app):
    city = _city()
    root = add_region(city.id, None, RegionLevel.CITY, "c", "市")
    with pytest.raises(ValidationFailed):
        add_region(city.id, root, RegionLevel.STREET, "s", "街道")
    district = add_region(city.id, root, RegionLevel.DISTRICT, "d", "区")
    with pytest.raises(ValidationFailed):
        add_region(city.id, None, RegionLevel.DISTRICT, "d2", "区")
    street = add_region(city.id, district, RegionLevel.STREET, "s", "街道")
    community = add_region(city.id, street, RegionLevel.COMMUNITY, "m", "社区")
    grid = add_region(city.id, community, RegionLevel.GRID, "g", "网格")
    with pytest.raises(ValidationFailed):
        add_region(city.id, grid, RegionLevel.GRID, "g2", "网格")
    assert grid.path == f"/{root.id}/{district.id}/{street.id}/{community.id}/{grid.id}/"
    assert [r.id for r in ancestors(grid)] == [root.id, district.id, street.id, community.id]


def test_only_grids_take_a_boundary_and_it_must_be_a_polygon(app):
    city = _city()
    root = add_region(city.id, None, RegionLevel.CITY, "c", "市")
    with pytest.raises(ValidationFailed):
        add_region(city.id, root, RegionLevel.DISTRICT, "d", "区", boundary={"type": "Polygon", "coordinates": []})
    district = add_region(city.id, root, RegionLevel.DISTRICT, "d", "区")
    street = add_region(city.id, district, RegionLevel.STREET, "s", "街道")
    community = add_region(city.id, street, RegionLevel.COMMUNITY, "m", "社区")
    with pytest.raises(ValidationFailed):
        add_region(city.id, community, RegionLevel.GRID, "g", "网格", boundary={"type": "Point", "coordinates": [1, 2]})
    grid = add_region(
        city.id, community, RegionLevel.GRID, "g", "网格",
        boundary={"type": "Polygon", "coordinates": [[[1, 2], [3, 2], [3, 5], [1, 5], [1, 2]]]},
    )
    assert (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat) == (1, 2, 3, 5)


def test_subtree_is_exact_even_when_ids_share_a_prefix(app):
    """/1/5/ must not match /1/50/: the range ends at the next byte after the trailing slash."""
    city = _city()
    root = add_region(city.id, None, RegionLevel.CITY, "c", "市")
    districts = [add_region(city.id, root, RegionLevel.DISTRICT, f"d{i}", f"区{i}") for i in range(60)]
    streets = {d.id: add_region(city.id, d, RegionLevel.STREET, f"s{d.id}", "街道") for d in districts}
    db.session.commit()
    assert {"/1/5/", "/1/50/"} <= {d.path.replace(f"/{root.id}/", "/1/", 1) for d in districts}
    for district in districts:
        found = {r.id for r in db.session.scalars(subtree(city.id, district))}
        assert found == {district.id, streets[district.id].id}
    assert len(list(db.session.scalars(subtree(city.id, root, RegionLevel.STREET)))) == 60


def test_subtree_is_scoped_to_the_city(app):
    one, two = _city("one"), _city("two")
    root_one = add_region(one.id, None, RegionLevel.CITY, "r", "一")
    add_region(two.id, None, RegionLevel.CITY, "r", "二")
    db.session.commit()
    assert [r.city_id for r in db.session.scalars(subtree(one.id, root_one))] == [one.id]
    assert db.session.query(Region).count() == 2
