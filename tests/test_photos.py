"""Uploaded photos: the type from the bytes, byte and pixel limits, nothing stored on refusal,
orientation applied and every bit of EXIF/GPS removed; local disk or a real S3-compatible server."""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, CasePhoto, IdempotencyKey
from gridapp.storage import media_storage
from tests.conftest import make_app
from tests.support.cases import G1, add_categories, jpeg, media_files, png, png_bomb, post_report, webp
from tests.support.factories import build_city

ZOO = {
    "text_named_jpg": (lambda: b"just some notes, not a picture\n" * 20, "notes.jpg", 415, "photo_type_unsupported", "不是 JPEG、PNG 或 WebP"),
    "png_20000_square": (png_bomb, "huge.png", 413, "photo_too_many_pixels", "像素过大"),
    "truncated_jpeg": (lambda: jpeg(800, 600, color=(90, 30, 160))[:2500], "cut.jpg", 422, "photo_corrupt", "损坏或不完整"),
    "thirty_megabytes": (lambda: b"\xff\xd8\xff\xe0" + os.urandom(30 * 1024 * 1024), "big.jpg", 413, "photo_too_large", "超过 15 MB"),
    "jpeg_header_then_html": (
        lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<html><script>alert(1)</script></html>" * 50,
        "page.jpg", 422, "photo_corrupt", "损坏或不完整",
    ),
}


def counts() -> tuple[int, int, int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Case, CasePhoto, CaseEvent, IdempotencyKey))


@pytest.mark.parametrize("name", sorted(ZOO))
def test_upload_zoo_is_refused_with_a_reason_and_leaves_no_trace(app, client, city, cats, name):
    make, filename, status, code, words = ZOO[name]
    resident = city.users[Role.RESIDENT]
    ok = post_report(client, resident, category=cats["garbage"], lng=G1[0], lat=G1[1], key="first")
    assert ok.status_code == 201
    rows_before, files_before = counts(), media_files(app)

    # The bad file sits between two good ones: the good ones must not be stored either.
    photos = [(io.BytesIO(jpeg()), "good1.jpg"), (io.BytesIO(make()), filename), (io.BytesIO(png()), "good2.png")]
    response = post_report(client, resident, category=cats["garbage"], photos=photos, lng=G1[0], lat=G1[1], key=f"zoo-{name}")
    assert response.status_code == status, response.get_json()
    assert response.json["code"] == code
    assert words in response.json["message"] and filename in response.json["message"]
    assert response.json["details"]["filename"] == filename
    assert counts() == rows_before
    assert media_files(app) == files_before


def test_gps_exif_is_removed_and_orientation_applied(app, client, city, cats):
    original = jpeg(64, 48, gps=True, orientation=6)
    assert b"PhoneMaker" in original and Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    response = post_report(
        client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1],
        photos=[(io.BytesIO(original), "IMG_0001.jpg")],
    )  # fmt: skip
    assert response.status_code == 201, response.json
    photo = db.session.scalar(select(CasePhoto).where(CasePhoto.case_id == response.json["id"]))
    stored = media_storage().read(photo.original_key)
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0 and not image.getexif().get_ifd(0x8825)
    assert image.size == (48, 64)  # orientation 6 (rotate 90°) applied to the pixels
    assert (photo.width, photo.height, photo.content_type) == (48, 64, "image/jpeg")
    assert photo.original_key.startswith("photos/2") and photo.original_key.endswith(".jpg")
    served = client.get(f"/media/{photo.original_key}")
    assert served.status_code == 200 and served.data == stored


def test_originals_are_kept_at_most_photo_max_side_upright(app, client, city, cats):
    """A 12 MP phone photo held sideways (orientation 6) is stored upright and 2560 px on its long side."""
    original = jpeg(4000, 3000, gps=True, orientation=6)
    small = jpeg(1600, 1200)
    response = post_report(
        client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1],
        photos=[(io.BytesIO(original), "IMG_0002.jpg"), (io.BytesIO(small), "IMG_0003.jpg")],
    )  # fmt: skip
    assert response.status_code == 201, response.json
    rows = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id == response.json["id"]).order_by(CasePhoto.id)).all()
    assert [(r.width, r.height) for r in rows] == [(1920, 2560), (1600, 1200)]  # smaller photos are never enlarged
    stored = Image.open(io.BytesIO(media_storage().read(rows[0].original_key)))
    assert stored.size == (1920, 2560) and len(stored.getexif()) == 0


def test_photo_max_side_is_configurable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'side.sqlite3'}", tmp_path, PHOTO_MAX_SIDE=800)
    with app.app_context():
        from gridapp.services import photos

        cleaned = photos.clean(photos.Upload("wide.jpg", jpeg(3000, 1000)))
        assert (cleaned.width, cleaned.height) == (800, 267)


def test_png_and_webp_are_accepted_in_their_own_format(app, client, city, cats):
    photos = [(io.BytesIO(png()), "a.png"), (io.BytesIO(webp()), "b.webp")]
    response = post_report(client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1], photos=photos)
    assert response.status_code == 201, response.json
    rows = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id == response.json["id"]).order_by(CasePhoto.id)).all()
    assert [r.content_type for r in rows] == ["image/png", "image/webp"]
    assert Image.open(io.BytesIO(media_storage().read(rows[1].original_key))).format == "WEBP"


def test_resolve_photos_are_checked_the_same_way(app, client, city, cats):
    from tests.support.cases import act, resolve

    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    cid = post_report(client, resident, category=cats["garbage"], lng=G1[0], lat=G1[1]).json["id"]
    for action in ("accept", "assign", "start"):
        act(client, worker, cid, action)
    files_before = media_files(app)
    bad = resolve(client, worker, cid, photos=[(io.BytesIO(b"GIF89a" + b"\x00" * 100), "after.gif")])
    assert bad.status_code == 415
    assert media_files(app) == files_before
    assert db.session.scalar(select(Case.state).where(Case.id == cid)) == "in_progress"


def test_photos_on_a_real_s3_compatible_server(tmp_path, monkeypatch):
    """moto's server speaks the S3 protocol over HTTP: boto3 talks to it exactly as to a real bucket."""
    from moto.server import ThreadedMotoServer

    from tests.support.servers import find_free_port

    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    port = find_free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        import boto3

        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket="gridapp-media")
        app = make_app(
            f"sqlite:///{tmp_path / 's3.sqlite3'}", tmp_path,
            MEDIA_STORAGE="s3", S3_BUCKET="gridapp-media", S3_ENDPOINT_URL=endpoint, S3_REGION="us-east-1", S3_PREFIX="city1",
        )  # fmt: skip
        with app.app_context():
            city = build_city("s3city")
            cats = add_categories(city)
            client = app.test_client()
            response = post_report(
                client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1],
                photos=[(io.BytesIO(jpeg(64, 48, gps=True)), "gps.jpg")],
            )  # fmt: skip
            assert response.status_code == 201, response.json
            photo = db.session.scalar(select(CasePhoto))
            keys = {o["Key"] for o in s3.list_objects_v2(Bucket="gridapp-media")["Contents"]}
            assert keys == {f"city1/{photo.original_key}", f"city1/{photo.web_key}", f"city1/{photo.thumb_key}"}
            stored = s3.get_object(Bucket="gridapp-media", Key=f"city1/{photo.original_key}")
            assert stored["ContentType"] == "image/jpeg"
            body = stored["Body"].read()
            assert b"Exif" not in body and b"PhoneMaker" not in body
            assert response.json["photos"][0]["url"].startswith(endpoint)  # a presigned URL
            refused = post_report(client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1],
                                  photos=[(io.BytesIO(b"not an image"), "x.jpg")])  # fmt: skip
            assert refused.status_code == 415
            assert len(s3.list_objects_v2(Bucket="gridapp-media")["Contents"]) == 3
            db.session.remove()
            db.engine.dispose()
    finally:
        server.stop()
