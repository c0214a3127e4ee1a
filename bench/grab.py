"""Grab benchmark: how fast an order is grabbed while many department staff race for it.

    python bench/grab.py [--processes 50] [--orders 200] [--database-url postgresql://...]

Without --database-url (or DATABASE_URL) it starts a throwaway PostgreSQL server
(tests/support/servers.py). It builds the test suite's points city and starts one process
per grabber, each with its own connection (tests/support/grab_workers.py, the pool
tests/test_grab_concurrency.py proves correct). Then every process grabs one order at the
same instant, and a crowd of 20 races across `--orders` orders, each in its own order.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from collections import Counter

from harness import bench_app, figure  # first: it puts the repository on sys.path

from gridapp.extensions import db  # noqa: E402
from tests.support.grab_workers import contest_city, grab_pool, post_many  # noqa: E402
from tests.support.orders import post  # noqa: E402

GRAB_MEDIAN_MS = 100  # the phone's answer to 抢单, while everyone presses at once
GRAB_WORST_MS = 1000
CROWD = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=50, help="grabbers racing for the one order")
    parser.add_argument("--orders", type=int, default=200, help="orders the crowd of 20 races across")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    with bench_app(args.database_url) as app:
        ns, staff = contest_city(max(args.processes, CROWD), code=f"grab{uuid.uuid4().hex[:6]}")
        started = time.perf_counter()
        with grab_pool(app.config["SQLALCHEMY_DATABASE_URI"], ns.city_id, len(staff)) as run:
            print(f"{len(staff)} grab processes connected in {time.perf_counter() - started:.1f} s")
            order_id = post(ns, bounty=20).id
            db.session.commit()
            outcomes = [r for results in run([(u, [order_id]) for u in staff[:args.processes]]).values() for r in results]
            latencies = sorted(o[4] for o in outcomes)
            note = f"({dict(Counter(o[1] for o in outcomes))})"
            figure(f"one order, {args.processes} grab at once: median", statistics.median(latencies), GRAB_MEDIAN_MS, note=note)
            figure(f"one order, {args.processes} grab at once: slowest", latencies[-1], GRAB_WORST_MS)

            order_ids = post_many(ns, args.orders)
            assignments = []
            for n, user_id in enumerate(staff[:CROWD]):
                mine = list(order_ids)
                random.Random(n).shuffle(mine)
                assignments.append((user_id, mine))
            outcomes = [r for results in run(assignments).values() for r in results]
            latencies = sorted(o[4] for o in outcomes)
            note = f"({len(outcomes):,} grabs, {sum(o[1] == 'won' for o in outcomes)} won)"
            figure(f"{CROWD} grab across {args.orders} orders: median", statistics.median(latencies), GRAB_MEDIAN_MS, note=note)
            figure(f"{CROWD} grab across {args.orders} orders: slowest", latencies[-1], GRAB_WORST_MS)


if __name__ == "__main__":
    main()
