"""DATABASE_READ_URL: the leaders' dashboard reads the streaming replica, while every write goes to the writer.

A real primary and a pg_basebackup replica (tests/support/replica.py). With the replica's replay paused,
a new report is on the writer but the dashboard still counts what the replica holds; once replay goes
on, the dashboard counts it too. So the dashboard's figures can only have come from the replica.
"""
from __future__ import annotations

import csv
import io

import psycopg
import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Case
from tests.conftest import make_app
from tests.support import servers
from tests.support.cases import add_categories, report_at
from tests.support.factories import auth_headers, build_city
from tests.support.replica import database_on, primary_and_replica, wait_for_replay

pytestmark = pytest.mark.slow


@pytest.fixture
def writer_and_reader():
    servers.require_service("postgres")
    with primary_and_replica() as (primary, replica):
        writer = servers.create_database(primary.url, "gridapp_replicated")
        yield writer, database_on(replica, "gridapp_replicated")


def received_in_d1(client, leader) -> int:
    """The dashboard's CSV of the city's districts this month: d1's first figure (cases received)."""
    response = client.get("/dashboard/?format=csv", headers=auth_headers(leader))
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(response.get_data(as_text=True)))}
    return int(rows["一区"][0])


def set_replay(reader: str, paused: bool) -> None:
    with psycopg.connect(servers.libpq_url(reader), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def test_the_dashboard_reads_the_replica_and_reports_go_to_the_writer(writer_and_reader, tmp_path):
    writer, reader = writer_and_reader
    app = make_app(writer, tmp_path, DATABASE_READ_URL=reader)
    assert app.config["SQLALCHEMY_BINDS"] == {"replica": reader}
    client = app.test_client()
    with app.app_context():
        city = build_city()
        garbage = add_categories(city)["garbage"]
        resident, leader = city.users[Role.RESIDENT], city.users[Role.SYSTEM_ADMIN]
        report_at(client, resident, garbage)
        wait_for_replay(writer, reader)
        assert received_in_d1(client, leader) == 1

        set_replay(reader, paused=True)
        try:
            report_at(client, resident, garbage)  # a write: it must reach the writer, never the read-only replica
            assert db.session.query(Case).count() == 2
            assert received_in_d1(client, leader) == 1  # the replica has not replayed the second report yet
        finally:
            set_replay(reader, paused=False)
        wait_for_replay(writer, reader)
        assert received_in_d1(client, leader) == 2
        db.session.remove()
        db.engines["replica"].dispose()
        db.engine.dispose()
