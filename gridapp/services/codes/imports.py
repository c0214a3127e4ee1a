"""Bulk import of admin records from CSV or Excel: all rows or none.

Every row is checked before anything is written, and the answer names each bad row
(as numbered in the spreadsheet, the header being row 1) and field. One bad row in
2,000 imports nothing, so a corrected file can simply be uploaded again.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from sqlalchemy import select

from gridapp.authz import Actor, Role, covers
from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Cadre, EBike, Household, HouseholdMember, MobileStall, Place, Region, Shop
from gridapp.models.places import PLACE_KINDS
from gridapp.services.codes.issuing import ADMIN_ROLES, issue_for
from gridapp.storable import UNSTORABLE_TEXT, storable_text
from gridapp.unit_of_work import unit_of_work

MAX_ROWS = 20000
MAX_ERRORS_LISTED = 200
PHONE = re.compile(r"^1\d{10}$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    required: bool = True
    max_length: int = 64
    check: Callable[[str], object] | None = None  # returns the parsed value or raises ValueError(中文)


def _floor(value: str) -> int:
    """The same floors the API takes for a household (mobile_api.schemas.admin.HouseholdInSchema)."""
    try:
        floor = int(value)
    except ValueError:
        raise ValueError("应为整数") from None
    if not -5 <= floor <= 200:
        raise ValueError("应在 -5 到 200 之间")
    return floor


def pattern(regex: re.Pattern, message: str):
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(message)
        return value

    return check


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError("日期格式应为 YYYY-MM-DD") from None


def _choice(options) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in options:
            raise ValueError(f"应为 {'、'.join(options)} 之一")
        return value

    return check


GRID = Column("grid_code", "网格编码")
COMMUNITY = Column("community_code", "社区编码")
# The first column of each kind names the region node the record belongs to.
COLUMNS = {
    "households": [
        GRID, Column("building", "楼栋", max_length=32), Column("unit", "单元", max_length=16),
        Column("floor", "楼层", check=_floor), Column("room", "房号", max_length=16),
        Column("name", "姓名", required=False), Column("relation", "与户主关系", required=False, max_length=16),
        Column("phone", "手机号", required=False, check=pattern(PHONE, "应为 11 位手机号")),
        Column("id_number", "身份证号", required=False, check=pattern(ID_NUMBER, "应为 18 位身份证号")),
    ],
    "shops": [
        GRID, Column("name", "店名", max_length=128), Column("category", "类别", max_length=32), Column("address", "地址", max_length=255),
        Column("licence_no", "营业执照号", required=False, max_length=32),
        Column("licence_status", "执照状态", required=False, check=_choice(["valid", "expired", "revoked", "pending"])),
        Column("owner_name", "经营者", required=False), Column("owner_phone", "经营者手机号", required=False, check=pattern(PHONE, "应为 11 位手机号")),
    ],
    "ebikes": [
        GRID, Column("plate_no", "车牌号", max_length=16), Column("brand", "品牌", required=False, max_length=32),
        Column("color", "颜色", required=False, max_length=16), Column("owner_name", "车主"),
        Column("owner_phone", "车主手机号", required=False, check=pattern(PHONE, "应为 11 位手机号")),
    ],
    "stalls": [
        GRID, Column("vendor_name", "摊主"), Column("vendor_phone", "摊主手机号", required=False, check=pattern(PHONE, "应为 11 位手机号")),
        Column("goods", "经营品类"), Column("permitted_area", "许可区域", max_length=255),
        Column("open_time", "出摊时间", check=pattern(HHMM, "时间格式应为 HH:MM")),
        Column("close_time", "收摊时间", check=pattern(HHMM, "时间格式应为 HH:MM")),
        Column("valid_from", "许可开始日期", check=_date), Column("valid_until", "许可结束日期", check=_date),
    ],
    "places": [
        GRID, Column("kind", "类型", check=_choice(list(PLACE_KINDS))), Column("name", "名称", max_length=128),
        Column("building", "楼栋", required=False, max_length=32),
    ],
    "cadres": [
        COMMUNITY, Column("name", "姓名", max_length=64), Column("post", "职务", max_length=64),
        Column("phone", "手机号", required=False, check=pattern(PHONE, "应为 11 位手机号")),
        Column("serves", "服务内容", required=False, max_length=255),
    ],
}
ENTITY_TYPES = {
    "households": "household", "shops": "shop", "ebikes": "ebike", "stalls": "stall", "places": "place", "cadres": "cadre",
}  # fmt: skip


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cell texts from a .csv (UTF-8 or GBK, as Excel saves it in China) or .xlsx file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ValidationFailed("无法读取 Excel 文件，请另存为 .xlsx 后重试", code="unreadable_file") from None
        rows = [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationFailed("CSV 文件编码无法识别，请保存为 UTF-8", code="unreadable_file")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    raise ValidationFailed("只支持 .csv 和 .xlsx 文件", code="unsupported_file")


def cell_value(column: Column, raw: str):
    """One non-blank cell's value, checked; ValueError with the message to show (naming the column)."""
    if not raw:
        raise ValueError(f"{column.label}不能为空")
    if not storable_text(raw):
        raise ValueError(f"{column.label}{UNSTORABLE_TEXT}")
    if len(raw) > column.max_length and column.check is None:
        raise ValueError(f"{column.label}不能超过 {column.max_length} 个字")
    try:
        return column.check(raw) if column.check else raw
    except ValueError as exc:
        raise ValueError(f"{column.label}{exc}") from None


def read_rows(columns: list[Column], table: list[list[str]], errors: list[dict]) -> list[tuple[int, dict]]:
    """Each data row's checked values by column name, numbered as in the spreadsheet; problems go to `errors`.

    Headers may use a column's name or its Chinese label; blank rows are skipped.
    """
    header = [h.strip() for h in (table[0] if table else [])]
    positions = {}
    for column in columns:
        for alias in (column.name, column.label):
            if alias in header:
                positions[column.name] = header.index(alias)
    missing = [f"{c.name}（{c.label}）" for c in columns if c.required and c.name not in positions]
    if missing:
        raise ValidationFailed("表头缺少必填列：" + "、".join(missing), code="import_invalid", details={"missing_columns": missing})
    parsed = []
    for number, row in enumerate(table[1:], start=2):
        if not any(cell for cell in row):
            continue
        values = {}
        for column in columns:
            index = positions.get(column.name)
            raw = row[index] if index is not None and index < len(row) else ""
            if not raw and not column.required:
                continue
            try:
                values[column.name] = cell_value(column, raw)
            except ValueError as exc:
                shown = {"value": raw} if raw and column.check and storable_text(raw) else {}  # what the check refused
                errors.append({"row": number, "field": column.name, "message": str(exc), **shown})
        parsed.append((number, values))
    if not parsed and not errors:
        raise ValidationFailed("文件中没有数据行", code="import_invalid")
    if len(parsed) > MAX_ROWS:
        raise ValidationFailed(f"单次最多导入 {MAX_ROWS} 行", code="import_invalid")
    return parsed


def refuse_if_any(errors: list[dict], where: str = "row") -> None:
    """All or nothing: any error refuses the whole file, naming each bad row (or feature) and field."""
    if not errors:
        return
    errors.sort(key=lambda e: (e[where], e["field"]))
    first = errors[0]
    place = f"第 {first[where]} 行" if where == "row" else f"第 {first[where]} 个要素"
    raise ValidationFailed(
        f"导入文件有 {len(errors)} 处错误，未导入任何数据（{place} {first['field']}：{first['message']}）",
        code="import_invalid",
        details={"error_count": len(errors), "errors": errors[:MAX_ERRORS_LISTED]},
    )


def template(columns: list[Column], fmt: str, example: list[str] | None = None) -> tuple[bytes, str]:
    """An import file to fill in: the header row (Chinese labels) and an example row if given, as CSV (UTF-8 with BOM,
    for Excel) or XLSX."""
    rows = [[column.label for column in columns], *([example] if example else [])]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    raise ValidationFailed("模板格式只能是 csv 或 xlsx", details={"format": [fmt]})


def _parse(kind: str, table: list[list[str]], grids: dict[str, Region], errors: list[dict]) -> list[tuple[int, dict, Region]]:
    place = COLUMNS[kind][0]  # names the region node the record belongs to
    parsed = []
    for number, values in read_rows(COLUMNS[kind], table, errors):
        grid = None
        if place.name in values:
            grid = grids.get(values.pop(place.name))
            if grid is None:
                errors.append({"row": number, "field": place.name, "message": f"{place.label}不存在或不在您的管辖范围内"})
        parsed.append((number, values, grid))
    return parsed


def _grids(actor: Actor, level: str = "grid") -> dict[str, Region]:
    """Region nodes of one level the admin may import into, by code."""
    paths = actor.region_paths(ADMIN_ROLES)
    rows = db.session.scalars(select(Region).where(Region.city_id == actor.city_id, Region.level == level))
    everything = Role.SYSTEM_ADMIN in actor.roles
    return {r.code: r for r in rows if everything or covers(paths, r.path)}


def _build(actor: Actor, kind: str, parsed, errors: list[dict]) -> list:
    city_id = actor.city_id
    if kind == "households":
        grid_ids = {grid.id for _n, _v, grid in parsed if grid is not None}
        existing = set(
            db.session.execute(
                select(Household.grid_id, Household.building, Household.unit, Household.room).where(
                    Household.city_id == city_id, Household.grid_id.in_(grid_ids)
                )
            ).all()
        )
        homes: dict[tuple, Household] = {}
        for number, v, grid in parsed:
            if grid is None or not {"building", "unit", "room", "floor"} <= v.keys():
                continue
            key = (grid.id, v["building"], v["unit"], v["room"])
            if key in existing:
                errors.append({"row": number, "field": "room", "message": "该住户已存在，请在系统中修改"})
                continue
            home = homes.get(key)
            if home is None:
                home = homes[key] = Household(city_id=city_id, grid_id=grid.id, building=v["building"], unit=v["unit"], floor=v["floor"], room=v["room"])
            elif home.floor != v["floor"]:
                errors.append({"row": number, "field": "floor", "message": "同一住户的楼层前后不一致"})
            if v.get("name"):
                home.members.append(HouseholdMember(
                    city_id=city_id, name=v["name"], relation=v.get("relation") or "成员", phone=v.get("phone"), id_number=v.get("id_number"),
                ))
            elif any(v.get(f) for f in ("relation", "phone", "id_number")):
                errors.append({"row": number, "field": "name", "message": "填写了成员信息但缺少姓名"})
        return list(homes.values())
    if kind == "cadres":
        return [Cadre(city_id=city_id, community_id=community.id, **v) for _n, v, community in parsed if community is not None]
    model = {"shops": Shop, "ebikes": EBike, "stalls": MobileStall, "places": Place}[kind]
    records = []
    plates_seen: dict[str, int] = {}
    if kind == "ebikes":
        plates = [v.get("plate_no") for _n, v, _g in parsed if v.get("plate_no")]
        taken = set(db.session.scalars(select(EBike.plate_no).where(EBike.city_id == city_id, EBike.plate_no.in_(plates)))) if plates else set()
    for number, v, grid in parsed:
        if grid is None:
            continue
        if kind == "ebikes" and "plate_no" in v:
            if v["plate_no"] in taken:
                errors.append({"row": number, "field": "plate_no", "message": "该车牌已登记"})
            elif v["plate_no"] in plates_seen:
                errors.append({"row": number, "field": "plate_no", "message": f"与第 {plates_seen[v['plate_no']]} 行车牌重复"})
            plates_seen.setdefault(v["plate_no"], number)
        if kind == "stalls" and {"valid_from", "valid_until"} <= v.keys() and v["valid_from"] > v["valid_until"]:
            errors.append({"row": number, "field": "valid_until", "message": "许可结束日期不能早于开始日期"})
        records.append(model(city_id=city_id, grid_id=grid.id, **v))
    return records


def record_template(actor: Actor, kind: str, fmt: str) -> tuple[bytes, str]:
    ADMIN_ROLES.require(actor)
    if kind not in COLUMNS:
        raise ValidationFailed("不支持导入该类数据", details={"kind": [kind]})
    return template(COLUMNS[kind], fmt)


@unit_of_work
def import_records(actor: Actor, kind: str, filename: str, data: bytes, issue_codes: bool = False) -> dict:
    if kind not in COLUMNS:
        raise ValidationFailed("不支持导入该类数据", details={"kind": [kind]})
    table = read_table(filename, data)
    errors: list[dict] = []
    parsed = _parse(kind, table, _grids(actor, "community" if kind == "cadres" else "grid"), errors)
    records = _build(actor, kind, parsed, errors)
    refuse_if_any(errors)
    db.session.add_all(records)
    db.session.flush()
    issued = issue_for(actor.city_id, ENTITY_TYPES[kind], records, actor.user_id) if issue_codes else 0
    return {"imported": len(records), "rows": len(parsed), "codes_issued": issued}
