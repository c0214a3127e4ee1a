"""Upload first (the mini-program's wx.uploadFile): one photo per request, then a call that names the ids.

An upload is cleaned like any photo, used once, only by its uploader, only while fresh; a call
refused for any reason claims nothing; uploads nobody used are removed with their files.
"""
from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.jobs import photos as photo_jobs
from gridapp.models import Case, CasePhoto, PhotoUpload
from gridapp.storage import media_storage
from tests.support.cases import G1, act, jpeg, media_files
from tests.support.factories import auth_headers


def upload(client, user, data: bytes | None = None, key: str | None = None):
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    photo = (io.BytesIO(data or jpeg(800, 600, gps=True)), "IMG_0001.jpg")
    return client.post("/api/v1/uploads", data={"photo": photo}, headers=headers, content_type="multipart/form-data")


def report(client, user, category, upload_ids, photos=(), key=None):
    data = {"category_id": str(category.id), "lng": str(G1[0]), "lat": str(G1[1]), "upload_ids": [str(i) for i in upload_ids]}
    if photos:
        data["photos"] = list(photos)
    headers = auth_headers(user) | ({"Idempotency-Key": key} if key else {})
    return client.post("/api/v1/reports", data=data, headers=headers, content_type="multipart/form-data")


def unused() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(PhotoUpload).where(PhotoUpload.used_at.is_(None)))


def test_a_report_from_uploads_alone(client, city, cats):
    resident = city.users[Role.RESIDENT]
    first, second = upload(client, resident), upload(client, resident, jpeg(300, 200, color=(10, 200, 10)))
    assert first.status_code == second.status_code == 201, first.json
    stored = media_storage().read(db.session.get(PhotoUpload, first.json["id"]).original_key)
    assert b"Exif" not in stored and Image.open(io.BytesIO(stored)).size == (800, 600)  # cleaned like any photo
    assert first.json["expires_at"] > first.json["created_at"] and "/media/photos/" in first.json["url"]

    made = report(client, resident, cats["garbage"], [first.json["id"], second.json["id"]])
    assert made.status_code == 201, made.json
    rows = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id == made.json["id"]).order_by(CasePhoto.id)).all()
    assert [(r.width, r.height, r.kind) for r in rows] == [(800, 600, "before"), (300, 200, "before")]
    assert [r.original_key for r in rows] == [db.session.get(PhotoUpload, i).original_key for i in (first.json["id"], second.json["id"])]
    assert all(r.web_key and r.thumb_key for r in rows)  # sizes made as for photos sent with the report
    assert unused() == 0

    again = report(client, resident, cats["garbage"], [first.json["id"]])
    assert again.status_code == 422 and again.json["code"] == "upload_unusable"
    assert again.json["details"]["upload_ids"] == [first.json["id"]]


def test_someone_elses_or_an_expired_upload_refuses_the_whole_report(client, city, cats, clock):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    theirs = upload(client, worker).json["id"]
    mine = upload(client, resident).json["id"]
    cases_before = db.session.scalar(select(func.count()).select_from(Case))
    refused = report(client, resident, cats["garbage"], [mine, theirs])
    assert refused.status_code == 422 and refused.json["details"]["upload_ids"] == [theirs]
    assert db.session.scalar(select(func.count()).select_from(Case)) == cases_before
    assert unused() == 2  # the refused call claimed nothing, not even the caller's own upload

    clock.advance(timedelta(hours=25))
    expired = report(client, resident, cats["garbage"], [mine])
    assert expired.status_code == 422 and expired.json["details"]["upload_ids"] == [mine]


def test_uploads_and_photos_count_together(client, city, cats):
    resident = city.users[Role.RESIDENT]
    ids = [upload(client, resident).json["id"] for _ in range(2)]
    files = [(io.BytesIO(jpeg()), f"p{i}.jpg") for i in range(8)]
    too_many = report(client, resident, cats["garbage"], ids, photos=files)
    assert too_many.status_code == 422 and unused() == 2
    nothing = report(client, resident, cats["garbage"], [])
    assert nothing.status_code == 422 and nothing.json["code"] == "photos_required"
    both = report(client, resident, cats["garbage"], ids[:1], photos=[(io.BytesIO(jpeg()), "one.jpg")])
    assert both.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(CasePhoto).where(CasePhoto.case_id == both.json["id"])) == 2


def test_a_retried_upload_is_the_same_upload(client, city):
    resident = city.users[Role.RESIDENT]
    first = upload(client, resident, key="photo-1")
    files = media_files(client.application)
    retry = upload(client, resident, key="photo-1")
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json["id"] == first.json["id"] and media_files(client.application) == files


def test_a_grid_worker_resolves_with_uploaded_after_photos(client, city, cats):
    resident, worker = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER]
    case_id = report(client, resident, cats["garbage"], [upload(client, resident).json["id"]]).json["id"]
    for action in ("accept", "assign", "check-in"):
        body = {"lat": G1[1], "lng": G1[0]} if action == "check-in" else {}
        assert act(client, worker, case_id, action, **body).status_code == 200, action
    after = upload(client, worker, jpeg(640, 480, color=(20, 160, 20))).json["id"]
    resolved = client.post(
        f"/api/v1/cases/{case_id}/resolve", data={"note": "已清理", "upload_ids": [str(after)]},
        headers=auth_headers(worker), content_type="multipart/form-data",
    )
    assert resolved.status_code == 200, resolved.json
    kinds = db.session.scalars(select(CasePhoto.kind).where(CasePhoto.case_id == case_id).order_by(CasePhoto.id)).all()
    assert kinds == ["before", "after"]


def test_unused_uploads_are_removed_with_their_files(client, city, clock):
    resident = city.users[Role.RESIDENT]
    kept = upload(client, resident).json["id"]
    key = db.session.get(PhotoUpload, kept).original_key
    photo_jobs.purge_unused_uploads()
    assert db.session.get(PhotoUpload, kept) is not None  # still fresh
    clock.advance(timedelta(hours=25))
    photo_jobs.purge_unused_uploads()
    db.session.expire_all()
    assert db.session.get(PhotoUpload, kept) is None and not media_storage().exists(key)
    assert client.get(f"/api/v1/uploads/{kept}", headers=auth_headers(resident)).status_code == 404


def test_nobody_reads_another_persons_upload(client, city):
    mine = upload(client, city.users[Role.RESIDENT]).json["id"]
    assert client.get(f"/api/v1/uploads/{mine}", headers=auth_headers(city.users[Role.RESIDENT])).status_code == 200
    assert client.get(f"/api/v1/uploads/{mine}", headers=auth_headers(city.users[Role.GRID_WORKER])).status_code == 404
