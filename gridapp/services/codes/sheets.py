"""Printable A4 sheets of door plates for a building, grid or community.

Small batches are drawn inside the request; large ones (thousands of codes) by a
background job that reports progress on the SheetJob row, which the admin polls.
The PDF goes to media storage; captions name places, never residents.
"""
from __future__ import annotations

import io
import uuid
from collections import defaultdict

from sqlalchemy import func, select

from gridapp import jobs
from gridapp.authz import Actor, require_region
from gridapp.clock import now
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import QrCode, Region, SheetJob
from gridapp.models.codes import CODE_KINDS
from gridapp.services.codes import entities
from gridapp.services.codes.issuing import ADMIN_READ_ROLES, ADMIN_ROLES, url_for_token
from gridapp.services.regions.tree import get_region, subtree_filter
from gridapp.storage import media_storage
from gridapp.unit_of_work import unit_of_work
from qr.captions import printable
from qr.fonts import font_path

INLINE_LIMIT = 96  # eight pages: drawn in well under a second
PRINTABLE_KINDS = tuple(kind for kind in CODE_KINDS if kind != "resident")
SUBTITLES = {
    "household_outdoor": "户外码 · 扫码反映问题、联系网格员",
    "household_indoor": "室内码 · 本户成员及网格员扫码",
    "shop": "商户码 · 扫码查看、评价、反映问题",
    "cadre": "干部码 · 扫码评价、联系",
    "ebike": "电动车码 · 扫码通知车主挪车",
    "stall": "流动摊位码 · 扫码查看许可",
    "place": "公共部位码 · 扫码反映问题",
}


def _codes_query(city_id: int, region: Region, kinds: list[str], building: str | None):
    stmt = (
        select(QrCode)
        .join(Region, Region.id == QrCode.region_id)
        .where(QrCode.city_id == city_id, QrCode.status == "active", QrCode.kind.in_(kinds), subtree_filter(region.path))
    )
    if building is not None:
        stmt = stmt.where(QrCode.entity_type.in_(("household", "place")))
    return stmt


def plates(city_id: int, region: Region, kinds: list[str], building: str | None) -> list[dict]:
    """Every plate of the batch, ordered by grid, then kind, then where it hangs."""
    codes = db.session.scalars(_codes_query(city_id, region, kinds, building).order_by(Region.path, QrCode.kind, QrCode.entity_id)).all()
    by_type: dict[str, set[int]] = defaultdict(set)
    for code in codes:
        by_type[code.entity_type].add(code.entity_id)
    loaded = {}
    for etype, ids in by_type.items():
        model = entities.MODELS[etype]
        for chunk in [sorted(ids)[i:i + 500] for i in range(0, len(ids), 500)]:
            for row in db.session.scalars(select(model).where(model.city_id == city_id, model.id.in_(chunk))):
                loaded[etype, row.id] = row
    regions = {r.id: r for r in db.session.scalars(select(Region).where(Region.city_id == city_id, subtree_filter(region.path)))}
    parents = {r.id: regions.get(r.parent_id) for r in regions.values()}
    out = []
    for code in codes:
        entity = loaded[code.entity_type, code.entity_id]
        if building is not None and entity.building != building:
            continue
        grid = regions.get(code.region_id)
        community = grid if grid is not None and grid.level == "community" else parents.get(code.region_id)
        title = _title(code.kind, entity, community)
        subtitle = f"{grid.name if grid else ''} {SUBTITLES[code.kind]}".strip()
        out.append({"url": url_for_token(code.token), "title": _printable(title), "subtitle": _printable(subtitle), "code_id": code.id})
    return out


def _printable(text: str) -> str:
    """Fields accept any storable text; what the caption font cannot draw shows as a box, never a failed print."""
    return printable(text, font_path())


def _title(kind: str, entity, community: Region | None) -> str:
    """Like entities.place_label, but from preloaded regions: a sheet of 3,000 plates makes no per-plate queries."""
    if kind == "household_outdoor":
        return entity.outdoor_label
    if kind == "household_indoor":
        return entity.place_label
    if kind == "shop":
        return entity.name
    if kind == "cadre":
        return f"{entity.name} · {entity.post}"
    if kind == "ebike":
        return f"电动车 {entity.plate_no}"
    if kind == "stall":
        return f"{entity.goods}摊位 · {entity.permitted_area}"
    return f"{entity.building or ''}{entity.name}" if kind == "place" else (community.name if community else "")


def caption(code: QrCode) -> str:
    """The caption under a single code's image: where it hangs, then what scanning does."""
    entity = entities.get_entity(code.city_id, code.entity_type, code.entity_id, active_only=False)
    region = code.region
    title = _title(code.kind, entity, entities.community_of(region))
    subtitle = f"{(region.name + ' ') if region else ''}{SUBTITLES[code.kind]}"
    return f"{_printable(title)}\n{_printable(subtitle)}"


def _kinds(kinds: list[str] | None) -> list[str]:
    kinds = list(kinds or PRINTABLE_KINDS)
    unknown = [k for k in kinds if k not in PRINTABLE_KINDS]
    if unknown:
        raise ValidationFailed("二维码类型不正确", details={"kinds": unknown})
    return kinds


@unit_of_work
def request_sheet(actor: Actor, region_id: int, kinds: list[str] | None = None, building: str | None = None) -> SheetJob:
    region = get_region(actor.city_id, region_id)
    require_region(actor, actor.city_id, region.path, roles=ADMIN_ROLES)
    kinds = _kinds(kinds)
    total = len(plates(actor.city_id, region, kinds, building)) if building else db.session.scalar(
        select(func.count()).select_from(_codes_query(actor.city_id, region, kinds, None).subquery())
    )
    if not total:
        raise ValidationFailed("所选范围内没有可打印的二维码，请先生成二维码", code="nothing_to_print")
    job = SheetJob(
        city_id=actor.city_id, requested_by_id=actor.user_id, region_id=region.id, building=building,
        kinds=",".join(kinds), total=total,
    )
    db.session.add(job)
    db.session.flush()
    if total <= INLINE_LIMIT:
        render_sheet(job)
    else:
        jobs.enqueue("build_sheet", job.city_id, job.id)
    return job


def get_sheet(actor: Actor, job_id: int) -> SheetJob:
    job = db.session.scalar(select(SheetJob).where(SheetJob.city_id == actor.city_id, SheetJob.id == job_id))
    if job is None:
        raise NotFound("打印任务不存在")
    require_region(actor, actor.city_id, get_region(actor.city_id, job.region_id).path, roles=ADMIN_READ_ROLES)
    return job


def sheet_pdf(actor: Actor, job_id: int) -> tuple[SheetJob, bytes]:
    job = get_sheet(actor, job_id)
    if job.status != "done" or not job.media_key:
        raise ValidationFailed("打印文件尚未生成完成", code="not_ready", details={"status": job.status, "done": job.done, "total": job.total})
    return job, media_storage().read(job.media_key)


def _store(pdf: bytes) -> str:
    stamp = now()
    key = f"sheets/{stamp:%Y}/{stamp:%m}/{uuid.uuid4().hex}.pdf"
    media_storage().save(key, pdf, "application/pdf")
    return key


def draw(batch: list[dict], progress=None) -> bytes:
    from qr.sheets import write_sheets

    out = io.BytesIO()
    write_sheets(batch, out, total=len(batch), progress=progress)
    return out.getvalue()


def render_sheet(job: SheetJob) -> None:
    """Small batches: drawn and stored within the caller's unit of work."""
    batch = plates(job.city_id, get_region(job.city_id, job.region_id), job.kinds.split(","), job.building)
    job.media_key = _store(draw(batch))
    job.status, job.done, job.total, job.finished_at = "done", len(batch), len(batch), now()


# The background path is split into short units of work so that no transaction is held
# open while thousands of plates are drawn, and each progress step is committed for pollers.

def _job(city_id: int, job_id: int) -> SheetJob | None:
    return db.session.scalar(select(SheetJob).where(SheetJob.city_id == city_id, SheetJob.id == job_id))


@unit_of_work
def start_sheet(city_id: int, job_id: int) -> list[dict] | None:
    """The plates to draw, or None when an earlier attempt already finished the job."""
    job = _job(city_id, job_id)
    if job is None or job.status == "done":
        return None
    batch = plates(city_id, get_region(city_id, job.region_id), job.kinds.split(","), job.building)
    job.status, job.done, job.total, job.error = "running", 0, len(batch), None
    return batch


@unit_of_work
def record_progress(city_id: int, job_id: int, done: int) -> None:
    _job(city_id, job_id).done = done


@unit_of_work
def complete_sheet(city_id: int, job_id: int, pdf: bytes) -> None:
    job = _job(city_id, job_id)
    job.media_key = _store(pdf)
    job.status, job.done, job.finished_at = "done", job.total, now()


@unit_of_work
def fail_sheet(city_id: int, job_id: int, error: str) -> None:
    job = _job(city_id, job_id)
    job.status, job.error = "failed", error[:1000]
