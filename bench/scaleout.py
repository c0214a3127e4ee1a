"""Scale-out on one machine: two app hosts and a job host, PostgreSQL with a streaming replica, the city day over both.

    .venv/bin/python -u bench/scaleout.py [--scale 0.05] [--concurrency 32]   # as root: set up, replay, tear down
    .venv/bin/python bench/scaleout.py --down                                  # remove what a killed run left behind

Each host is a network namespace with its own address, joined to the others by veth pairs on one bridge:

    the machine (root namespace)  10.77.4.1    PostgreSQL writer and its streaming replica, Redis, the phones
    app1                          10.77.4.11   gunicorn (deploy/gunicorn.conf.py) on :8000
    app2                          10.77.4.12   gunicorn on :8000
    jobs                          10.77.4.21   two rq workers with their scheduler, `flask scheduler run`, `flask outbox relay`

The replica is `pg_basebackup -R -X stream` of the writer (run as the postgres user). Every process gets
DATABASE_URL (the writer) and DATABASE_READ_URL (the replica), so the leaders' dashboards read the
replica. The city-day replay (bench/city_day.py) then sends each phone to one of the two app hosts, as
a load balancer would; after it, one dashboard page is read and the replica's counters show the rows
it returned. Media stay on this machine's disk, which all the namespaces share (S3 on real hosts).
"""
from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
from redis import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import city_day
from production import Stack, environment, flask, seed_city

from tests.support import servers
from tests.support.replica import database_on, primary_and_replica, wait_for_replay

SUBNET = "10.77.4"
MACHINE = f"{SUBNET}.1"
BRIDGE = "g4br0"
HOSTS = {"app1": 11, "app2": 12, "jobs": 21}
APP_PORT = 8000


def namespace(host: str) -> str:
    return f"gridapp-{host}"


def ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True)


def network_up() -> None:
    """The bridge with the machine's address, and each host's namespace wired to it by a veth pair."""
    ip("link", "add", BRIDGE, "type", "bridge")
    ip("addr", "add", f"{MACHINE}/24", "dev", BRIDGE)
    ip("link", "set", BRIDGE, "up")
    for host, last in HOSTS.items():
        ns, outside, inside = namespace(host), f"g4{host}", f"g4{host}i"
        ip("netns", "add", ns)
        ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        ip("link", "set", inside, "netns", ns)
        ip("link", "set", outside, "master", BRIDGE)
        ip("link", "set", outside, "up")
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "addr", "add", f"{SUBNET}.{last}/24", "dev", inside)
        ip("-n", ns, "link", "set", inside, "up")
        ip("-n", ns, "route", "add", "default", "via", MACHINE)


def network_down() -> None:
    """Deleting a namespace deletes its end of the veth pair, and with it the other end."""
    for host in HOSTS:
        ip("netns", "del", namespace(host), check=False)
    ip("link", "del", BRIDGE, check=False)


def on(host: str) -> list[str]:
    return ["ip", "netns", "exec", namespace(host)]


@contextlib.contextmanager
def redis_on_the_bridge(base: Path):
    port = servers.find_free_port()
    proc = subprocess.Popen(
        [str(servers.redis_server_binary()), "--port", str(port), "--bind", f"{MACHINE} 127.0.0.1", "--protected-mode", "no",
         "--save", "", "--appendonly", "no", "--dir", str(base), "--loglevel", "warning", "--maxclients", "2000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://{MACHINE}:{port}/0"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(Exception):
                if Redis.from_url(url).ping():
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not answer")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def replica_rows(reader: str) -> int:
    """Rows the replica has returned to its clients so far, in the app's database."""
    with psycopg.connect(servers.libpq_url(reader), autocommit=True) as conn:
        return conn.execute("SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]


def dashboard_read(app_url: str, reader: str) -> int:
    """A district leader signs in on an app host and opens the dashboard: the rows it cost the replica."""
    token = city_day.json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{app_url}/api/v1/auth/login", method="POST", headers={"Content-Type": "application/json"},
        data=city_day.json.dumps({"city": city_day.CITY, "username": "kbs_shuji", "password": city_day.PASSWORD}).encode(),
    ), timeout=60).read())["access_token"]  # fmt: skip
    before = replica_rows(reader)
    time.sleep(1)  # pg_stat_database is updated about once a second
    with urllib.request.urlopen(urllib.request.Request(f"{app_url}/dashboard/", headers={"Authorization": f"Bearer {token}"}), timeout=120):
        pass
    time.sleep(1.5)
    return replica_rows(reader) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes on each app host")
    parser.add_argument("--job-workers", type=int, default=2, help="rq workers on the job host")
    parser.add_argument("--down", action="store_true", help="only remove the namespaces and the bridge")
    args = parser.parse_args()
    network_down()
    if args.down:
        return
    with contextlib.ExitStack() as stack:
        network_up()
        stack.callback(network_down)
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scaleout-")))
        primary, replica = stack.enter_context(primary_and_replica(listen=f"127.0.0.1,{MACHINE}", clients=f"{SUBNET}.0/24"))
        servers.create_database(primary.url, "gridapp")
        writer, reader = database_on(primary, "gridapp", MACHINE), database_on(replica, "gridapp", MACHINE)
        redis_url = stack.enter_context(redis_on_the_bridge(base))
        env = environment(base, writer, redis_url, DATABASE_READ_URL=reader)
        started = time.perf_counter()
        flask(env, "db", "upgrade")
        seed_city(env)
        wait_for_replay(writer, reader)
        print(f"writer {writer}, replica {reader} (streaming), redis {redis_url}; "
              f"schema and the demo city (no history) in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        running = Stack(base, env)
        stack.callback(running.stop)
        urls = [running.web(host, f"{SUBNET}.{HOSTS[host]}:{APP_PORT}", args.web_workers, on(host)) for host in ("app1", "app2")]
        running.workers(args.job_workers, on("jobs"))
        running.scheduler_and_relay(on("jobs"))
        print(f"app hosts {', '.join(urls)}; job host {SUBNET}.{HOSTS['jobs']} ({args.job_workers} rq workers, scheduler, relay)")
        city_day.run_day(urls, writer, redis_url, scale=args.scale, concurrency=args.concurrency)
        wait_for_replay(writer, reader)
        for url in urls:
            print(f"dashboard opened on {url}: the replica returned {dashboard_read(url, reader):,} rows for it")
        if dead := running.dead():
            print("processes that stopped during the day: " + ", ".join(dead))


if __name__ == "__main__":
    main()
