"""City-day replay: a Dezhou day over HTTP against the production stack, every case handled to closure.

    python -u bench/city_day.py [--scale 1] [--concurrency 32]
    python -u bench/city_day.py --app-url http://10.77.0.11:8000 --app-url http://10.77.0.12:8000 \\
        --database-url postgresql://... --redis-url redis://...      # a stack that is already running

Given no `--app-url`, it starts the README's production stack itself (bench/production.py: throwaway
PostgreSQL and Redis, `flask db upgrade`, the demo city without its history, gunicorn, two rq workers, the scheduler and the
relay). Then, from a pool of `--concurrency` phones and staff at once, it replays a day of Dezhou
(3,500 photo reports, 100,000 anonymous scans, 19,000 sign-ins, × `--scale`):
- residents sign in by SMS code (the code reaches them through a worker's `gridapp-notify` job);
- each photo report comes from its own resident with a phone JPEG made once at start (most shrunk by
  the client to 2048 px, one in ten a full 12 MP), placed by the phone's position in a random grid;
- the staff take every case to closure: the grid worker accepts, takes, checks in on site and resolves
  with a photo; a department's case is accepted by the community, ordered, grabbed by two staff at
  once (one wins, the other hears 手慢了), started and resolved with a photo; the community verifies;
  the resident rates and confirms;
- anonymous scans of the city's printed codes, half the page a phone camera opens, half the API.
It prints the wall time, the errors, p50/p99 per operation and what is left on the queues at the end
of the day, then waits for the workers to finish what the day left them.
"""
from __future__ import annotations

import argparse
import collections
import io
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy
import psycopg
import urllib3
from PIL import Image
from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from production import QUEUES, Stack, environment, flask, seed_city
from sms_inbox import inbox_key

DAY = {"reports": 3_500, "scans": 100_000, "sign_ins": 19_000}
TARGET_SECONDS = 300
CITY, PASSWORD = "ordos", "gridapp-demo-2026"
FULL_SIZE_SHARE = 0.1  # one report in ten sends the camera's full 12 MP
SCANS_PER_TASK = 100
BOUNTY = 10
SMS_WAIT_SECONDS = 120


class Replay:
    """The HTTP side: one pooled client, the timings of every call by operation, and the errors."""

    def __init__(self, app_urls: list[str], concurrency: int):
        self.app_urls = app_urls
        self.http = urllib3.PoolManager(maxsize=concurrency * 2, retries=False, timeout=urllib3.Timeout(connect=10, read=180))
        self.timings: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter = collections.Counter()
        self.samples: dict[tuple[str, int], str] = {}
        self.outcomes: collections.Counter = collections.Counter()
        self.lock = threading.Lock()
        self.turn = 0

    def base(self, key: int) -> str:
        """The app host a phone talks to: the load balancer spreads phones over every host."""
        return self.app_urls[key % len(self.app_urls)]

    def call(self, op: str, method: str, path: str, *, who: int, token: str | None = None, body=None, fields=None,
             expect=(200, 201, 202), headers=None):  # fmt: skip
        headers = {"X-Forwarded-For": address(who), "User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0", **(headers or {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            if fields is not None:
                response = self.http.request_encode_body(method, self.base(who) + path, fields=fields, headers=headers)
            elif body is not None:
                response = self.http.request(method, self.base(who) + path, body=json.dumps(body).encode(),
                                             headers={**headers, "Content-Type": "application/json"})  # fmt: skip
            else:
                response = self.http.request(method, self.base(who) + path, headers=headers)
            status, data = response.status, response.data
        except urllib3.exceptions.HTTPError as error:
            status, data = 0, str(error).encode()
        elapsed = time.perf_counter() - started
        with self.lock:
            self.timings[op].append(elapsed)
            if status not in expect:
                self.errors[op] += 1
                self.samples.setdefault((op, status), data[:300].decode(errors="replace"))
        if status not in expect:
            return status, None
        return status, (json.loads(data) if data[:1] in (b"{", b"[") else data)


def address(who: int) -> str:
    """A phone's own public address (so per-address limits count each phone, as in a real city)."""
    return f"10.{(who >> 16) & 255}.{(who >> 8) & 255}.{who & 255}"


def phone_jpeg(width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG: smooth shapes and light, with fine sensor grain (a flat colour compresses to nothing)."""
    rng = numpy.random.default_rng(seed)
    coarse = rng.integers(0, 255, (height // 64 + 1, width // 64 + 1, 3), dtype=numpy.uint8)
    image = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    pixels = numpy.asarray(image, dtype=numpy.int16)
    pixels += rng.normal(0, 7, (height, width, 1)).astype(numpy.int16)
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "PhoneMaker", "Phone 12", 1
    Image.fromarray(numpy.clip(pixels, 0, 255).astype(numpy.uint8)).save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def city_of(database_url: str) -> dict:
    """Where the day happens, read once from the database: grids, their workers, communities, departments, codes."""
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        city_id = conn.execute("SELECT id FROM cities WHERE code = %s", (CITY,)).fetchone()[0]
        grids = conn.execute(
            """SELECT g.id, g.boundary_geojson, c.id, u.username FROM regions g JOIN regions c ON c.id = g.parent_id
               JOIN role_grants r ON r.region_id = g.id AND r.role = 'grid_worker' JOIN users u ON u.id = r.user_id
               WHERE g.city_id = %s AND g.level = 'grid' AND g.retired_at IS NULL AND u.is_active ORDER BY g.id""",
            (city_id,),
        ).fetchall()
        admins = dict(conn.execute(
            """SELECT r.region_id, min(u.username) FROM role_grants r JOIN users u ON u.id = r.user_id
               WHERE r.city_id = %s AND r.role = 'community_admin' AND u.is_active GROUP BY r.region_id""", (city_id,),
        ).fetchall())  # fmt: skip
        takers = conn.execute(
            """SELECT d.kind, served.path, u.username FROM departments d
               JOIN department_regions dr ON dr.department_id = d.id JOIN regions served ON served.id = dr.region_id
               JOIN role_grants r ON r.department_id = d.id AND r.role = 'department_staff' JOIN users u ON u.id = r.user_id
               WHERE d.city_id = %s AND d.is_active AND u.is_active""", (city_id,),
        ).fetchall()  # fmt: skip
        paths = dict(conn.execute("SELECT id, path FROM regions WHERE city_id = %s AND level = 'community'", (city_id,)).fetchall())
        tokens = [row[0] for row in conn.execute(
            """SELECT token FROM qr_codes WHERE city_id = %s AND status = 'active'
               AND kind NOT IN ('household_indoor', 'resident') ORDER BY id""", (city_id,),
        )]  # fmt: skip
    staff = {}
    for _, community_id, worker in ((g[0], g[2], g[3]) for g in grids):
        staff.setdefault(worker, None)
        staff.setdefault(admins[community_id], None)
    grabbers = collections.defaultdict(set)
    for kind, served_path, username in takers:
        staff.setdefault(username, None)
        for community_id, path in paths.items():
            if path.startswith(served_path):
                grabbers[(community_id, kind)].add(username)
    return {
        "grids": [
            {"id": gid, "box": bounds(boundary), "community": cid, "worker": worker, "admin": admins[cid]}
            for gid, boundary, cid, worker in grids
        ],
        "grabbers": {key: sorted(names) for key, names in grabbers.items()},
        "tokens": tokens,
        "staff": staff,
    }


def bounds(boundary) -> tuple[float, float, float, float]:
    ring = (boundary if isinstance(boundary, dict) else json.loads(boundary))["coordinates"][0]
    lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lngs), min(lats), max(lngs), max(lats)


class Day:
    def __init__(self, replay: Replay, city: dict, redis_url: str, photos: list[bytes], big: list[bytes], seed: int):
        self.r, self.city, self.photos, self.big = replay, city, photos, big
        self.inbox = Redis.from_url(redis_url, socket_timeout=SMS_WAIT_SECONDS + 30)  # BLPOP waits longer than a read
        self.rng = random.Random(seed)
        self.tokens: dict[str, str] = {}
        self.grab_pool = ThreadPoolExecutor(16)
        self.staff_ids = {name: 900_000 + n for n, name in enumerate(city["staff"])}
        self.categories: list[dict] = []
        self.sign_in_locks = collections.defaultdict(threading.Lock)

    # --- people ---------------------------------------------------------------------------------
    def staff_sign_in(self, username: str) -> None:
        _, body = self.r.call("sign-in (staff, password)", "POST", "/api/v1/auth/login", who=self.staff_ids[username],
                              body={"city": CITY, "username": username, "password": PASSWORD})  # fmt: skip
        if body:
            self.tokens[username] = body["access_token"]

    def staff(self, op: str, username: str, method: str, path: str, **kwargs):
        """A staff member's call; each signs in with their password at their first task of the day."""
        with self.sign_in_locks[username]:
            if username not in self.tokens:
                self.staff_sign_in(username)
        return self.r.call(op, method, path, who=self.staff_ids[username], token=self.tokens.get(username), **kwargs)

    def resident_sign_in(self, who: int) -> str | None:
        phone = f"139{who:08d}"
        status, _ = self.r.call("sign-in: ask for the SMS code", "POST", "/api/v1/auth/code", who=who,
                                body={"city": CITY, "phone": phone, "agreed": True})  # fmt: skip
        if status != 202:
            return None
        started = time.perf_counter()
        message = self.inbox.blpop(inbox_key(phone), timeout=SMS_WAIT_SECONDS)
        with self.r.lock:
            self.r.timings["sign-in: SMS code arrives (worker job)"].append(time.perf_counter() - started)
            if message is None:
                self.r.errors["sign-in: SMS code arrives (worker job)"] += 1
        if message is None:
            return None
        code = message[1].decode().split("验证码是 ", 1)[1][:6]
        _, body = self.r.call("sign-in: verify the code", "POST", "/api/v1/auth/code/verify", who=who,
                              body={"city": CITY, "phone": phone, "code": code})  # fmt: skip
        return body["access_token"] if body else None

    # --- the day's tasks ------------------------------------------------------------------------
    def scans(self, who: int, count: int) -> None:
        for n in range(count):
            token = self.rng.choice(self.city["tokens"])
            if n % 2:
                self.r.call("scan: page /c/<token>", "GET", f"/c/{token}", who=who + n)
            else:
                self.r.call("scan: API /api/v1/scan/<token>", "GET", f"/api/v1/scan/{token}", who=who + n)

    def case(self, who: int) -> None:
        resident = self.resident_sign_in(who)
        if resident is None:
            return
        grid = self.rng.choice(self.city["grids"])
        category = self.rng.choice(self.categories)
        west, south, east, north = grid["box"]
        lng, lat = self.rng.uniform(west, east), self.rng.uniform(south, north)
        photo = self.rng.choice(self.big if self.rng.random() < FULL_SIZE_SHARE else self.photos)
        _, case = self.r.call("report with a photo (resident)", "POST", "/api/v1/reports", who=who, token=resident,
                              headers={"Idempotency-Key": uuid.uuid4().hex},
                              fields={"category_id": str(category["id"]), "lng": f"{lng:.6f}", "lat": f"{lat:.6f}",
                                      "description": f"{category['name']}，请尽快处理", "photos": ("photo.jpg", photo, "image/jpeg")})  # fmt: skip
        if case is None:
            return
        case_id, admin = case["id"], grid["admin"]
        if category["default_route"] == "department":
            if not self.ordered(case_id, admin, (grid["community"], category["department_kind"])):
                return
        else:
            if not self.worked(case_id, grid["worker"], lng, lat):
                return
            if not self.staff("verify (community)", admin, "POST", f"/api/v1/cases/{case_id}/verify", body={"note": "已核实"})[1]:
                return
        if self.r.call("rate (resident)", "POST", f"/api/v1/cases/{case_id}/rate", who=who, token=resident,
                       body={"stars": self.rng.choice((3, 4, 5, 5, 5)), "comment": "处理及时"})[1] is None:  # fmt: skip
            return
        if self.r.call("confirm closure (resident)", "POST", f"/api/v1/cases/{case_id}/confirm", who=who, token=resident, body={})[1]:
            with self.r.lock:
                self.r.outcomes["cases closed"] += 1

    def worked(self, case_id: int, worker: str, lng: float, lat: float) -> bool:
        """The grid worker's part: accept, take it, check in on site, resolve with an after-photo."""
        base = f"/api/v1/cases/{case_id}"
        for op, path, body in (
            ("accept (grid worker)", "accept", {"note": "已受理"}),
            ("take (grid worker)", "assign", {}),
            ("check in on site (grid worker)", "check-in", {"lat": lat, "lng": lng}),
        ):
            if self.staff(op, worker, "POST", f"{base}/{path}", body=body)[1] is None:
                return False
        return self.staff("resolve with a photo (grid worker)", worker, "POST", f"{base}/resolve",
                          fields={"note": "已处理完毕", "photos": ("after.jpg", self.rng.choice(self.photos), "image/jpeg")})[1] is not None  # fmt: skip

    def ordered(self, case_id: int, admin: str, taker_key: tuple[int, str]) -> bool:
        """The community accepts and orders; two department staff grab at once; the winner starts and
        resolves with a photo; the community verifies and pays."""
        if self.staff("accept (community)", admin, "POST", f"/api/v1/cases/{case_id}/accept", body={"note": "已受理"})[1] is None:
            return False
        deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        _, order = self.staff("order (community)", admin, "POST", f"/api/v1/cases/{case_id}/order",
                              body={"bounty": BOUNTY, "deadline": deadline}, headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
        if order is None:
            return False
        grabbers = self.rng.sample(self.city["grabbers"][taker_key], min(2, len(self.city["grabbers"][taker_key])))
        racing = [
            self.grab_pool.submit(self.staff, "grab (department staff)", name, "POST", f"/api/v1/orders/{order['id']}/grab", expect=(200, 409))
            for name in grabbers
        ]
        winners = [name for name, done in zip(grabbers, racing) if done.result()[0] == 200]
        with self.r.lock:
            self.r.outcomes["grabs lost (手慢了)"] += len(grabbers) - len(winners)
        if len(winners) != 1:
            with self.r.lock:
                self.r.errors["grab: not exactly one winner"] += 1
            return False
        holder, base = winners[0], f"/api/v1/orders/{order['id']}"
        if self.staff("start (department staff)", holder, "POST", f"{base}/start")[1] is None:
            return False
        if self.staff("resolve with a photo (department staff)", holder, "POST", f"{base}/resolve",
                      fields={"note": "已处理完毕", "photos": ("after.jpg", self.rng.choice(self.photos), "image/jpeg")})[1] is None:  # fmt: skip
            return False
        return self.staff("verify and pay (community)", admin, "POST", f"{base}/verify", body={"note": "已核实"})[1] is not None


def queues_left(redis_url: str, database_url: str) -> dict[str, int]:
    """What the workers still have: each queue's waiting, running, scheduled and failed jobs, and the outbox."""
    from rq import Queue
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    redis = Redis.from_url(redis_url)
    left = {}
    for name in QUEUES:
        queue = Queue(name, connection=redis)
        left[f"{name} waiting"] = queue.count
        left[f"{name} running"] = StartedJobRegistry(queue=queue).count
        left[f"{name} scheduled (retries)"] = ScheduledJobRegistry(queue=queue).count
        left[f"{name} failed"] = FailedJobRegistry(queue=queue).count
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        counts = dict(conn.execute("SELECT status, count(*) FROM outbox_jobs WHERE status <> 'done' GROUP BY status").fetchall())
    for status in ("pending", "queued", "dead"):
        left[f"outbox {status}"] = counts.get(status, 0)
    return left


def unfinished(left: dict[str, int]) -> int:
    return sum(n for key, n in left.items() if not key.endswith("failed") and key != "outbox dead")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_day(app_urls: list[str], database_url: str, redis_url: str, *, scale: float, concurrency: int, seed: int = 16,
            drain_seconds: float = 600) -> dict:  # fmt: skip
    """Replay the day; answers its figures (also printed)."""
    reports, scans, sign_ins = (max(1, round(n * scale)) for n in (DAY["reports"], DAY["scans"], DAY["sign_ins"]))
    print(f"city day ×{scale:g}: {reports:,} photo reports, {scans:,} scans, {sign_ins:,} sign-ins; "
          f"{concurrency} at once over {len(app_urls)} app host(s)", flush=True)  # fmt: skip
    started = time.perf_counter()
    photos = [phone_jpeg(2048, 1536, seed + n) for n in range(6)]
    big = [phone_jpeg(4032, 3024, seed + 100 + n) for n in range(2)]
    print(f"  phone JPEGs: 2048 px {statistics.mean(map(len, photos)) / 1e6:.2f} MB, 12 MP {statistics.mean(map(len, big)) / 1e6:.2f} MB "
          f"(made in {time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
    city = city_of(database_url)
    replay = Replay(app_urls, concurrency)
    day = Day(replay, city, redis_url, photos, big, seed)
    top_up_budgets(day)

    tasks = [("case", n) for n in range(reports)]
    tasks += [("sign_in", n) for n in range(max(0, sign_ins - reports - len(city["staff"])))]
    tasks += [("scans", n) for n in range(0, scans, SCANS_PER_TASK)]
    random.Random(seed).shuffle(tasks)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        futures = []
        for kind, n in tasks:
            if kind == "case":
                futures.append(pool.submit(day.case, 1_000_000 + n))
            elif kind == "sign_in":
                futures.append(pool.submit(day.resident_sign_in, 2_000_000 + n))
            else:
                futures.append(pool.submit(day.scans, 3_000_000 + n, min(SCANS_PER_TASK, scans - n)))
        for done, future in enumerate(as_completed(futures), 1):
            future.result()
            if done % max(1, len(futures) // 10) == 0:
                print(f"  … {done / len(futures):4.0%} of the tasks done after {time.perf_counter() - started:4.0f} s, "
                      f"{sum(replay.errors.values())} errors", flush=True)  # fmt: skip
    wall = time.perf_counter() - started
    day.grab_pool.shutdown()
    left = queues_left(redis_url, database_url)
    drained_after = drain(redis_url, database_url, drain_seconds)
    after = queues_left(redis_url, database_url)
    report(replay, wall, left, drained_after, after, reports)
    return {"wall": wall, "errors": sum(replay.errors.values()), "left": left, "after": after, "drained_after": drained_after,
            "closed": replay.outcomes["cases closed"], "reports": reports}  # fmt: skip


def top_up_budgets(day: Day) -> None:
    """The city fund tops up each community's order budget for the day's bounties (before the day starts)."""
    day.staff_ids.setdefault("sysadmin", 899_999)
    _, categories = day.staff("categories (setup)", "sysadmin", "GET", "/api/v1/categories?per_page=100")
    day.categories = [c for c in categories["items"] if not c.get("urgent_notice")]
    for community in sorted({g["community"] for g in day.city["grids"]}):
        day.staff("top up (setup)", "sysadmin", "POST", "/api/v1/points/top-ups",
                  body={"community_id": community, "amount": 100_000, "memo": "城市日回放"},
                  headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    for key in [k for k in day.r.timings if k.endswith("(setup)")] + ["sign-in (staff, password)"]:
        day.r.timings.pop(key, None)  # the system admin's sign-in is not the day's


def drain(redis_url: str, database_url: str, limit: float) -> float | None:
    """Seconds until the workers had nothing left (None: not within `limit`)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if unfinished(queues_left(redis_url, database_url)) == 0:
            return time.perf_counter() - started
        time.sleep(1)
    return None


def report(replay: Replay, wall: float, left: dict, drained_after: float | None, after: dict, reports: int) -> None:
    errors = sum(replay.errors.values())
    print(f"\n{'operation':<44} {'calls':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for op in sorted(replay.timings):
        samples = replay.timings[op]
        print(f"{op:<44} {len(samples):8,} {statistics.median(samples) * 1000:8.0f} {percentile(samples, 0.99) * 1000:8.0f} "
              f"{replay.errors.get(op, 0):7,}")  # fmt: skip
    for op, n in replay.errors.items():
        if op not in replay.timings:
            print(f"{op:<44} {'':>8} {'':>8} {'':>8} {n:7,}")
    for (op, status), body in list(replay.samples.items())[:20]:
        print(f"  error sample: {op} → {status}: {body}")
    print(f"\ncases closed: {replay.outcomes['cases closed']:,} of {reports:,}; grabs lost (手慢了): {replay.outcomes['grabs lost (手慢了)']:,}")
    print("left on the queues at the end of the day: " + ", ".join(f"{k} {v}" for k, v in left.items() if v) or "nothing")
    if drained_after is None:
        print("  NOT drained; still left: " + ", ".join(f"{k} {v}" for k, v in after.items() if v))
    else:
        print(f"  drained {drained_after:.0f} s later; failed or dead: " + (", ".join(f"{k} {v}" for k, v in after.items() if v) or "none"))
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    verdict = lambda ok: "ok" if ok else "MISSED"
    print(f"  {'wall time of the day':<44} {wall:8.0f} s   target ≤ {TARGET_SECONDS} s  {verdict(wall <= TARGET_SECONDS)}")
    print(f"  {'errors':<44} {errors:8,}     target 0        {verdict(errors == 0)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="share of a Dezhou day (0.05: a small day)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--app-url", action="append", help="a running app host (repeat for several); default: start the stack")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes (GUNICORN_WORKERS)")
    parser.add_argument("--job-workers", type=int, default=2, help="rq workers")
    args = parser.parse_args()
    if args.app_url:
        if not (args.database_url and args.redis_url):
            parser.error("--app-url needs --database-url and --redis-url (the bench reads the city and the queues)")
        run_day(args.app_url, args.database_url, args.redis_url, scale=args.scale, concurrency=args.concurrency)
        return
    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="city-day-")))
        running, database_url, redis_url = start_stack(stack, base, args.web_workers, args.job_workers)
        try:
            run_day([running.web_url], database_url, redis_url, scale=args.scale, concurrency=args.concurrency)
        finally:
            if dead := running.dead():
                print("processes that stopped during the day: " + ", ".join(dead))


def start_stack(stack: ExitStack, base: Path, web_workers: int, job_workers: int, database_url: str | None = None,
                redis_url: str | None = None):  # fmt: skip
    """PostgreSQL and Redis (throwaway ones unless given), the schema, the demo city, then the processes
    (stopped when `stack` closes); answers the stack and the two URLs."""
    from tests.support.servers import find_free_port, postgres_server, redis_server

    database_url = database_url or stack.enter_context(postgres_server(base))
    redis_url = redis_url or stack.enter_context(redis_server(base))
    env = environment(base, database_url, redis_url)
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    seed_city(env)
    print(f"stack: schema and the demo city (no history) in {time.perf_counter() - started:.0f} s", flush=True)
    running = Stack(base, env)
    stack.callback(running.stop)
    running.web_url = running.web("web", f"127.0.0.1:{find_free_port()}", web_workers)
    running.workers(job_workers)
    running.scheduler_and_relay()
    return running, database_url, redis_url


if __name__ == "__main__":
    main()
