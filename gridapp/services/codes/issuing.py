"""Issuing, revoking and replacing printed codes, and finding what a token names.

A printed code is permanent: its token is never reused or edited. Replacing a code
(lost, defaced, leaked) issues a new token and marks the old one "replaced", so the
old printout answers 410 with a clear page instead of pointing at anything.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, require_region
from gridapp.clock import now
from gridapp.errors import Conflict, Gone, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import QrCode, Region
from gridapp.models.codes import CODE_KINDS, kinds_for
from gridapp.services.codes import entities
from gridapp.services.regions.tree import get_region, subtree_filter
from gridapp.unit_of_work import unit_of_work
from qr.tokens import code_url, looks_like_token, new_token

# Community admins and above manage codes, within their own subtree.
ADMIN_ROLES = Permission(
    "codes.admin", OFFICIAL_ROLES | {Role.SYSTEM_ADMIN},
    "officials keep the records and codes of their subtree",
)
ADMIN_READ_ROLES = Permission(
    "codes.read", ADMIN_ROLES | {Role.SUPER_ADMIN}, "super admins read them too, without changing them"
)

GONE_REPLACED = "该二维码已更换，旧码不再使用。请扫描现场新张贴的二维码。"
GONE_REVOKED = "该二维码已停用，无法继续使用。"


@dataclass(frozen=True)
class CodeLocation:
    """What a token names, for services that act on a scan (e.g. a report) without an actor."""

    city_id: int
    code_id: int
    kind: str
    grid_id: int | None  # the grid, or None when the code's region is a community (cadre codes)
    place_label: str
    entity_type: str
    entity_id: int
    region_id: int | None = None


def url_for_token(token: str) -> str:
    return code_url(current_app.config["PUBLIC_BASE_URL"], token)


def live_code(token: str) -> QrCode:
    """The active code for a token: NotFound when no such token, Gone when revoked or replaced.

    Both answers are the same for every caller and say nothing about the entity, so
    probing tokens reveals at most that a printout existed and was withdrawn."""
    if not looks_like_token(token):
        raise NotFound("二维码不存在", code="code_not_found")
    code = db.session.scalar(select(QrCode).where(QrCode.token == token))
    if code is None:
        raise NotFound("二维码不存在", code="code_not_found")
    if code.status == "replaced":
        raise Gone(GONE_REPLACED, code="code_replaced")
    if code.status != "active":
        raise Gone(GONE_REVOKED, code="code_revoked")
    return code


def locate_code(token: str) -> CodeLocation:
    code = live_code(token)
    entity = entities.get_entity(code.city_id, code.entity_type, code.entity_id, active_only=False)
    region = code.region
    return CodeLocation(
        city_id=code.city_id,
        code_id=code.id,
        kind=code.kind,
        grid_id=region.id if region is not None and region.level == "grid" else None,
        place_label=entities.place_label(code.kind, entity, region),
        entity_type=code.entity_type,
        entity_id=code.entity_id,
        region_id=code.region_id,
    )


def _region_path(city_id: int, region_id: int | None) -> str | None:
    if region_id is None:
        return None
    return get_region(city_id, region_id).path


def require_entity_admin(actor: Actor, entity_type: str, entity, roles=ADMIN_ROLES) -> None:
    path = _region_path(actor.city_id, entities.region_id_of(entity_type, entity))
    require_region(actor, actor.city_id, path or "/", roles=roles)


def new_code(city_id: int, entity_type: str, entity, kind: str, issued_by_id: int | None = None) -> QrCode:
    """Insert an active code; the partial unique index refuses a second live one."""
    if CODE_KINDS.get(kind, (None,))[0] != entity_type:
        raise ValidationFailed("二维码类型与对象不符", details={"kind": [kind]})
    code = QrCode(
        city_id=city_id, token=new_token(), kind=kind, entity_type=entity_type, entity_id=entity.id,
        region_id=entities.region_id_of(entity_type, entity), issued_by_id=issued_by_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(code)
            db.session.flush()
    except IntegrityError:
        raise Conflict("该对象已有有效的二维码", code="code_exists") from None
    return code


def active_code(city_id: int, entity_type: str, entity_id: int, kind: str) -> QrCode | None:
    return db.session.scalar(
        select(QrCode).where(
            QrCode.city_id == city_id, QrCode.entity_type == entity_type, QrCode.entity_id == entity_id,
            QrCode.kind == kind, QrCode.status == "active",
        )
    )


@unit_of_work
def issue_code(actor: Actor, entity_type: str, entity_id: int, kind: str) -> QrCode:
    entity = entities.get_entity(actor.city_id, entity_type, entity_id)
    require_entity_admin(actor, entity_type, entity)
    if active_code(actor.city_id, entity_type, entity_id, kind) is not None:
        raise Conflict("该对象已有有效的二维码", code="code_exists")
    return new_code(actor.city_id, entity_type, entity, kind, actor.user_id)


def get_code(actor: Actor, code_id: int, roles=ADMIN_READ_ROLES) -> QrCode:
    code = db.session.scalar(select(QrCode).where(QrCode.city_id == actor.city_id, QrCode.id == code_id))
    if code is None or code.entity_type == "user":
        raise NotFound("二维码不存在")
    path = code.region.path if code.region is not None else None
    require_region(actor, actor.city_id, path or "/", roles=roles)
    return code


@unit_of_work
def revoke_code(actor: Actor, code_id: int) -> QrCode:
    code = get_code(actor, code_id, roles=ADMIN_ROLES)
    if code.status != "active":
        raise InvalidTransition("该二维码已失效")
    code.status = "revoked"
    code.revoked_at = now()
    return code


def _replace(code: QrCode, issued_by_id: int | None) -> QrCode:
    code.status = "replaced"
    code.revoked_at = now()
    db.session.flush()  # frees the one-active slot before the new row takes it
    entity = entities.get_entity(code.city_id, code.entity_type, code.entity_id)
    fresh = new_code(code.city_id, code.entity_type, entity, code.kind, issued_by_id)
    code.replaced_by_id = fresh.id
    return fresh


@unit_of_work
def reissue_code(actor: Actor, code_id: int) -> QrCode:
    """A new token for the same entity and kind; the old printout then answers 410."""
    code = get_code(actor, code_id, roles=ADMIN_ROLES)
    if code.status != "active":
        raise InvalidTransition("只能更换有效的二维码")
    return _replace(code, actor.user_id)


def revoke_entity_codes(city_id: int, entity_type: str, entity_id: int) -> int:
    """A deactivated household or shop must not keep answering scans."""
    codes = db.session.scalars(
        select(QrCode).where(
            QrCode.city_id == city_id, QrCode.entity_type == entity_type, QrCode.entity_id == entity_id,
            QrCode.status == "active",
        )
    ).all()
    for code in codes:
        code.status = "revoked"
        code.revoked_at = now()
    return len(codes)


def issue_missing(city_id: int, region: Region | None, entity_types, issued_by_id: int | None = None) -> int:
    """Issue every kind of code that an active entity under `region` lacks; returns how many."""
    issued = 0
    for entity_type in entity_types:
        model = entities.MODELS[entity_type]
        column = model.community_id if entity_type == "cadre" else model.grid_id
        stmt = select(model).where(model.city_id == city_id, model.is_active.is_(True)).order_by(model.id)
        if region is not None:
            stmt = stmt.join(Region, Region.id == column).where(Region.city_id == city_id, subtree_filter(region.path))
        rows = db.session.scalars(stmt).all()
        existing = set(
            db.session.execute(
                select(QrCode.entity_id, QrCode.kind).where(
                    QrCode.city_id == city_id, QrCode.entity_type == entity_type, QrCode.status == "active"
                )
            ).all()
        )
        for entity in rows:
            for kind in kinds_for(entity_type):
                if (entity.id, kind) not in existing:
                    db.session.add(
                        QrCode(
                            city_id=city_id, token=new_token(), kind=kind, entity_type=entity_type,
                            entity_id=entity.id, region_id=entities.region_id_of(entity_type, entity),
                            issued_by_id=issued_by_id,
                        )
                    )
                    issued += 1
    db.session.flush()
    return issued


def issue_for(city_id: int, entity_type: str, records: list, issued_by_id: int | None = None) -> int:
    """Codes of every kind for records just created (so none has one yet); one flush for all."""
    rows = [
        QrCode(
            city_id=city_id, token=new_token(), kind=kind, entity_type=entity_type, entity_id=record.id,
            region_id=entities.region_id_of(entity_type, record), issued_by_id=issued_by_id,
        )
        for record in records
        for kind in kinds_for(entity_type)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


BULK_TYPES = ("household", "shop", "cadre", "ebike", "stall", "place")


@unit_of_work
def bulk_issue(actor: Actor, region_id: int, entity_types=BULK_TYPES) -> int:
    region = get_region(actor.city_id, region_id)
    require_region(actor, actor.city_id, region.path, roles=ADMIN_ROLES)
    unknown = [t for t in entity_types if t not in BULK_TYPES]
    if unknown:
        raise ValidationFailed("对象类型不正确", details={"entity_types": unknown})
    return issue_missing(actor.city_id, region, entity_types, actor.user_id)


@unit_of_work
def my_code(actor: Actor) -> QrCode:
    """The resident's personal code (反向扫码), issued the first time they open it."""
    code = active_code(actor.city_id, "user", actor.user_id, "resident")
    if code is None:
        user = entities.get_entity(actor.city_id, "user", actor.user_id)
        code = new_code(actor.city_id, "user", user, "resident", actor.user_id)
    return code


def list_codes(actor: Actor, region_id: int | None, kind: str | None, status: str):
    """A select of codes under a region (default: all the actor administers), most scanned first."""
    from sqlalchemy import or_

    if region_id is not None:
        paths = [get_region(actor.city_id, region_id).path]
    elif Role.SYSTEM_ADMIN in actor.roles:
        paths = ["/"]
    else:
        paths = actor.region_paths(ADMIN_READ_ROLES)
    for path in paths:
        require_region(actor, actor.city_id, path, roles=ADMIN_READ_ROLES)
    stmt = (
        select(QrCode)
        .join(Region, Region.id == QrCode.region_id)
        .where(QrCode.city_id == actor.city_id, Region.city_id == actor.city_id, QrCode.status == status, QrCode.entity_type != "user")
        .where(or_(*[subtree_filter(p) for p in paths]))
        .order_by(QrCode.scan_count.desc(), QrCode.id)
    )
    return stmt.where(QrCode.kind == kind) if kind else stmt
