"""The outside Open311 systems a city sends cases on to (services.open311.outside), as city admins set them up.

They are city-wide like the categories they serve, so the same admins keep them: system admins and the
super admins whose grant names the city. The outside system's api_key is a secret we must send in clear
text, so it is stored as given but never answered back: reads carry only its last characters, and the
setup audit (services.setup.changes, entity "outside_system") keeps a short fingerprint that says it
changed without saying what it is. A base URL with a user name or password in it is refused for the
same reason. Disabling one sends it nothing new (cases filed meanwhile stay with us) and stops fetching
its updates; enabling it again sends the cases whose send found it disabled.
"""
from __future__ import annotations

import hashlib
import urllib.parse

from sqlalchemy import select

from gridapp import jobs
from gridapp.authz import Actor, Permission, Role, administers_whole_city
from gridapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Category, ExternalEndpoint, ExternalRequest
from gridapp.services import idempotency
from gridapp.services.setup import changes
from gridapp.unit_of_work import unit_of_work

ADMINS = Permission(
    "outside_systems.administer",
    {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "outside Open311 systems serve city-wide categories: system admins and the city's own super admins set them up",
)
ENTITY = "outside_system"
FIELDS = ("name", "category_id", "base_url", "api_key", "jurisdiction_id", "service_code")
SHOWN_KEY_CHARS = 4
MIN_KEY_TO_HINT = 12


def _require(actor: Actor) -> None:
    ADMINS.require(actor)
    if not administers_whole_city(actor):
        raise Forbidden("外部系统对接全市通用，只有系统管理员或市级超级管理员可以设置")


def key_hint(endpoint: ExternalEndpoint) -> str:
    """What a reader sees of the secret: its last characters when it is long enough to spare them."""
    key = endpoint.api_key or ""
    return "••••" + (key[-SHOWN_KEY_CHARS:] if len(key) >= MIN_KEY_TO_HINT else "")


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]


def snapshot(endpoint: ExternalEndpoint) -> dict:
    """The audited fields; the key only as a fingerprint."""
    return {
        "name": endpoint.name,
        "category_id": endpoint.category_id,
        "base_url": endpoint.base_url,
        "api_key_fingerprint": _fingerprint(endpoint.api_key),
        "jurisdiction_id": endpoint.jurisdiction_id,
        "service_code": endpoint.service_code,
        "is_active": endpoint.is_active,
    }


def listing(actor: Actor):
    _require(actor)
    return select(ExternalEndpoint).where(ExternalEndpoint.city_id == actor.city_id).order_by(ExternalEndpoint.id)


def get_endpoint(actor: Actor, endpoint_id: int) -> ExternalEndpoint:
    _require(actor)
    endpoint = db.session.scalar(
        select(ExternalEndpoint).where(ExternalEndpoint.city_id == actor.city_id, ExternalEndpoint.id == endpoint_id)
    )
    if endpoint is None:
        raise NotFound("外部系统不存在", code="outside_system_not_found")
    return endpoint


def category_of(endpoint: ExternalEndpoint) -> Category | None:
    return db.session.scalar(
        select(Category).where(Category.city_id == endpoint.city_id, Category.id == endpoint.category_id)
    )


def _checked_url(url: str) -> str:
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("接口地址须为 http:// 或 https:// 开头的完整地址", details={"base_url": ["invalid"]})
    if parts.username or parts.password:
        raise ValidationFailed("接口地址中不能含用户名或密码，密钥请填在 api_key", details={"base_url": ["credentials"]})
    if parts.query or parts.fragment:
        raise ValidationFailed("接口地址不能带查询参数，填到 /v2 为止", details={"base_url": ["query"]})
    return url.rstrip("/")


def _apply(actor: Actor, endpoint: ExternalEndpoint, values: dict) -> None:
    for name in FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "base_url":
            value = _checked_url(value)
        elif name == "category_id":
            _check_category(actor, endpoint, value)
        elif name == "jurisdiction_id":
            value = (value or "").strip() or None
        elif isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValidationFailed("该项不能为空", details={name: ["required"]})
        setattr(endpoint, name, value)


def _check_category(actor: Actor, endpoint: ExternalEndpoint, category_id: int) -> None:
    category = db.session.scalar(select(Category).where(Category.city_id == actor.city_id, Category.id == category_id))
    if category is None:
        raise ValidationFailed("问题类别不存在", details={"category_id": ["not_found"]})
    taken = db.session.scalar(
        select(ExternalEndpoint.id).where(ExternalEndpoint.city_id == actor.city_id, ExternalEndpoint.category_id == category_id)
    )
    if taken is not None and taken != endpoint.id:
        raise Conflict(f"类别“{category.name}”已对接外部系统（编号 {taken}）", code="outside_system_exists")


def create_once(actor: Actor, claim, values: dict) -> ExternalEndpoint:
    return idempotency.create(claim, ENTITY, lambda: create(actor, values), lambda i: get_endpoint(actor, i))


@unit_of_work
def create(actor: Actor, values: dict) -> ExternalEndpoint:
    """Connect a category to an outside system: its new cases are sent there from now on."""
    _require(actor)
    endpoint = ExternalEndpoint(city_id=actor.city_id, is_active=True)
    _apply(actor, endpoint, values)
    db.session.add(endpoint)
    db.session.flush()
    changes.record(actor, ENTITY, endpoint.id, "create", None, snapshot(endpoint))
    return endpoint


@unit_of_work
def edit(actor: Actor, endpoint_id: int, values: dict, note: str = "") -> ExternalEndpoint:
    """Change any field (a new api_key replaces the old); `is_active` true enables a disabled one again."""
    endpoint = get_endpoint(actor, endpoint_id)
    before = snapshot(endpoint)
    _apply(actor, endpoint, values)
    if values.get("is_active") is True and not endpoint.is_active:
        endpoint.is_active = True
        _send_waiting(endpoint)
    elif values.get("is_active") is False:
        endpoint.is_active = False
    old, new = changes.changed(before, snapshot(endpoint))
    if new:
        changes.record(actor, ENTITY, endpoint.id, "edit", old, new, note)
    return endpoint


@unit_of_work
def disable(actor: Actor, endpoint_id: int, note: str = "") -> ExternalEndpoint:
    """Stop sending cases to it and fetching its updates; the cases already sent keep their link."""
    endpoint = get_endpoint(actor, endpoint_id)
    if not endpoint.is_active:
        raise ValidationFailed("该外部系统已停用", code="outside_system_disabled")
    endpoint.is_active = False
    changes.record(actor, ENTITY, endpoint.id, "disable", {"is_active": True}, {"is_active": False}, note)
    return endpoint


def _send_waiting(endpoint: ExternalEndpoint) -> None:
    """Cases owed to it whose send found it disabled go out now."""
    waiting = db.session.scalars(
        select(ExternalRequest.id).where(
            ExternalRequest.city_id == endpoint.city_id, ExternalRequest.endpoint_id == endpoint.id,
            ExternalRequest.service_request_id.is_(None),
        )
    )  # fmt: skip
    for request_id in waiting:
        jobs.enqueue("send_case_outside", endpoint.city_id, request_id)


def history(actor: Actor, endpoint_id: int):
    endpoint = get_endpoint(actor, endpoint_id)
    return changes.history(actor.city_id, ENTITY, endpoint.id)
