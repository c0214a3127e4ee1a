"""Lapsed grabs return to the pool through the real scheduler path: `flask scheduler run-once`
enqueues the due sweep, inline without Redis and onto RQ (run by a real worker) with it."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from gridapp import clock as clock_module
from gridapp.extensions import db
from gridapp.jobs import QUEUE_DEFAULT
from gridapp.jobs.schedule import PERIODIC_JOBS
from gridapp.models import Order, OrderLapse, ScheduledJob
from gridapp.services.orders import workflow as orders
from tests.conftest import make_app
from tests.support import servers
from tests.support.factories import build_city
from tests.support.orders import points_city, post
from tests.support.workers import isolated_redis, run_worker


def test_schedule_lists_the_sweeps():
    assert {"sweep_grab_lapses", "sweep_order_deadlines"} <= {p.name for p in PERIODIC_JOBS}
    assert all(hasattr(p.job, "delay") and p.every > timedelta(0) for p in PERIODIC_JOBS)


def test_run_once_sweeps_a_lapsed_grab_inline(app, city, clock):
    ns = points_city(city)
    order = post(ns)
    orders.grab(ns.staff, order.id)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["scheduler", "run-once"])
    assert first.exit_code == 0, first.output
    assert "sweep_grab_lapses" in first.output
    db.session.refresh(order)
    assert order.status == "grabbed"  # not late yet
    clock.advance(timedelta(seconds=30))
    assert "无到期任务" in runner.invoke(args=["scheduler", "run-once"]).output  # claimed for this minute
    clock.advance(timedelta(minutes=61))
    again = runner.invoke(args=["scheduler", "run-once"])
    assert "sweep_grab_lapses" in again.output, again.output
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == "open" and order.holder_department_id is None
    assert db.session.scalar(select(func.count()).select_from(OrderLapse)) == 1
    clock.advance(timedelta(minutes=1))
    assert runner.invoke(args=["scheduler", "run-once"]).exit_code == 0  # runs again: nothing more to do
    assert db.session.scalar(select(func.count()).select_from(OrderLapse)) == 1
    next_runs = dict(db.session.execute(select(ScheduledJob.name, ScheduledJob.next_run_at)).all())
    assert next_runs["sweep_grab_lapses"] == clock.now() + timedelta(minutes=1)


def test_run_loop_stops_after_its_iterations(app, city, clock):
    result = app.test_cli_runner().invoke(args=["scheduler", "run", "--interval", "1", "--iterations", "1"])
    assert result.exit_code == 0, result.output
    assert "sweep_order_deadlines" in result.output


def test_lapse_sweep_goes_through_redis_to_a_real_worker(pg_admin_url, redis_url, tmp_path):
    queue_url = isolated_redis(redis_url, 9)
    database_url = servers.create_database(pg_admin_url, f"gridapp_sched_{uuid.uuid4().hex[:8]}")
    app = make_app(database_url, tmp_path, REDIS_URL=queue_url)
    redis = Redis.from_url(queue_url)
    # The worker reads the real clock, so the grab happens two hours in the past.
    previous = clock_module.install(clock_module.FrozenClock(datetime.now(timezone.utc) - timedelta(hours=2)))
    try:
        with app.app_context():
            ns = points_city(build_city())
            order = post(ns, hours=24)
            orders.grab(ns.staff, order.id)
            clock_module.install(previous)
            result = app.test_cli_runner().invoke(args=["scheduler", "run-once"])
            assert result.exit_code == 0, result.output
            queued = Queue(QUEUE_DEFAULT, connection=redis).get_jobs()
            assert {"gridapp.jobs.orders.sweep_grab_lapses", "gridapp.jobs.orders.sweep_order_deadlines"} <= {j.func_name for j in queued}
            db.session.expire_all()
            assert db.session.get(Order, order.id).status == "grabbed", "the scheduler must only enqueue"
            db.session.rollback()

            worker = run_worker(queue_url, database_url, tmp_path)
            assert worker.returncode == 0, worker.stdout
            assert "sweep_grab_lapses" in worker.stdout

            db.session.expire_all()
            swept = db.session.get(Order, order.id)
            assert swept.status == "open" and swept.holder_user_id is None
            lapse = db.session.scalars(select(OrderLapse)).one()
            assert lapse.department_id == ns.city.department.id
            assert Queue(QUEUE_DEFAULT, connection=redis).count == 0
    finally:
        clock_module.install(previous)
        redis.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
