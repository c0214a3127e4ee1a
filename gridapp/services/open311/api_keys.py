"""Open311 API keys: issued by an admin to a named system, shown once, stored as a digest, revocable.

A key reads `<city code>.<secret>`: the city part finds the tenant, so the digest is
looked up inside one city like every other row. A key may be bound to a region
subtree; what it files and reads is then kept inside it (see services.open311).
System admins issue keys for their whole city or any region in it; district admins
only for regions inside their own subtree.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select

from gridapp.authz import Actor, Permission, Role, can_see_region
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import ApiClient, City, Region, User
from gridapp.services.regions.tree import get_region, subtree_filter
from gridapp.unit_of_work import unit_of_work

KEY_ADMIN_ROLES = Permission(
    "open311.keys", {Role.SYSTEM_ADMIN, Role.DISTRICT_ADMIN}, "the city or a district admits outside systems"
)


@dataclass(frozen=True)
class IssuedKey:
    client: ApiClient
    key: str  # the only time the key exists outside the caller's hands


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key(city_code: str) -> str:
    return f"{city_code}.{secrets.token_urlsafe(32)}"


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 48:
        raise ValidationFailed("接入系统名称须为 1-48 个字符", details={"name": ["length"]})
    return name


def _create(city: City, name: str, region: Region | None, created_by: int | None) -> IssuedKey:
    name = _check_name(name)
    # The key's own account: cases it files show who entered them, and it holds no role.
    account = User(city_id=city.id, display_name=f"Open311·{name}"[:64], is_active=True)
    db.session.add(account)
    db.session.flush()
    key = _new_key(city.code)
    client = ApiClient(
        city_id=city.id, name=name, key_hash=digest(key), key_prefix=key[: len(city.code) + 7],
        region_id=region.id if region else None, user_id=account.id, created_by_user_id=created_by,
    )  # fmt: skip
    db.session.add(client)
    db.session.flush()
    return IssuedKey(client, key)


@unit_of_work
def issue_for_city(city_code: str, name: str, region_code: str | None = None) -> IssuedKey:
    """For the `flask open311 issue-key` command: run by whoever operates the servers."""
    city = db.session.scalar(select(City).where(City.code == city_code))
    if city is None:
        raise NotFound("城市不存在", code="city_not_found")
    region = None
    if region_code:
        region = db.session.scalar(select(Region).where(Region.city_id == city.id, Region.code == region_code))
        if region is None:
            raise NotFound("区域不存在", code="region_not_found")
    return _create(city, name, region, None)


def _region_for(actor: Actor, region_id: int | None) -> Region | None:
    if region_id is None:
        if Role.SYSTEM_ADMIN not in actor.roles:
            raise Forbidden("区级管理员只能签发限定在本辖区内的密钥")
        return None
    region = get_region(actor.city_id, region_id)
    if not can_see_region(actor, actor.city_id, region.path, KEY_ADMIN_ROLES):
        raise Forbidden("您无权为该区域签发密钥")
    return region


@unit_of_work
def issue(actor: Actor, name: str, region_id: int | None = None) -> IssuedKey:
    KEY_ADMIN_ROLES.require(actor)
    region = _region_for(actor, region_id)
    city = db.session.get(City, actor.city_id)
    return _create(city, name, region, actor.user_id)


def listed(actor: Actor):
    """Keys the actor may manage, newest first: the whole city, or those bound inside their subtree."""
    KEY_ADMIN_ROLES.require(actor)
    stmt = select(ApiClient).where(ApiClient.city_id == actor.city_id)
    if Role.SYSTEM_ADMIN not in actor.roles:
        paths = actor.region_paths({Role.DISTRICT_ADMIN})
        stmt = stmt.join(Region, Region.id == ApiClient.region_id).where(
            Region.city_id == actor.city_id, or_(*[subtree_filter(p) for p in paths])
        )
    return stmt.order_by(ApiClient.created_at.desc(), ApiClient.id.desc())


def _managed(actor: Actor, client_id: int) -> ApiClient:
    KEY_ADMIN_ROLES.require(actor)
    client = db.session.scalar(select(ApiClient).where(ApiClient.city_id == actor.city_id, ApiClient.id == client_id))
    if client is None:
        raise NotFound("接口密钥不存在", code="api_key_not_found")
    if Role.SYSTEM_ADMIN not in actor.roles:
        if client.region is None or not can_see_region(actor, actor.city_id, client.region.path, {Role.DISTRICT_ADMIN}):
            raise Forbidden("您无权管理该密钥")
    return client


def get(actor: Actor, client_id: int) -> ApiClient:
    return _managed(actor, client_id)


@unit_of_work
def revoke(actor: Actor, client_id: int) -> ApiClient:
    client = _managed(actor, client_id)
    if not client.active:
        raise Conflict("该密钥已吊销", code="api_key_revoked")
    client.active = False
    client.revoked_at = now()
    client.user.is_active = False
    return client


def authenticate(key: str | None) -> ApiClient:
    """The active client holding `key`; anything else is one 403 that says nothing about why."""
    city_code, _, secret = (key or "").partition(".")
    if not city_code or not secret:
        raise Forbidden("缺少或无效的 api_key", code="api_key_invalid")
    wanted = digest(key)
    client = db.session.scalar(
        select(ApiClient)
        .join(City, City.id == ApiClient.city_id)
        .where(City.code == city_code, ApiClient.key_hash == wanted, ApiClient.active.is_(True))
    )
    if client is None or not hmac.compare_digest(client.key_hash, wanted):
        raise Forbidden("缺少或无效的 api_key", code="api_key_invalid")
    return client


def actor_for(client: ApiClient) -> Actor:
    """The key's service account as the domain sees a caller: no role, no grant."""
    return Actor(user_id=client.user_id, city_id=client.city_id, display_name=client.user.display_name)
