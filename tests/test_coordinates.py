"""WGS-84, GCJ-02 and BD-09: the published sample points, and round trips well within a metre."""
from __future__ import annotations

import pytest

from gridapp.errors import ValidationFailed
from gridapp.services.regions import coordinates as C
from gridapp.services.regions.geo import distance_m

TIANANMEN = (116.404, 39.915)  # the sample of the coordtransform libraries (lng, lat)


def test_published_sample_points():
    assert C.wgs84_to_gcj02(*TIANANMEN) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-9)
    assert C.bd09_to_gcj02(*TIANANMEN) == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-9)
    assert C.gcj02_to_bd09(*TIANANMEN) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)


@pytest.mark.parametrize("point", [TIANANMEN, (121.4737, 31.2304), (109.78, 39.61), (100.005, 30.005), (113.26, 23.13)])
def test_gcj02_round_trip_within_a_metre(point):
    shifted = C.wgs84_to_gcj02(*point)
    assert distance_m(point[1], point[0], shifted[1], shifted[0]) > 100  # the shift is real ...
    back = C.gcj02_to_wgs84(*shifted)
    assert distance_m(point[1], point[0], back[1], back[0]) < 0.01  # ... and undone to the centimetre
    baidu = C.gcj02_to_bd09(*shifted)
    again = C.to_wgs84(*baidu, C.BD09)
    assert distance_m(point[1], point[0], again[1], again[0]) < 1


def test_outside_china_nothing_shifts():
    assert C.wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)
    assert C.gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)


def test_located_converts_a_request_position_and_drops_the_system():
    lng, lat = C.wgs84_to_gcj02(*TIANANMEN)
    data = C.located({"lat": lat, "lng": lng, "coord_system": "gcj02", "code": None})
    assert "coord_system" not in data and distance_m(data["lat"], data["lng"], TIANANMEN[1], TIANANMEN[0]) < 0.01
    assert C.located({"code": "abc"}) == {"code": "abc"}
    with pytest.raises(ValidationFailed):
        C.to_wgs84(1.0, 2.0, "mars")
