"""Faults on a production-like stack: nothing committed is lost and nothing stays stopped.

The stack runs on real servers as the README's Production section starts it (gunicorn,
two `rq worker --with-scheduler`, `flask scheduler run`, `flask outbox relay`), each
restarted when it exits as systemd would. Residents keep sending reports with photos
while Redis is killed, PostgreSQL restarts or stops, or a worker and its work horse are
killed mid-job. Afterwards every report answered 2xx exists, every photo has its sizes,
nothing answered 500 (503 with Retry-After is fine while PostgreSQL is down), the
scheduler and the relay never died and every periodic job ran once per period, and the
ledger audit holds.
"""
from __future__ import annotations

import io
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.jobs import QUEUE_MEDIA
from gridapp.jobs.schedule import PERIODIC_JOBS
from gridapp.models import Case, CasePhoto, OutboxJob, ScheduledJob
from gridapp.services import outbox
from gridapp.services.points import ledger
from tests.conftest import make_app
from tests.support import servers
from tests.support.cases import G1, add_categories, jpeg
from tests.support.factories import auth_headers, build_city
from tests.support.stack import Postgres, Redis, stack

pytestmark = pytest.mark.slow

RECOVERY = 120  # seconds for everything to be made good after a fault
SETTINGS = {
    "REPORT_LIMIT_PER_USER": "100000/hour",
    "REPORT_LIMIT_PER_IP": "100000/hour",
    "SCHEDULER_INTERVAL_SECONDS": "2",
    "OUTBOX_RELAY_INTERVAL_SECONDS": "1",
    "OUTBOX_CHECK_SECONDS": "5",
}


@dataclass
class Answers:
    statuses: list[int] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # 5xx other than 503 + Retry-After, or no answer at all


class Residents:
    """Threads sending reports with a photo, as fast as the stack answers, until stopped."""

    def __init__(self, url: str, headers: dict, category_id: int, *, threads: int = 3, photo: bytes | None = None):
        self.url, self.headers, self.category_id = url, headers, category_id
        self.photo = photo or jpeg(1200, 900)
        self.answers = Answers()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Residents:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _send(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            self.send_one(session)
            time.sleep(0.05)

    def send_one(self, session) -> None:
        try:
            response = session.post(
                f"{self.url}/api/v1/reports",
                data={"category_id": str(self.category_id), "lng": str(G1[0]), "lat": str(G1[1])},
                files=[("photos", ("p.jpg", io.BytesIO(self.photo), "image/jpeg"))],
                headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
                timeout=60,
            )
        except requests.RequestException as exc:
            with self._lock:
                self.answers.bad.append(f"no answer: {exc}")
            return
        with self._lock:
            self.answers.statuses.append(response.status_code)
            if 200 <= response.status_code < 300:
                self.answers.case_ids.append(response.json()["id"])
            elif response.status_code >= 500 and not (
                response.status_code == 503 and response.headers.get("Retry-After")
            ):
                self.answers.bad.append(f"{response.status_code}: {response.text[:300]}")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    servers.require_service("postgres", "redis")
    base = tmp_path_factory.mktemp("faults")
    with servers.postgres_server(base) as database_url:
        redis = Redis(base)
        app = make_app(database_url, base, REDIS_URL=redis.url, MEDIA_ROOT=str(base / "media"))
        with app.app_context():
            city = build_city("faults")
            category = add_categories(city)["garbage"]
            db.session.commit()
            headers = auth_headers(city.users[Role.RESIDENT])
            ids = (city.city.id, category.id)
            db.session.remove()
        try:
            with stack(database_url, redis, base, MEDIA_ROOT=str(base / "media"), **SETTINGS) as running:
                yield _World(app, running, Postgres(database_url), redis, headers, *ids, base / "media")
        finally:
            redis.stop()
            with app.app_context():
                db.engine.dispose()


@dataclass
class _World:
    app: object
    stack: object
    postgres: Postgres
    redis: Redis
    headers: dict
    city_id: int
    category_id: int
    media: Path

    def residents(self, **options) -> Residents:
        return Residents(self.stack.url, self.headers, self.category_id, **options)


def _eventually(check, what: str, world: _World, timeout: float = RECOVERY):
    """Poll `check` (in a fresh session) until it returns True (anything else says what is still missing)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        with world.app.app_context():
            try:
                last = check()
                if last is True:
                    return
            except Exception as exc:  # the database may still be coming back
                last = exc
            finally:
                db.session.remove()
                db.engine.dispose()
        time.sleep(1)
    raise AssertionError(f"{what} (last: {last!r})\n{world.stack.logs()}")


def assert_recovered(world: _World, answers: Answers) -> None:
    """Everything is made good; the answers are judged last, so a failure there says all else recovered."""
    assert answers.case_ids, f"no report was answered 2xx: {answers.statuses}"

    def reports_exist():
        found = db.session.scalar(select(func.count()).select_from(Case).where(Case.id.in_(answers.case_ids)))
        return found == len(answers.case_ids) or f"{found} of {len(answers.case_ids)} reports"

    _eventually(reports_exist, "every report answered 2xx exists", world)

    def photos_sized():
        rows = db.session.scalars(select(CasePhoto).where(CasePhoto.case_id.in_(answers.case_ids))).all()
        missing = [r.id for r in rows if not (r.web_key and r.thumb_key)]
        return (bool(rows) and not missing and all((world.media / r.thumb_key).exists() for r in rows)) or missing

    _eventually(photos_sized, "every photo has its sizes", world)

    def outbox_drained():
        figures = outbox.stats()
        return figures.pending == figures.queued == figures.dead == 0 or figures

    _eventually(outbox_drained, "every job ran", world)

    def scheduler_current():
        late = db.session.scalars(select(ScheduledJob.name).where(ScheduledJob.next_run_at < now() - timedelta(seconds=15)))
        return not (names := list(late)) or names

    _eventually(scheduler_current, "the scheduler claims every due job", world)
    for process in (world.stack.scheduler, world.stack.relay):
        assert process.alive and process.restarts == 0, f"{process.name} died\n{process.tail()}"

    with world.app.app_context():
        for periodic in PERIODIC_JOBS:
            runs = list(
                db.session.scalars(
                    select(OutboxJob.created_at).where(OutboxJob.name == periodic.name).order_by(OutboxJob.created_at)
                )
            )
            assert runs, f"{periodic.name} never ran"
            gaps = [later - earlier for earlier, later in zip(runs, runs[1:])]
            assert all(gap >= periodic.every - timedelta(seconds=1) for gap in gaps), f"{periodic.name} twice in a period: {runs}"
        books = ledger.audit(world.city_id)
        assert not (books["unbalanced_transactions"] or books["balance_drift"] or books["negative_accounts"]), books
        db.session.remove()
    assert not answers.bad, f"{len(answers.bad)} bad answers, first: {answers.bad[:3]}\n{world.stack.web.tail(200)}"


def test_redis_killed_while_residents_send_reports(world):
    with world.residents() as residents:
        time.sleep(3)
        world.redis.kill()
        time.sleep(6)
        world.redis.start()  # empty: whatever was queued is gone
        time.sleep(3)
    assert_recovered(world, residents.answers)


def test_postgresql_restarted_then_stopped_and_started_under_load(world):
    with world.residents() as residents:
        time.sleep(3)
        world.postgres.restart()
        time.sleep(3)
        world.postgres.stop()
        time.sleep(5)
        world.postgres.start()
        time.sleep(3)
    assert_recovered(world, residents.answers)


def test_worker_and_its_work_horse_killed_mid_job(world):
    from redis import Redis as RedisClient
    from rq import Worker
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    connection = RedisClient.from_url(world.redis.url)
    started = StartedJobRegistry(QUEUE_MEDIA, connection=connection)
    by_pid = {worker.proc.pid: worker for worker in world.stack.workers}
    killed = None
    big = jpeg(5000, 3750)  # slow enough to resize that a started job can be caught
    with world.residents(threads=2, photo=big) as residents:
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline:
            for job_id in started.get_job_ids(cleanup=False):
                job = Job.fetch(job_id, connection=connection)
                holder = Worker.find_by_key(f"{Worker.redis_worker_namespace_prefix}{job.worker_name}", connection=connection)
                target = by_pid.get(holder.pid) if holder else None
                if target is not None and target.alive:
                    for pid in target.children():  # the work horse (and RQ's scheduler process)
                        os.kill(pid, signal.SIGKILL)
                    os.kill(target.proc.pid, signal.SIGKILL)
                    killed = target
                    break
            time.sleep(0.02)
        time.sleep(2)
    connection.close()
    assert killed is not None, f"no job was caught running\n{world.stack.logs()}"
    assert_recovered(world, residents.answers)
    assert killed.restarts >= 1
