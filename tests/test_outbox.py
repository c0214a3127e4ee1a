"""The job outbox: a job is a row of the transaction that asks for it, and the relay gets it to a worker."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gridapp.clock import now
from gridapp.errors import Conflict
from gridapp.extensions import db
from gridapp.jobs import QUEUE_DEFAULT, rq_job_id
from gridapp.jobs.relay import relay_once
from gridapp.jobs.schedule import PERIODIC_JOBS, enqueue_due
from gridapp.models import OutboxJob, ScheduledJob
from gridapp.services import outbox
from tests.conftest import make_app
from tests.support import fakes as support
from tests.support import servers
from tests.support.workers import isolated_redis, run_worker


def closed_redis_url() -> str:
    return f"redis://127.0.0.1:{servers.find_free_port()}/0"


@pytest.fixture
def redis_down_app(tmp_path):
    """Redis configured but not running: what a request sees while Redis is down."""
    app = make_app(f"sqlite:///{tmp_path / 'outbox.sqlite3'}", tmp_path, REDIS_URL=closed_redis_url())
    with app.app_context():
        yield app
        db.session.remove()


def all_rows() -> list[OutboxJob]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def due_now() -> None:
    db.session.execute(update(OutboxJob).where(OutboxJob.status == "pending").values(next_attempt_at=now()))
    db.session.commit()


def test_a_committed_change_keeps_its_job_while_redis_is_down(redis_down_app, caplog):
    assert support.open_city("od-1") == "od-1"  # no exception: the change is committed
    [row] = all_rows()
    assert (row.name, row.args, row.status, row.relays) == ("probe_city_committed", ["od-1"], "pending", 0)
    assert any("left for the relay" in r.getMessage() for r in caplog.records)
    assert outbox.stats() == outbox.OutboxStats(pending=1, queued=0, dead=0, oldest_pending_seconds=pytest.approx(0, abs=5))


def test_a_rolled_back_change_leaves_no_job(redis_down_app):
    with pytest.raises(Conflict):
        support.open_city("od-2", fail=True)
    assert all_rows() == []


def test_the_scheduler_claims_a_period_and_writes_its_job_in_one_transaction(redis_down_app):
    names = enqueue_due()
    assert names == [p.name for p in PERIODIC_JOBS]
    assert sorted(r.name for r in all_rows()) == sorted(names)  # Redis is down, yet every claimed run is kept
    assert enqueue_due() == []  # claimed for this period


def test_a_scheduler_that_cannot_write_its_jobs_claims_nothing(redis_down_app, monkeypatch):
    def broken_add(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(outbox, "add", broken_add)
    with pytest.raises(RuntimeError):
        enqueue_due()
    db.session.rollback()
    assert all(row.last_run_at is None for row in db.session.scalars(select(ScheduledJob)))


def test_scheduler_and_relay_loops_outlive_failing_passes(redis_down_app, monkeypatch):
    from gridapp.cli import loop

    sleeps: list[float] = []
    monkeypatch.setattr(loop.time, "sleep", sleeps.append)
    runner = redis_down_app.test_cli_runner()
    # Redis is down: every relay pass fails, and the relay goes on, backing off.
    result = runner.invoke(args=["outbox", "relay", "--interval", "1", "--iterations", "4"])
    assert result.exit_code == 0, result.output
    assert sleeps == [2, 4, 8]

    sleeps.clear()
    calls = iter([RuntimeError("database down"), RuntimeError("still down"), None, None])

    def step():
        error = next(calls)
        if error:
            raise error

    loop.keep_running(step, interval=1, iterations=4, what="test")
    assert sleeps == [2, 4, 1]  # the first pass that works brings the interval back


def test_jobs_are_handed_over_at_commit_and_marked_done_by_the_worker(pg_admin_url, redis_url, tmp_path):
    from redis import Redis
    from rq import Queue

    queue_url = isolated_redis(redis_url, 11)
    database_url = servers.create_database(pg_admin_url, f"gridapp_outbox_{uuid.uuid4().hex[:8]}")
    app = make_app(database_url, tmp_path, REDIS_URL=queue_url, OUTBOX_CHECK_SECONDS=0, OUTBOX_MAX_ATTEMPTS=2)
    redis = Redis.from_url(queue_url)
    try:
        with app.app_context():
            support.open_city("ok-1")
            [row] = all_rows()
            assert (row.status, row.relays) == ("queued", 1)
            queue = Queue(QUEUE_DEFAULT, connection=redis)
            assert queue.job_ids == [rq_job_id(row.id)]

            # Redis loses everything (restarted without its data): the relay hands the job over again.
            redis.flushdb()
            assert relay_once().handed_over == 1
            assert queue.job_ids == [rq_job_id(row.id)]
            assert all_rows()[0].relays == 2

            worker = run_worker(queue_url, database_url, tmp_path)
            assert worker.returncode == 0, worker.stdout
            [row] = all_rows()
            assert row.status == "done" and row.done_at is not None, worker.stdout
            assert outbox.stats() == outbox.OutboxStats(0, 0, 0, 0.0)

            # A job that fails for good backs off, then dies after OUTBOX_MAX_ATTEMPTS, until replayed.
            support.open_city("bad-1", also_fail_job=True)
            for _ in range(2):
                worker = run_worker(queue_url, database_url, tmp_path)
                assert worker.returncode == 0, worker.stdout
                relay_once()  # RQ says it failed: one attempt, then a back-off
                due_now()
                relay_once()  # the back-off is over: handed over again (unless it is dead)
            [dead] = [r for r in all_rows() if r.name == "failing_job"]
            assert (dead.status, dead.attempts) == ("dead", 2)
            assert "a side job blew up" in dead.last_error
            assert outbox.stats().dead == 1

            runner = app.test_cli_runner()
            listed = runner.invoke(args=["outbox", "list", "--status", "dead"])
            assert listed.exit_code == 0 and f"{dead.id}\tdead\tfailing_job" in listed.output, listed.output
            replayed = runner.invoke(args=["outbox", "replay", "--all-dead"])
            assert replayed.exit_code == 0 and "1" in replayed.output, replayed.output
            [again] = [r for r in all_rows() if r.name == "failing_job"]
            assert (again.status, again.attempts) == ("pending", 0)
            assert relay_once().handed_over == 1
            db.session.remove()
    finally:
        redis.close()
        with app.app_context():
            db.engine.dispose()


def test_the_relay_brings_back_retries_when_no_rq_scheduler_runs(redis_url, tmp_path):
    from datetime import datetime, timezone

    from redis import Redis
    from rq import Queue

    queue_url = isolated_redis(redis_url, 12)
    app = make_app(f"sqlite:///{tmp_path / 'retries.sqlite3'}", tmp_path, REDIS_URL=queue_url)
    redis = Redis.from_url(queue_url)
    try:
        with app.app_context():
            queue = Queue(QUEUE_DEFAULT, connection=redis)
            # What RQ does with a failed try: the job waits in the scheduled registry until a scheduler moves it.
            waiting = queue.enqueue_at(datetime.now(timezone.utc) - timedelta(seconds=1), support.probe_city_committed, "r1")
            assert queue.job_ids == [] and queue.scheduled_job_registry.get_job_ids() == [waiting.id]
            relay_once()
            assert queue.job_ids == [waiting.id]
            db.session.remove()
    finally:
        redis.close()


def test_relays_on_postgresql_skip_the_rows_another_relay_holds(pg_admin_url, tmp_path):
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    database_url = servers.create_database(pg_admin_url, f"gridapp_outbox_{uuid.uuid4().hex[:8]}")
    app = make_app(database_url, tmp_path, REDIS_URL=closed_redis_url())
    with app.app_context():
        ids = [outbox.add("probe_city_committed", QUEUE_DEFAULT, [f"c{n}"], city_id=None) for n in range(4)]
        due_now()
        other = create_engine(database_url)
        try:
            with Session(other) as elsewhere:
                held = elsewhere.scalars(
                    select(OutboxJob.id).order_by(OutboxJob.id).limit(2).with_for_update(skip_locked=True)
                ).all()
                assert sorted(r.id for r in outbox.claim_due(10)) == sorted(set(ids) - set(held))
                db.session.rollback()
        finally:
            other.dispose()
        db.session.remove()
        db.engine.dispose()


def test_the_repair_sweep_makes_sizes_a_lost_job_never_made(app, client, city, clock):
    import io

    from gridapp.authz import Role
    from gridapp.jobs.photos import repair_photo_sizes
    from gridapp.models import CasePhoto
    from tests.support.cases import G1, add_categories, jpeg, post_report

    cats = add_categories(city)
    response = post_report(
        client, city.users[Role.RESIDENT], category=cats["garbage"], lng=G1[0], lat=G1[1],
        photos=[(io.BytesIO(jpeg(900, 600)), "a.jpg")],
    )  # fmt: skip
    assert response.status_code == 201
    photo = db.session.scalar(select(CasePhoto))
    photo.web_key = photo.thumb_key = None  # as if its job had been lost
    db.session.commit()
    assert repair_photo_sizes() == 0  # too fresh: its own job may still be on the way
    clock.advance(timedelta(minutes=6))
    assert repair_photo_sizes() == 1
    db.session.refresh(photo)
    assert photo.web_key and photo.thumb_key
    assert repair_photo_sizes() == 0
