"""Spreadsheets of the test city's records, uploaded the way an admin's browser sends them."""
from __future__ import annotations

import io

from openpyxl import Workbook

from gridapp.authz import Role
from tests.support.factories import auth_headers

HEADER = ["grid_code", "building", "unit", "floor", "room", "name", "relation", "phone", "id_number"]


def household_rows(city, count: int) -> list[list[object]]:
    rows = []
    for i in range(count):
        grid = city.g1 if i % 2 else city.g2
        rows.append([grid.code, f"{i // 100 + 1}号楼", f"{i % 4 + 1}单元", i % 20 + 1, f"{i:04d}", f"居民{i}", "户主", f"139{i:08d}", None])
    return rows


def xlsx(rows: list[list[object]], header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, city, kind, name, data, query="", role=Role.COMMUNITY_ADMIN):
    return client.post(
        f"/api/v1/admin/imports/{kind}{query}", headers=auth_headers(city.users[role]),
        data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
    )
