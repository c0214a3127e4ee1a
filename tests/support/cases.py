"""Helpers for the 随手拍 tests: categories for the test city, real image bytes, and API calls.

The test city's grids (tests.support.factories.build_city) are 0.01° squares: g1 at
(100.00-100.01, 30.00-30.01), g2 east of it, g3 further east (another community),
g4 far away at (101, 31).
"""
from __future__ import annotations

import io
import struct
import uuid
import zlib

from PIL import ExifTags, Image

from gridapp.extensions import db
from gridapp.models import Category
from tests.support.factories import auth_headers

G1 = (100.005, 30.005)  # (lng, lat) inside g1
G3 = (100.025, 30.005)  # inside g3 (community c2)

CATEGORIES = [
    ("garbage", "垃圾乱堆", "grid_worker", None, "simple", 60, 120, 2880),
    ("parking", "车辆乱停", "department", "city_management", "simple", 30, 60, 1440),
    ("wages", "欠薪", "department", "labour", "complex", 1440, 1440, 10080),
]


def add_categories(city) -> dict[str, Category]:
    rows = {}
    for code, name, route, kind, difficulty, confirm, onsite, resolve in CATEGORIES:
        rows[code] = Category(
            city_id=city.city.id, code=code, name=name, default_route=route, department_kind=kind, difficulty=difficulty,
            confirm_minutes=confirm, onsite_minutes=onsite, resolve_minutes=resolve,
        )
        db.session.add(rows[code])
    db.session.commit()
    return rows


def jpeg(width: int = 64, height: int = 48, color=(180, 40, 40), *, gps: bool = False, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.Make] = "PhoneMaker"
        exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (39.0, 36.0, 12.5), 3: "E", 4: (109.0, 47.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 120, 200, 128)).save(out, "PNG")
    return out.getvalue()


def webp(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 20)).save(out, "WEBP")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 20_000) -> bytes:
    """A real, valid 1-bit PNG of side × side pixels: about 50 KB on the wire, 400 MB decoded."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def photo_files(*blobs: bytes, name: str = "photo.jpg") -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO(blob), f"{i}-{name}") for i, blob in enumerate(blobs)]


def post_report(client, user, *, category, photos=None, key: str | None = None, environ_base=None, **fields):
    """POST /api/v1/reports as multipart, the way a phone sends it."""
    data = {"category_id": str(category.id), **{k: str(v) for k, v in fields.items()}}
    data["photos"] = photo_files(jpeg()) if photos is None else photos
    headers = auth_headers(user)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/reports", data=data, headers=headers, content_type="multipart/form-data", environ_base=environ_base or {})


def report_at(client, user, category, point=G1, **fields):
    lng, lat = point
    response = post_report(client, user, category=category, lng=lng, lat=lat, key=uuid.uuid4().hex, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, user, case_id: int, action: str, **body):
    return client.post(f"/api/v1/cases/{case_id}/{action}", json=body, headers=auth_headers(user))


def resolve(client, user, case_id: int, note: str = "已清理", photos=None):
    data = {"note": note, "photos": photo_files(jpeg(color=(20, 160, 20))) if photos is None else photos}
    return client.post(f"/api/v1/cases/{case_id}/resolve", data=data, headers=auth_headers(user), content_type="multipart/form-data")


def media_files(app) -> set[str]:
    from pathlib import Path

    root = Path(app.config["MEDIA_ROOT"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()
