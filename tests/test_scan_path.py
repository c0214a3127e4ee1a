"""The hot scan path: anonymous views answered from memory while current, scans logged in batches.

No test here times anything (bench/scan.py measures); they prove what the speed may not cost:
a copy is dropped the moment what it shows changes, on this server and on the others, and every
scan answered reaches the log.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from sqlalchemy import event, func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import QrCode, ScanLog, Shop
from gridapp.services.codes import scan_log
from tests.conftest import make_app
from tests.support.factories import auth_headers, build_city
from tests.support.places import MEMBER_NAME, build_places


@contextmanager
def statements():
    """The SQL statements run inside the block, on this app's engine."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_repeated_anonymous_scan_runs_no_sql_beyond_the_stamp_and_writes_nothing(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'scan.sqlite3'}", tmp_path, SCAN_LOG_FLUSH_SECONDS=3600, CITY_STAMP_RECHECK_SECONDS=3600)
    with app.app_context():
        places = build_places(build_city("hot"))
        token, code_id, client = places.tokens["shop"], places.codes["shop"].id, app.test_client()
        first = client.get(f"/api/v1/scan/{token}")
        assert first.status_code == 200 and first.json["shop"]["name"] == "老王面馆"
        with statements() as seen:
            again = [client.get(f"/api/v1/scan/{token}") for _ in range(5)] + [client.get(f"/c/{token}") for _ in range(5)]
        assert all(r.status_code == 200 for r in again) and again[0].json == first.json
        assert "老王面馆" in again[-1].get_data(as_text=True)
        assert seen == []  # no query and no commit: the stamp was read a moment ago
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(ScanLog)) == 0  # nothing written yet
        db.session.remove()  # SQLite: a reader's transaction holds the one write lock
        assert scan_log.flush() == 11
        code = db.session.get(QrCode, code_id)
        assert code.scan_count == 11 and code.last_scanned_at is not None
        logs = db.session.scalars(select(ScanLog).where(ScanLog.code_id == code.id)).all()
        assert len(logs) == 11 and {(l.viewer, l.channel) for l in logs} == {("anonymous", "api"), ("anonymous", "h5")}


def test_the_background_thread_writes_the_batch(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'scan.sqlite3'}", tmp_path, SCAN_LOG_FLUSH_SECONDS=1)
    with app.app_context():
        places = build_places(build_city("thread"))
        client = app.test_client()
        for _ in range(3):
            assert client.get(f"/api/v1/scan/{places.tokens['place']}").status_code == 200
        count = 0
        for _ in range(100):  # waits for the thread, a second or two; never asserts how long it took
            count = db.session.scalar(select(func.count()).select_from(ScanLog))
            db.session.remove()  # SQLite: let the thread have the write lock while this waits
            if count == 3:
                break
            time.sleep(0.1)
        assert count == 3


def test_an_edit_drops_the_copy_on_this_server_at_once(client, city, places):
    token = places.tokens["shop"]
    assert client.get(f"/api/v1/scan/{token}").json["shop"]["name"] == "老王面馆"
    shop = db.session.get(Shop, places.shop.id)
    shop.name = "王记面馆"
    db.session.commit()
    assert client.get(f"/api/v1/scan/{token}").json["shop"]["name"] == "王记面馆"
    assert "王记面馆" in client.get(f"/c/{token}").get_data(as_text=True)


def test_counting_scans_does_not_drop_copies(client, city, places):
    """The batch's counter update is not an edit of what the view shows (else every second would drop every copy)."""
    token = places.tokens["shop"]
    client.get(f"/api/v1/scan/{token}")
    stamp = db.session.scalar(select(QrCode.city_id).where(QrCode.token == token))
    from gridapp.models import City

    before = db.session.get(City, stamp).codes_stamp
    code = db.session.get(QrCode, places.codes["shop"].id)
    code.scan_count, code.last_scanned_at = code.scan_count + 1, code.created_at
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(City, stamp).codes_stamp == before


def test_a_withdrawn_code_is_gone_at_once_though_its_view_was_kept(client, city, places):
    from gridapp.services.accounts.users import load_actor
    from gridapp.services.codes.issuing import revoke_code

    token = places.tokens["place"]
    assert client.get(f"/api/v1/scan/{token}").status_code == 200
    revoke_code(load_actor(city.city.id, city.users[Role.COMMUNITY_ADMIN].id), places.codes["place"].id)
    assert client.get(f"/api/v1/scan/{token}").status_code == 410
    assert client.get(f"/c/{token}").status_code == 410


def test_signed_in_scanners_never_get_the_anonymous_copy(client, city, places):
    token = places.tokens["household_indoor"]
    assert MEMBER_NAME not in client.get(f"/api/v1/scan/{token}").get_data(as_text=True)
    member = client.get(f"/api/v1/scan/{token}", headers=auth_headers(places.member_user))
    assert MEMBER_NAME in member.get_data(as_text=True)
    assert MEMBER_NAME not in client.get(f"/api/v1/scan/{token}").get_data(as_text=True)


def test_another_server_drops_its_copy_on_its_next_stamp_check(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    writer, reader = make_app(url, tmp_path / "w"), make_app(url, tmp_path / "r")
    with writer.app_context():
        places = build_places(build_city("servers"))
        token, shop_id = places.tokens["shop"], places.shop.id
    with reader.app_context():
        assert reader.test_client().get(f"/api/v1/scan/{token}").json["shop"]["name"] == "老王面馆"
    with writer.app_context():
        db.session.get(Shop, shop_id).name = "王记面馆"
        db.session.commit()
    with reader.app_context():
        assert reader.test_client().get(f"/api/v1/scan/{token}").json["shop"]["name"] == "王记面馆"
