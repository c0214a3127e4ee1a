"""Staff accounts, run by their admins: create, edit, deactivate and reactivate, give and take back roles,
reset a password, unlock, and import many at once.

Who may do which to whom is decided in services.accounts.grants; every change is appended to the
staff audit (services.accounts.staff_audit) in the same unit of work. A password an admin gives must be
changed at the next sign-in (services.accounts.passwords). Deactivating an account or resetting its
password moves its token generation on, so every session it had ends at once
(services.accounts.revocations), besides the sign-in refusing an inactive account.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from gridapp.authz import Actor, Role
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Department, Region, RoleGrant, User
from gridapp.privacy import mask_phone
from gridapp.services import idempotency
from gridapp.services.accounts import grants, lockout, revocations, staff_audit
from gridapp.services.accounts.grants import STAFF_MANAGERS
from gridapp.services.accounts.users import grant_role, new_user, set_password
from gridapp.unit_of_work import unit_of_work

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


@dataclass(frozen=True)
class StaffView:
    """One account as one admin sees it: whether they may change it, and the whole phone only if so."""

    user: User
    manageable: bool
    locked_until: datetime | None

    @property
    def phone(self) -> str | None:
        return self.user.phone if self.manageable else mask_phone(self.user.phone)


@dataclass(frozen=True)
class GrantRequest:
    """Roles asked for: one grant per region node (a grid worker may hold several grids), or one department."""

    role: Role
    region_ids: tuple[int, ...] = ()
    department_id: int | None = None
    title: str | None = None


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #


def list_query(actor: Actor, *, q: str | None = None, role: Role | None = None, active: bool | None = None):
    """The staff accounts the actor looks after (any grant inside their reach), by name."""
    stmt = select(User).where(User.city_id == actor.city_id, grants.visible_staff(actor))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like), User.phone == q))
    if role is not None:
        stmt = stmt.where(User.grants.any(RoleGrant.role == role.value))
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    return stmt.order_by(User.display_name, User.id)


def views(actor: Actor, users: list[User]) -> list[StaffView]:
    locks = lockout.locks_of(actor.city_id, [u.username for u in users if u.username])
    return [StaffView(u, grants.manages(actor, u), locks.get((u.username or "")[:64])) for u in users]


def view_page(actor: Actor, page: dict) -> dict:
    return {**page, "items": views(actor, page["items"])}


def get_staff(actor: Actor, user_id: int) -> StaffView:
    return views(actor, [_visible(actor, user_id)])[0]


def _visible(actor: Actor, user_id: int) -> User:
    user = db.session.scalar(
        select(User).where(User.city_id == actor.city_id, User.id == user_id, grants.visible_staff(actor))
    )
    if user is None:
        raise NotFound("账号不存在或不在您的管辖范围内", code="staff_not_found")
    return user


def _managed(actor: Actor, user_id: int) -> User:
    user = _visible(actor, user_id)
    grants.require_manages(actor, user)
    return user


# --------------------------------------------------------------------------- #
# Creating and editing
# --------------------------------------------------------------------------- #


def create_staff(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    """A new account with its first roles; a retry with the same Idempotency-Key gets the first one back."""
    made = idempotency.create(claim, "user", lambda: create(actor, data), lambda user_id: _visible(actor, user_id))
    if isinstance(made, idempotency.Replayed):
        return idempotency.Replayed(get_staff(actor, made.resource.id))
    return get_staff(actor, made.id)


def create(actor: Actor, data: dict, note: str = "") -> User:
    """In the caller's unit of work: every grant is checked before anything is written."""
    STAFF_MANAGERS.require(actor)
    requests = data["grants"]
    if not requests:
        raise ValidationFailed("新账号至少要授予一个角色", details={"grants": ["required"]})
    targets = [places(actor, request) for request in requests]
    _free(actor.city_id, data["username"], data.get("phone"))
    user = new_user(actor.city_id, data["display_name"], username=data["username"], phone=data.get("phone"))
    set_password(user, data["password"], chosen=False)
    for request, found in zip(requests, targets):
        _give(user, request, found)
    db.session.flush()
    staff_audit.record(actor, user, "create", None, staff_audit.snapshot(user), note)
    return user


def _free(city_id: int, username: str, phone: str | None, user_id: int | None = None) -> None:
    """Usernames and phones are each one account's in a city."""
    for column, value, field in ((User.username, username, "username"), (User.phone, phone, "phone")):
        if value is None:
            continue
        holder = db.session.scalar(select(User.id).where(User.city_id == city_id, column == value))
        if holder is not None and holder != user_id:
            label = "用户名" if field == "username" else "手机号"
            raise ValidationFailed(f"该{label}已被其他账号使用", details={field: ["taken"]})


@unit_of_work
def edit_staff(actor: Actor, user_id: int, data: dict) -> StaffView:
    user = _managed(actor, user_id)
    _free(actor.city_id, data.get("username"), data.get("phone"), user.id)
    changed = [f for f in ("username", "display_name", "phone") if f in data and data[f] != getattr(user, f)]
    if changed:
        before = staff_audit.snapshot(user)
        old_username = user.username
        for field in changed:
            setattr(user, field, data[field])
        if "username" in changed:  # a lock belongs to the name it was earned under
            lockout.forget(actor.city_id, old_username or "")
        staff_audit.record(actor, user, "edit", before, staff_audit.snapshot(user), "、".join(changed))
    return get_staff(actor, user.id)


@unit_of_work
def set_active(actor: Actor, user_id: int, active: bool) -> StaffView:
    """Deactivate (every session ends at once, the sign-in refuses it) or reactivate an account."""
    user = _managed(actor, user_id)
    if user.is_active == active:
        return get_staff(actor, user.id)
    before = staff_audit.snapshot(user)
    user.is_active = active
    if not active:
        revocations.revoke_all(user.city_id, user.id)
    staff_audit.record(actor, user, "reactivate" if active else "deactivate", before, staff_audit.snapshot(user))
    return get_staff(actor, user.id)


@unit_of_work
def reset_password(actor: Actor, user_id: int, password: str) -> StaffView:
    """A password from the admin, to be changed at the next sign-in; the account's sessions end."""
    user = _managed(actor, user_id)
    before = staff_audit.snapshot(user)
    set_password(user, password, chosen=False)
    revocations.revoke_all(user.city_id, user.id)
    staff_audit.record(actor, user, "reset_password", before, staff_audit.snapshot(user))
    return get_staff(actor, user.id)


@unit_of_work
def unlock(actor: Actor, user_id: int) -> StaffView:
    """End a lock from wrong passwords before its time (services.accounts.lockout)."""
    user = _managed(actor, user_id)
    until = lockout.locked_until(actor.city_id, user.username or "")
    lockout.forget(actor.city_id, user.username or "")
    if until is not None:
        shot = staff_audit.snapshot(user)
        staff_audit.record(actor, user, "unlock", {**shot, "locked_until": until.isoformat()}, {**shot, "locked_until": None})
    return get_staff(actor, user.id)


# --------------------------------------------------------------------------- #
# Roles
# --------------------------------------------------------------------------- #


def places(actor: Actor, request: GrantRequest) -> list[Region | Department]:
    """The region nodes or the department a request names, each checked against the actor's right to give it."""
    if request.role in grants.NODE_LEVELS:
        if not request.region_ids:
            raise ValidationFailed(f"{request.role.label}须指定区域", details={"region_ids": ["required"]})
        found = {
            r.id: r for r in db.session.scalars(
                select(Region).where(Region.city_id == actor.city_id, Region.id.in_(request.region_ids))
            )
        }
        missing = [i for i in request.region_ids if i not in found]
        if missing:
            raise ValidationFailed("区域不存在", details={"region_ids": missing})
        targets = [found[i] for i in dict.fromkeys(request.region_ids)]
        for region in targets:
            grants.proposed(actor, request.role, region=region)
        return targets
    department = None
    if request.department_id is not None:
        department = db.session.scalar(
            select(Department).where(Department.city_id == actor.city_id, Department.id == request.department_id)
        )
        if department is None:
            raise ValidationFailed("部门不存在", details={"department_id": [request.department_id]})
    grants.proposed(actor, request.role, department=department)
    return [department]


def _give(user: User, request: GrantRequest, targets: list) -> list[RoleGrant]:
    held = {(g.role, g.region_id, g.department_id) for g in user.grants}
    given = []
    for target in targets:
        region = target if isinstance(target, Region) else None
        department = target if isinstance(target, Department) else None
        key = (request.role.value, region.id if region else None, department.id if department else None)
        if key in held:
            continue
        given.append(grant_role(user, request.role, region=region, department=department, title=request.title))
    return given


@unit_of_work
def add_grant(actor: Actor, user_id: int, request: GrantRequest) -> StaffView:
    """Give roles to an account the actor manages (a role it already holds there is left as it is)."""
    user = _managed(actor, user_id)
    targets = places(actor, request)
    before = staff_audit.snapshot(user)
    if _give(user, request, targets):
        db.session.flush()
        staff_audit.record(actor, user, "grant", before, staff_audit.snapshot(user))
    return get_staff(actor, user.id)


@unit_of_work
def revoke_grant(actor: Actor, user_id: int, grant_id: int) -> StaffView:
    """Take one role back; the actor must be able to give it. The last role stays: deactivate the account instead."""
    user = _visible(actor, user_id)
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound("该账号没有这个角色", code="grant_not_found")
    for place in grants.scoped([grant]) or [grants.Scoped(Role(grant.role))]:
        grants.require_may_give(actor, place)
    if len(user.grants) == 1:
        raise ValidationFailed("账号至少保留一个角色；不再任职请停用账号", details={"grant_id": ["last_grant"]})
    before = staff_audit.snapshot(user)
    user.grants.remove(grant)
    db.session.flush()
    staff_audit.record(actor, user, "revoke", before, staff_audit.snapshot(user))
    return get_staff(actor, user.id)
