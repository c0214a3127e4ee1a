"""Codes benchmark: drawing the demo city's code images and a community's printable sheet.

    python bench/codes.py [--database-url postgresql://...]

Without --database-url (or DATABASE_URL) it starts a throwaway PostgreSQL server
(tests/support/servers.py). It seeds the demo city (over 4,000 codes), renders every active
code as the PNG an admin downloads, then asks for 康和社区's sheet over the API the way the
dashboard does (more plates than are drawn inline: the job runs in-process here, as without
Redis) and fetches the PDF. tests/test_codes_demo.py proves every one of them decodes.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from harness import bench_app, figure  # first: it puts the repository on sys.path
from sqlalchemy import select  # noqa: E402

from gridapp.demo.city import seed_demo_city  # noqa: E402
from gridapp.extensions import db  # noqa: E402
from gridapp.models import QrCode, Region, User  # noqa: E402
from gridapp.services.codes.issuing import url_for_token  # noqa: E402
from qr.render import render_png  # noqa: E402
from tests.support.factories import auth_headers  # noqa: E402

PNG_MS = 50  # one code image: an admin downloads a grid's worth at a time
SHEET_S = 30  # a community's sheet, from asking to the PDF in hand


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as media, bench_app(
        args.database_url, MEDIA_ROOT=media, REDIS_URL=None, RATELIMIT_ENABLED=False
    ) as app:
        started = time.perf_counter()
        seed_demo_city()
        db.session.commit()
        print(f"demo city seeded in {time.perf_counter() - started:.1f} s")

        urls = [url_for_token(c.token) for c in db.session.scalars(select(QrCode).where(QrCode.status == "active"))]
        samples = []
        for url in urls:
            start = time.perf_counter()
            render_png(url, size_px=232, ec="Q")
            samples.append((time.perf_counter() - start) * 1000)
        figure("a code's PNG (232 px, level Q): median", statistics.median(samples), PNG_MS, note=f"({len(urls):,} codes)")
        figure("a code's PNG: 95th percentile", statistics.quantiles(samples, n=20)[-1], PNG_MS)

        community = db.session.scalar(select(Region).where(Region.code == "kbs-hbgx-kc"))
        headers = auth_headers(db.session.scalar(select(User).where(User.username == "kc_shuji")))
        client = app.test_client()
        start = time.perf_counter()
        job = client.post("/api/v1/code-sheets", headers=headers, json={"region_id": community.id}).json
        polled = client.get(f"/api/v1/code-sheets/{job['id']}", headers=headers).json
        pdf = client.get(polled["download_url"], headers=headers).data
        elapsed = time.perf_counter() - start
        note = f"({polled['total']} plates, {len(pdf) / 1e6:.1f} MB)"
        figure(f"{community.name}'s sheet, asked for to downloaded", elapsed, SHEET_S, unit="s", note=note)


if __name__ == "__main__":
    main()
