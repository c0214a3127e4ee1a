"""Idempotency-Key on creating calls: a retry gets the same report back, a race creates exactly one."""
from __future__ import annotations

import io
import threading
import uuid

import pytest
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case, CaseEvent, CasePhoto, IdempotencyKey, OrderEvent
from tests.conftest import make_app
from tests.support import servers
from tests.support.cases import G1, add_categories, jpeg, media_files, post_report
from tests.support.factories import auth_headers, build_city
from tests.support.orders import points_city
from tests.support.orders import post as post_order


def same_photo():
    return [(io.BytesIO(jpeg(color=(1, 2, 3))), "a.jpg")]


def test_retry_with_the_same_key_returns_the_same_report(app, client, city, cats):
    resident = city.users[Role.RESIDENT]
    first = post_report(client, resident, category=cats["garbage"], photos=same_photo(), lng=G1[0], lat=G1[1], key="phone-retry-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    files = media_files(app)
    again = post_report(client, resident, category=cats["garbage"], photos=same_photo(), lng=G1[0], lat=G1[1], key="phone-retry-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    assert again.json["photos"] == first.json["photos"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert media_files(app) == files  # the retry stored no second copy of the photo


def test_same_key_with_a_different_body_is_refused(app, client, city, cats):
    resident = city.users[Role.RESIDENT]
    assert post_report(client, resident, category=cats["garbage"], lng=G1[0], lat=G1[1], key="k1", description="a").status_code == 201
    other_text = post_report(client, resident, category=cats["garbage"], lng=G1[0], lat=G1[1], key="k1", description="b")
    assert other_text.status_code == 422 and other_text.json["code"] == "idempotency_key_reused"
    other_photo = post_report(client, resident, category=cats["garbage"], photos=[(io.BytesIO(png_like()), "b.jpg")], lng=G1[0], lat=G1[1], key="k1", description="a")
    assert other_photo.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def png_like():
    return jpeg(color=(250, 250, 0))


def test_keys_are_private_to_each_caller_and_each_operation(app, client, city, cats):
    from gridapp.services.accounts.users import grant_role, new_user

    neighbour = new_user(city.city.id, "邻居", phone="13900000097")
    grant_role(neighbour, Role.RESIDENT)
    db.session.commit()
    a = post_report(client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1], key="shared")
    b = post_report(client, neighbour, category=cats["garbage"], lng=G1[0], lat=G1[1], key="shared")
    assert a.status_code == b.status_code == 201 and a.json["id"] != b.json["id"]
    worker = city.users[Role.GRID_WORKER]
    patrol = client.post(
        "/api/v1/cases/patrol", data={"category_id": str(cats["garbage"].id), "photos": [(io.BytesIO(jpeg()), "p.jpg")]},
        headers={**auth_headers(worker), "Idempotency-Key": "patrol-1"}, content_type="multipart/form-data",
    )  # fmt: skip
    retry = client.post(
        "/api/v1/cases/patrol", data={"category_id": str(cats["garbage"].id), "photos": [(io.BytesIO(jpeg()), "p.jpg")]},
        headers={**auth_headers(worker), "Idempotency-Key": "patrol-1"}, content_type="multipart/form-data",
    )  # fmt: skip
    assert patrol.status_code == retry.status_code == 201 and patrol.json["id"] == retry.json["id"]
    too_long = post_report(client, neighbour, category=cats["garbage"], lng=G1[0], lat=G1[1], key="x" * 129)
    assert too_long.status_code == 422


def test_failed_create_does_not_burn_the_key(app, client, city, cats):
    resident = city.users[Role.RESIDENT]
    refused = post_report(client, resident, category=cats["garbage"], lng=120.0, lat=45.0, key="k-fail")
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    fixed = post_report(client, resident, category=cats["garbage"], lng=120.0, lat=45.0, key="k-fail")
    assert fixed.status_code == 422 and fixed.json["code"] == "outside_service_area"


@pytest.mark.slow
def test_twenty_concurrent_retries_on_postgresql_create_exactly_one(pg_admin_url, tmp_path):
    """Twenty threads, each with its own connection (the pool hands each thread its own), race one key."""
    url = servers.create_database(pg_admin_url, f"gridapp_idem_{uuid.uuid4().hex[:8]}")
    app = make_app(url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25, "max_overflow": 5, "pool_pre_ping": True})
    try:
        with app.app_context():
            city = build_city("idemcity")
            cats = add_categories(city)
            resident = city.users[Role.RESIDENT]
            headers = {**auth_headers(resident), "Idempotency-Key": "storm-1"}
            category_id = str(cats["garbage"].id)
            db.session.remove()
        photo = jpeg(color=(7, 7, 7))
        barrier = threading.Barrier(20)
        answers: list[tuple[int, int | None, str | None]] = []
        lock = threading.Lock()

        def send():
            client = app.test_client()
            data = {"category_id": category_id, "lng": str(G1[0]), "lat": str(G1[1]), "photos": [(io.BytesIO(photo), "same.jpg")]}
            barrier.wait()
            response = client.post("/api/v1/reports", data=data, headers=headers, content_type="multipart/form-data")
            body = response.get_json()
            with lock:
                answers.append((response.status_code, body.get("id"), response.headers.get("Idempotent-Replayed")))

        threads = [threading.Thread(target=send) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(answers) == 20
        assert {status for status, _, _ in answers} == {201}, answers
        ids = {case_id for _, case_id, _ in answers}
        assert len(ids) == 1
        assert sum(1 for *_, replayed in answers if replayed) == 19
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Case)) == 1
            assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
            photo_keys = db.session.scalars(select(CasePhoto.original_key)).all()
            assert len(photo_keys) == 1
            # The losers' files were removed again: only the winner's photo (and its sizes) remain.
            stored = media_files(app)
            assert {k for k in stored if not k.endswith(("-web.jpg", "-thumb.jpg"))} == set(photo_keys)
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


def resolve_draft(client, user, url, key, note="已清理", color=(20, 160, 20)):
    """What an offline draft sends, again and again until an answer arrives: the same form under its own key."""
    data = {"note": note, "photos": [(io.BytesIO(jpeg(color=color)), "after.jpg")]}
    headers = auth_headers(user) | {"Idempotency-Key": key}
    return client.post(url, data=data, headers=headers, content_type="multipart/form-data")


def test_a_resolution_resent_after_a_lost_answer_gets_the_first_answer(app, client, city, cats):
    resident, worker, admin = city.users[Role.RESIDENT], city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    cid = post_report(client, resident, category=cats["garbage"], photos=same_photo(), lng=G1[0], lat=G1[1]).json["id"]
    for who, action in ((worker, "accept"), (admin, "assign"), (worker, "start")):
        assert client.post(f"/api/v1/cases/{cid}/{action}", json={}, headers=auth_headers(who)).status_code == 200
    url = f"/api/v1/cases/{cid}/resolve"
    first = resolve_draft(client, worker, url, "draft-resolve-1")
    assert first.status_code == 200 and first.json["state"] == "resolved" and "Idempotent-Replayed" not in first.headers
    files = media_files(app)
    again = resolve_draft(client, worker, url, "draft-resolve-1")
    assert again.status_code == 200, again.json
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["id"] == cid and again.json["state"] == "resolved"
    assert media_files(app) == files  # the resend stored no second copy of the after-photo
    resolves = select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.action == "resolve")
    assert db.session.scalar(resolves) == 1
    assert db.session.scalar(select(func.count()).select_from(CasePhoto).where(CasePhoto.kind == "after")) == 1
    other = resolve_draft(client, worker, url, "draft-resolve-1", note="另一次处置")
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"
    assert resolve_draft(client, worker, url, "draft-resolve-2").status_code == 409  # a new key: a second resolve


def test_an_order_resolution_resent_under_its_key_gets_the_first_answer(app, client, city, clock):
    ns = points_city(city, budget=500)
    staff = city.users[Role.DEPARTMENT_STAFF]
    order_id = post_order(ns, bounty=20).id
    db.session.commit()
    for step in ("grab", "start"):
        assert client.post(f"/api/v1/orders/{order_id}/{step}", headers=auth_headers(staff)).status_code == 200
    url = f"/api/v1/orders/{order_id}/resolve"
    first = resolve_draft(client, staff, url, "order-draft-1", note="已拖离")
    assert first.status_code == 200 and first.json["status"] == "resolved"
    files = media_files(app)
    again = resolve_draft(client, staff, url, "order-draft-1", note="已拖离")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == order_id and again.json["status"] == "resolved" and media_files(app) == files
    events = select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.action == "resolve")
    assert db.session.scalar(events) == 1
