"""Positions in China's three coordinate systems, turned into the WGS-84 every case is stored in.

Phones' GPS and 天地图 (CGCS2000, equal to WGS-84 at a city's scale) speak WGS-84. The law requires
Chinese web maps to publish GCJ-02 ("Mars coordinates": WGS-84 with a deliberate, non-linear shift of
a few hundred metres), so AMap, Tencent maps and WeChat's `getLocation({type: "gcj02"})` hand out GCJ-02
positions, and Baidu adds its own BD-09 shift on top. The forward GCJ-02 formula is the published one
(as in the widely used coordtransform/eviltransform libraries); it has no closed-form inverse, so
GCJ-02 → WGS-84 is solved by fixed-point iteration to well under a centimetre instead of the usual
one-step approximation that is off by metres. Outside mainland China GCJ-02 is WGS-84 unchanged.
"""
from __future__ import annotations

import math

from gridapp.errors import ValidationFailed

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

_A = 6378245.0  # the Krasovsky 1940 ellipsoid the GCJ-02 shift is computed on
_EE = 0.00669342162296594323
_BD_PI = math.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG = 1e-10  # about 0.01 mm
_INVERSE_MAX_STEPS = 30


def outside_china(lng: float, lat: float) -> bool:
    """The rough box GCJ-02 is applied in (the published definition, not China's exact border)."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if outside_china(lng, lat):
        return lng, lat
    dlat = _shift_lat(lng - 105.0, lat - 35.0)
    dlng = _shift_lng(lng - 105.0, lat - 35.0)
    radlat = math.radians(lat)
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is (lng, lat), found by fixed-point iteration."""
    if outside_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _ in range(_INVERSE_MAX_STEPS):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        dlng, dlat = glng - lng, glat - lat
        wlng, wlat = wlng - dlng, wlat - dlat
        if abs(dlng) < _INVERSE_TOLERANCE_DEG and abs(dlat) < _INVERSE_TOLERANCE_DEG:
            break
    return wlng, wlat


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_PI)
    return z * math.cos(theta), z * math.sin(theta)


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _BD_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _BD_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def to_wgs84(lng: float, lat: float, system: str) -> tuple[float, float]:
    """A position given in `system` (wgs84, gcj02 or bd09) as the WGS-84 it is stored in."""
    if system == WGS84:
        return lng, lat
    if system == GCJ02:
        return gcj02_to_wgs84(lng, lat)
    if system == BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))
    raise ValidationFailed("不支持的坐标系", details={"coord_system": [system]})


def located(data: dict) -> dict:
    """A request's position (`lat`, `lng`, `coord_system`) with the position in WGS-84 and the system dropped."""
    data = dict(data)
    system = data.pop("coord_system", WGS84) or WGS84
    if data.get("lat") is not None and data.get("lng") is not None:
        data["lng"], data["lat"] = to_wgs84(data["lng"], data["lat"], system)
    return data
