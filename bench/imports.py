"""Import benchmark: a community's households from one spreadsheet, all or nothing.

    python bench/imports.py [--rows 2000] [--database-url postgresql://...]

Without --database-url (or DATABASE_URL) it starts a throwaway PostgreSQL server
(tests/support/servers.py). It builds the test suite's city and uploads an XLSX of
`--rows` households over the API as the community admin: first with one bad phone, which
is refused whole, then corrected, which imports every row and issues two codes each.
tests/test_import.py proves what each upload answers.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid

from harness import bench_app, figure  # first: it puts the repository on sys.path

from tests.support.factories import build_city  # noqa: E402
from tests.support.imports import household_rows, upload, xlsx  # noqa: E402

UPLOAD_S = 60  # the admin waits on the upload page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as media, bench_app(
        args.database_url, MEDIA_ROOT=media, REDIS_URL=None, RATELIMIT_ENABLED=False
    ) as app:
        city = build_city(f"import{uuid.uuid4().hex[:6]}")
        client = app.test_client()
        rows = household_rows(city, args.rows)
        bad = [list(row) for row in rows]
        bad[args.rows // 2][7] = "1390000"  # a phone too short
        uploads = [
            ("with one bad phone: refused whole", xlsx(bad), "", 422),
            ("imported, two codes each", xlsx(rows), "?issue_codes=true", 201),
        ]
        for label, data, query, status in uploads:
            start = time.perf_counter()
            response = upload(client, city, "households", "households.xlsx", data, query)
            elapsed = time.perf_counter() - start
            assert response.status_code == status, response.json
            figure(f"{args.rows:,} households {label}", elapsed, UPLOAD_S, unit="s")

if __name__ == "__main__":
    main()
