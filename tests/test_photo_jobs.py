"""Web and thumbnail sizes: inline without Redis, by a real `rq worker` process with it; never in the answer's way."""
from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import QUEUE_MEDIA
from gridapp.models import CasePhoto
from gridapp.services import photos as photo_service
from gridapp.storage import media_storage
from tests.conftest import make_app
from tests.support import servers
from tests.support.cases import G1, add_categories, jpeg, post_report
from tests.support.factories import auth_headers, build_city
from tests.support.workers import isolated_redis, run_worker


def longest_side(data: bytes) -> int:
    return max(Image.open(io.BytesIO(data)).size)


def test_inline_sizes_are_made_after_the_commit(app, client, city):
    cats = add_categories(city)
    big = jpeg(2000, 1500)
    response = post_report(client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1], photos=[(io.BytesIO(big), "big.jpg")])
    assert response.status_code == 201
    photo = db.session.scalar(select(CasePhoto))
    storage = media_storage()
    assert longest_side(storage.read(photo.web_key)) == photo_service.WEB_SIZE
    assert longest_side(storage.read(photo.thumb_key)) == photo_service.THUMB_SIZE
    keys = (photo.web_key, photo.thumb_key)
    photo_service.make_sizes(city.city.id, photo.id)  # a second run (an RQ retry) changes nothing
    db.session.refresh(photo)
    assert (photo.web_key, photo.thumb_key) == keys


def test_sizes_are_made_by_a_real_rq_worker(pg_admin_url, redis_url, tmp_path):
    from redis import Redis
    from rq import Queue

    queue_url = isolated_redis(redis_url, 9)
    database_url = servers.create_database(pg_admin_url, f"gridapp_photojobs_{uuid.uuid4().hex[:8]}")
    media_root = tmp_path / "media"
    app = make_app(database_url, tmp_path, REDIS_URL=queue_url, MEDIA_ROOT=str(media_root))
    redis = Redis.from_url(queue_url)
    try:
        with app.app_context():
            city = build_city("jobphotos")
            cats = add_categories(city)
            client = app.test_client()
            response = post_report(
                client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1],
                photos=[(io.BytesIO(jpeg(1600, 1200)), "a.jpg"), (io.BytesIO(jpeg(900, 1800)), "b.jpg")],
            )  # fmt: skip
            assert response.status_code == 201, response.json
            assert [p["web_url"] for p in response.json["photos"]] == [None, None]  # the answer did not wait
            media = Queue(QUEUE_MEDIA, connection=redis)
            assert [j.func_name for j in media.get_jobs()] == ["gridapp.jobs.photos.make_photo_sizes"] * 2

            worker = run_worker(queue_url, database_url, tmp_path, MEDIA_ROOT=str(media_root))
            assert worker.returncode == 0, worker.stdout
            assert media.count == 0, worker.stdout

            db.session.rollback()
            rows = db.session.scalars(select(CasePhoto).order_by(CasePhoto.id)).all()
            assert all(r.web_key and r.thumb_key for r in rows), worker.stdout
            for row in rows:
                assert longest_side((media_root / row.web_key).read_bytes()) == photo_service.WEB_SIZE
                assert longest_side((media_root / row.thumb_key).read_bytes()) == photo_service.THUMB_SIZE
            detail = client.get(f"/api/v1/cases/{response.json['id']}", headers=auth_headers(city.users[Role.RESIDENT]))
            assert all(p["thumb_url"].endswith("-thumb.jpg") for p in detail.json["photos"])
            db.session.remove()
    finally:
        redis.close()
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("mode", ["RGBA", "P", "L"])
def test_sizes_of_any_colour_mode_are_jpeg(mode):
    image = Image.new(mode, (700, 500))
    out = io.BytesIO()
    image.save(out, "PNG")
    made = photo_service.sizes(out.getvalue())
    for size, longest in (("web", 700), ("thumb", photo_service.THUMB_SIZE)):
        assert Image.open(io.BytesIO(made[size])).format == "JPEG" and longest_side(made[size]) == longest


def test_sizes_from_a_draft_decode_keep_their_full_size_and_colours():
    """Draft mode decodes a 4000 px JPEG at 1/2 or 1/4 scale; the sizes must still be 1280 and 320 px and the same picture."""
    image = Image.new("RGB", (4000, 3000), (200, 30, 40))
    image.paste((20, 120, 220), (2000, 0, 4000, 3000))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    made = photo_service.sizes(out.getvalue())
    web = Image.open(io.BytesIO(made["web"]))
    assert web.size == (1280, 960) and longest_side(made["thumb"]) == 320
    left, right = web.getpixel((100, 480)), web.getpixel((1180, 480))
    assert all(abs(a - b) < 12 for a, b in zip(left, (200, 30, 40)))
    assert all(abs(a - b) < 12 for a, b in zip(right, (20, 120, 220)))
