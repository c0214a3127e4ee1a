"""What a scan page lets people do: rate, ask the owner to move, contact, update, record a visit."""
from __future__ import annotations

import io
import json
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Notification, Visit
from gridapp.storage import media_storage
from tests.support.cases import jpeg, media_files, png_bomb
from tests.support.factories import auth_headers
from tests.support.places import EBIKE_PHONE, MEMBER_PHONE


def test_rating_a_shop_replaces_my_earlier_stars(client, city, places):
    url = f"/api/v1/scan/{places.tokens['shop']}/rating"
    resident = auth_headers(city.users[Role.RESIDENT])
    assert client.post(url, json={"stars": 2}, headers=resident).json == {"average": 2.0, "count": 1}
    assert client.post(url, json={"stars": 4}, headers=resident).json == {"average": 4.0, "count": 1}
    assert client.post(url, json={"stars": 5}, headers=auth_headers(places.member_user)).json == {"average": 4.5, "count": 2}
    assert client.post(url, json={"stars": 6}, headers=resident).status_code == 422
    assert client.post(f"/api/v1/scan/{places.tokens['place']}/rating", json={"stars": 3}, headers=resident).status_code == 422
    assert client.post(url, json={"stars": 3}).status_code == 401
    scan = client.get(f"/api/v1/scan/{places.tokens['shop']}").json
    assert scan["shop"]["rating"] == {"average": 4.5, "count": 2}


def test_ask_owner_to_move_notifies_without_showing_the_phone_and_is_rate_limited(client, city, places, clock):
    url = f"/api/v1/scan/{places.tokens['ebike']}/contact"
    scanner = auth_headers(city.users[Role.RESIDENT])
    response = client.post(url, json={"message": "挡住消防通道了"}, headers=scanner)
    assert response.status_code == 202 and response.json == {"sent": True, "kind": "move"}
    assert EBIKE_PHONE not in json.dumps(response.json)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == places.owner_user.id)).all()
    assert len(notes) == 1 and "康A12345" in notes[0].body and "挡住消防通道了" in notes[0].body
    again = client.post(url, json={}, headers=scanner)
    assert again.status_code == 429 and again.json["code"] == "rate_limited"
    clock.advance(timedelta(minutes=11))
    assert client.post(url, json={}, headers=scanner).status_code == 202
    # The owner asking about their own bike is refused; nobody anonymous can ask.
    assert client.post(url, json={}, headers=auth_headers(places.owner_user)).status_code == 422
    assert client.post(url, json={}).status_code == 401


def test_daily_cap_across_codes(client, city, places, clock):
    scanner = auth_headers(city.users[Role.RESIDENT])
    sent = 0
    for _ in range(6):
        for kind in ("ebike", "household_outdoor"):
            status = client.post(f"/api/v1/scan/{places.tokens[kind]}/contact", json={}, headers=scanner).status_code
            sent += status == 202
        clock.advance(timedelta(minutes=11))
    assert sent == 10


def test_outdoor_contact_reaches_the_grid_worker(client, city, places, clock):
    response = client.post(f"/api/v1/scan/{places.tokens['household_outdoor']}/contact", json={}, headers=auth_headers(city.users[Role.RESIDENT]))
    assert response.status_code == 202
    note = db.session.scalar(select(Notification).where(Notification.user_id == city.users[Role.GRID_WORKER].id))
    assert "3号楼2单元5层" in note.body and "13900000001" in note.body


def test_member_updates_own_phone_from_the_indoor_code(client, city, places):
    url = f"/api/v1/scan/{places.tokens['household_indoor']}/me"
    response = client.patch(url, json={"phone": "13811112222"}, headers=auth_headers(places.member_user))
    assert response.status_code == 200, response.json
    assert response.json["members"][0]["phone"] == "13811112222" and response.json["members"][0]["is_me"]
    assert client.patch(url, json={"phone": "13811112222"}, headers=auth_headers(city.users[Role.RESIDENT])).status_code == 403
    assert client.patch(url, json={"phone": "12"}, headers=auth_headers(places.member_user)).status_code == 422


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def test_reverse_scan_opens_the_record_and_a_visit_with_notes_and_photos(client, city, places):
    worker = auth_headers(city.users[Role.GRID_WORKER])
    view = client.get(f"/api/v1/scan/{places.tokens['resident']}", headers=worker).json
    assert view["viewer"] == "grid_worker" and view["household"]["members"][0]["phone"] == MEMBER_PHONE
    visit_id = view["visit"]["id"]
    # Scanning the indoor code at the same door continues the same visit.
    assert client.get(f"/api/v1/scan/{places.tokens['household_indoor']}", headers=worker).json["visit"]["id"] == visit_id
    response = client.post(
        f"/api/v1/visits/{visit_id}", headers=worker, content_type="multipart/form-data",
        data={"notes": "独居老人，身体良好", "photos": [(io.BytesIO(_jpeg()), "a.jpg")]},
    )
    assert response.status_code == 200, response.json
    assert response.json["notes"] == "独居老人，身体良好" and len(response.json["photos"]) == 1
    stored = Image.open(io.BytesIO(media_storage().read(response.json["photos"][0])))
    assert (stored.format, stored.size) == ("JPEG", (8, 8))  # a cleaned copy, like a report's photo
    bad = client.post(f"/api/v1/visits/{visit_id}", headers=worker, content_type="multipart/form-data",
                      data={"notes": "x", "photos": [(io.BytesIO(b"not an image"), "a.jpg")]})
    assert (bad.status_code, bad.json["code"]) == (415, "photo_type_unsupported")
    other = client.post(f"/api/v1/visits/{visit_id}", headers=auth_headers(city.worker4), data={"notes": "x"})
    assert other.status_code == 404
    assert db.session.get(Visit, visit_id).worker_id == city.users[Role.GRID_WORKER].id


def test_visit_photos_get_the_report_photo_checks_and_cleaning(app, client, city, places):
    worker = auth_headers(city.users[Role.GRID_WORKER])
    visit_id = client.get(f"/api/v1/scan/{places.tokens['resident']}", headers=worker).json["visit"]["id"]
    url = f"/api/v1/visits/{visit_id}"
    original = jpeg(64, 48, gps=True)
    response = client.post(url, headers=worker, content_type="multipart/form-data",
                           data={"notes": "入户", "photos": [(io.BytesIO(original), "IMG_0001.jpg")]})
    assert response.status_code == 200, response.json
    key = response.json["photos"][0]
    served = client.get(f"/media/{key}")
    assert served.status_code == 200
    assert b"Exif" not in served.data and b"PhoneMaker" not in served.data
    assert not Image.open(io.BytesIO(served.data)).getexif().get_ifd(0x8825)

    files_before = media_files(app)
    for blob, name, status, code in (
        (png_bomb(), "huge.png", 413, "photo_too_many_pixels"),
        (jpeg(800, 600)[:2500], "cut.jpg", 422, "photo_corrupt"),
    ):
        refused = client.post(url, headers=worker, content_type="multipart/form-data",
                              data={"notes": "x", "photos": [(io.BytesIO(jpeg()), "good.jpg"), (io.BytesIO(blob), name)]})
        assert (refused.status_code, refused.json["code"]) == (status, code)
        assert media_files(app) == files_before
    db.session.rollback()
    assert db.session.get(Visit, visit_id).photos == [key] and db.session.get(Visit, visit_id).notes == "入户"
