"""Unit scores from the records, and push deliveries that fail into a dead letter."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.clock import month_of
from gridapp.extensions import db
from gridapp.jobs import push as push_jobs
from gridapp.jobs import supervision as supervision_jobs
from gridapp.models import DeliveryAttempt, Department, DepartmentScore
from gridapp.services.accounts.users import load_actor
from gridapp.services.supervision import oversight as supervision
from tests.support.cases import add_categories, report_at
from tests.support.factories import auth_headers


class FailingChannel:
    name = "failing"

    def __init__(self, config=None):
        pass

    def send(self, user, notification):
        raise ConnectionError("gateway down")


@pytest.fixture
def failing_push(app, monkeypatch):
    """Call it to make every push from then on fail."""
    return lambda: monkeypatch.setitem(app.config, "PUSH_CHANNEL", f"{__name__}:FailingChannel")


def test_late_report_in_costs_the_department_points(client, city, clock):
    cats = add_categories(city)
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"])["id"]
    street = load_actor(city.city.id, city.users[Role.STREET_ADMIN].id)
    other = Department(city_id=city.city.id, code="zjj", name="住建局", kind="housing")
    db.session.add(other)
    db.session.commit()
    supervision.blow_whistle(street, case_id, [city.department.id], "quick", "速到")
    clock.advance(timedelta(hours=3))
    assert supervision_jobs.sweep_whistles() == 1
    month = month_of(clock.now())
    assert supervision_jobs.compute_scores() == 4  # two departments × this month and last
    assert supervision_jobs.compute_scores() == 4  # recomputed in place, not added
    db.session.rollback()
    rows = list(db.session.scalars(select(DepartmentScore).where(DepartmentScore.month == month).order_by(DepartmentScore.rank)))
    assert [(r.department.name, r.score, r.late_report_ins, r.rank) for r in rows] == [("住建局", 10000, 0, 1), ("城管局", 9900, 1, 2)]
    listed = client.get("/api/v1/supervision/scores", headers=auth_headers(city.users[Role.SUPER_ADMIN])).json
    assert [r["score"] for r in listed] == [10000, 9900]


def test_failed_pushes_are_retried_then_dead(client, city, clock, failing_push, app):
    cats = add_categories(city)
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"])["id"]
    failing_push()  # after the report's own push to the grid's worker
    nudged = client.post(f"/api/v1/cases/{case_id}/nudge", json={}, headers=auth_headers(city.users[Role.SUPER_ADMIN]))
    assert nudged.status_code == 201  # the inbox note is there whatever the channel does
    db.session.rollback()
    row = db.session.scalar(select(DeliveryAttempt).where(DeliveryAttempt.status == "pending"))
    assert (row.status, row.attempts, row.channel) == ("pending", 1, "failing") and "gateway down" in row.last_error
    for tries in range(2, app.config["PUSH_MAX_ATTEMPTS"] + 1):
        clock.advance(timedelta(minutes=2))
        assert push_jobs.retry_deliveries() == 1
        db.session.rollback()
        assert db.session.get(DeliveryAttempt, row.id).attempts == tries
    assert db.session.get(DeliveryAttempt, row.id).status == "dead"
    clock.advance(timedelta(minutes=2))
    assert push_jobs.retry_deliveries() == 0
