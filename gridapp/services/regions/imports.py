"""Building the region tree from a file: districts → streets → communities → grids, all or nothing.

A GeoJSON FeatureCollection (each feature's properties: code, name, level, parent_code; a grid's
geometry is its boundary) or a CSV/XLSX sheet read by the records import's reader
(services.codes.imports), with the same row errors. A parent is a node already in the city or one
defined in the same file; an empty parent code means the city itself. Every node is checked before
any is written, and the 422 answer names each bad feature or row. Overlapping grids do not stop the
import: they come back as warnings to fix by redrawing.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Region, RegionLevel
from gridapp.services.codes.imports import Column, cell_value, read_rows, read_table, refuse_if_any, template
from gridapp.services.regions import geo
from gridapp.services.regions.admin import REGION_ADMINS, may_add_under, overlap_warnings, snapshot
from gridapp.services.regions.tree import add_region, child_level
from gridapp.services.setup import changes
from gridapp.unit_of_work import unit_of_work

IMPORTABLE = [RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID]
LEVEL_NAMES = {**{lv.value: lv for lv in IMPORTABLE}, **{lv.label: lv for lv in IMPORTABLE}}
MAX_NODES = 20000


def _level(value: str) -> RegionLevel:
    if value not in LEVEL_NAMES:
        raise ValueError("应为 区、街道、社区、网格（或 district、street、community、grid）之一")
    return LEVEL_NAMES[value]


def _geometry(value: str) -> dict:
    try:
        geometry = json.loads(value)
    except (ValueError, RecursionError):
        raise ValueError("应为 GeoJSON 几何对象（Polygon 或 MultiPolygon）") from None
    return geometry


COLUMNS = [
    Column("code", "编码"),
    Column("name", "名称", max_length=128),
    Column("level", "层级", check=_level),
    Column("parent_code", "上级编码", required=False),
    Column("boundary", "边界", required=False, max_length=1_000_000, check=_geometry),
]


def region_template(actor: Actor, fmt: str) -> tuple[bytes, str]:
    """An empty sheet to fill in, or for GeoJSON a FeatureCollection with one example of each level."""
    REGION_ADMINS.require(actor)
    if fmt != "geojson":
        return template(COLUMNS, fmt)
    ring = [[109.78, 39.6], [109.79, 39.6], [109.79, 39.61], [109.78, 39.61], [109.78, 39.6]]
    rows = [
        ("D01", "示例区", "district", ""),
        ("S01", "示例街道", "street", "D01"),
        ("C01", "示例社区", "community", "S01"),
        ("G01", "示例网格", "grid", "C01"),
    ]
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
            "geometry": {"type": "Polygon", "coordinates": [ring]} if level == "grid" else None,
        }
        for code, name, level, parent in rows
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
    return body.encode("utf-8"), "application/geo+json"


def _features(data: bytes, errors: list[dict]) -> list[tuple[int, dict]]:
    """(number, values) per feature, numbered from 1, checked like the sheet's columns."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationFailed("无法读取 GeoJSON 文件", code="unreadable_file") from None
    if (
        not isinstance(document, dict)
        or document.get("type") != "FeatureCollection"
        or not isinstance(document.get("features"), list)
    ):
        raise ValidationFailed("GeoJSON 文件须为 FeatureCollection", code="import_invalid")
    if not document["features"]:
        raise ValidationFailed("文件中没有要素", code="import_invalid")
    if len(document["features"]) > MAX_NODES:
        raise ValidationFailed(f"单次最多导入 {MAX_NODES} 个区域", code="import_invalid")
    parsed = []
    for number, feature in enumerate(document["features"], start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            errors.append({"feature": number, "field": "properties", "message": "要素缺少 properties"})
            continue
        values = {}
        for column in COLUMNS[:4]:
            raw = properties.get(
                column.name,
                properties.get(column.label, properties.get("parent") if column.name == "parent_code" else None),
            )
            raw = "" if raw is None else str(raw).strip()
            if not raw and not column.required:
                continue
            try:
                values[column.name] = cell_value(column, raw)
            except ValueError as exc:
                errors.append({"feature": number, "field": column.name, "message": str(exc)})
        geometry = feature.get("geometry")
        if values.get("level") == RegionLevel.GRID:
            if geometry is None:
                errors.append(
                    {"feature": number, "field": "geometry", "message": "网格要素须带有边界（Polygon 或 MultiPolygon）"}
                )
            else:
                values["boundary"] = geometry
        parsed.append((number, values))
    return parsed


@unit_of_work
def import_tree(actor: Actor, filename: str, data: bytes) -> dict:
    """Create the nodes of a file under nodes the actor administers; nothing is written if any is wrong."""
    REGION_ADMINS.require(actor)
    errors: list[dict] = []
    geojson = filename.lower().endswith((".geojson", ".json"))
    where = "feature" if geojson else "row"
    parsed = _features(data, errors) if geojson else read_rows(COLUMNS, read_table(filename, data), errors)
    plan = _plan(actor, parsed, where, errors)
    refuse_if_any(errors, where)
    grids = {v["code"]: v["boundary"] for _n, v in plan if v.get("boundary") is not None}
    warnings = overlap_warnings(actor.city_id, grids) if grids else []
    created = {}
    for _number, values in plan:
        parent = created.get(values.get("parent_code")) or values["parent"]
        node = add_region(
            actor.city_id, parent, values["level"], values["code"], values["name"], values.get("boundary")
        )
        created[node.code] = node
        changes.record(actor, "region", node.id, "import", None, snapshot(node), f"从文件 {filename[:100]} 导入")
    counts = {lv.value: sum(1 for _n, v in plan if v["level"] == lv) for lv in IMPORTABLE}
    return {"created": len(plan), "by_level": counts, "warnings": warnings}


def _plan(actor: Actor, parsed: list[tuple[int, dict]], where: str, errors: list[dict]) -> list[tuple[int, dict]]:
    """The nodes in an order that creates parents first, each with its parent found; problems go to `errors`."""
    city_id = actor.city_id
    codes = [v["code"] for _n, v in parsed if "code" in v]
    wanted = set(codes) | {v["parent_code"] for _n, v in parsed if v.get("parent_code")}
    existing = {
        r.code: r for r in db.session.scalars(select(Region).where(Region.city_id == city_id, Region.code.in_(wanted)))
    }
    root = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.parent_id.is_(None)))
    in_file: dict[str, tuple[int, dict]] = {}
    for number, values in parsed:
        code = values.get("code")
        if code is None:
            continue
        if code in existing:
            errors.append({where: number, "field": "code", "message": f"编码 {code} 已存在"})
        elif code in in_file:
            errors.append({where: number, "field": "code", "message": f"编码 {code} 与第 {in_file[code][0]} 项重复"})
        else:
            in_file[code] = (number, values)
    for number, values in parsed:
        if {"code", "level"} - values.keys():
            continue
        level, parent_code = values["level"], values.get("parent_code")
        if parent_code in in_file:
            parent_level = in_file[parent_code][1].get("level")
        else:
            parent = existing.get(parent_code) if parent_code else root
            if parent is None:
                errors.append({where: number, "field": "parent_code", "message": f"上级编码 {parent_code} 不存在"})
                continue
            if parent.retired_at is not None:
                errors.append({where: number, "field": "parent_code", "message": f"上级 {parent.name} 已撤销"})
                continue
            if not may_add_under(actor, parent):
                errors.append({where: number, "field": "parent_code", "message": "上级不在您的管辖范围内"})
                continue
            values["parent"], parent_level = parent, parent.level_enum
        if parent_level is not None and child_level(parent_level) != level:
            errors.append(
                {where: number, "field": "level", "message": f"{level.label}不能建在{parent_level.label}之下"}
            )
        boundary = values.get("boundary")
        if boundary is not None:
            if level != RegionLevel.GRID:
                values.pop("boundary")  # only grids keep a boundary; a district's outline is not needed
            elif problem := geo.boundary_problem(boundary):
                errors.append({where: number, "field": "boundary", "message": problem})
    return sorted(((n, v) for n, v in parsed if {"code", "level"} <= v.keys()), key=lambda item: item[1]["level"].depth)
