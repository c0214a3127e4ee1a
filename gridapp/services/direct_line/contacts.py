"""Who answers a grid's direct line besides its grid worker: the police officer (网格民警), the judge (网格法官)
and the property company's staff (物业), each answering from a staff account. Community admins over the grid
manage them; every change is appended to the contact's audit.

This is also where a grid gets its police officer and judge as roles (issue 18 part 8): an active contact of
either kind holds the grid_police or grid_judge role at its grid, granted and revoked here with the contact, so
the key persons and risk items routed to them (services.care) follow whoever the community named. Property staff
stay a contact only, serving the grid without any of a role's powers over it."""
from __future__ import annotations

import json

from sqlalchemy import or_, select

from gridapp.authz import STAFF_ROLES, Actor, Permission, Role, require_region
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import GridContact, GridContactEvent, Region, RoleGrant, User
from gridapp.services import idempotency
from gridapp.services.accounts.users import keep_grid_role
from gridapp.services.regions.tree import get_region
from gridapp.unit_of_work import unit_of_work

MANAGERS = Permission(
    "direct_line.contacts", {Role.COMMUNITY_ADMIN}, "community admins name the police officer and property staff of their grids"
)
KIND_LABELS = {"grid_worker": "网格员", "police": "网格民警", "property": "物业", "judge": "网格法官"}
# The role an active contact of the kind holds at its grid.
KIND_ROLES = {"police": Role.GRID_POLICE, "judge": Role.GRID_JUDGE}


def _grid(actor: Actor, grid_id: int) -> Region:
    grid = get_region(actor.city_id, grid_id)
    if grid.level != "grid":
        raise ValidationFailed("请选择网格", details={"grid_id": ["not_a_grid"]})
    require_region(actor, actor.city_id, grid.path, roles=MANAGERS)
    return grid


def _staff_user(city_id: int, user_id: int) -> User:
    """The account must be an active staff account of the city: residents answer no direct line."""
    user = db.session.scalar(select(User).where(User.city_id == city_id, User.id == user_id, User.is_active.is_(True)))
    staff_roles = [r.value for r in STAFF_ROLES]
    is_staff = user is not None and db.session.scalar(
        select(RoleGrant.id).where(RoleGrant.city_id == city_id, RoleGrant.user_id == user_id, RoleGrant.role.in_(staff_roles)).limit(1)
    )
    if not is_staff:
        raise ValidationFailed("请选择本市在岗的工作人员账号", details={"user_id": ["not_staff"]})
    return user


def _state(contact: GridContact) -> str:
    return json.dumps(
        {"grid_id": contact.grid_id, "kind": contact.kind, "display_name": contact.display_name,
         "user_id": contact.user_id, "is_active": contact.is_active},
        ensure_ascii=False, sort_keys=True,
    )


def _audit(actor: Actor, contact: GridContact, action: str, before: str | None) -> None:
    db.session.flush()
    db.session.add(GridContactEvent(
        city_id=contact.city_id, contact_id=contact.id, actor_user_id=actor.user_id, action=action,
        before_json=before, after_json=_state(contact),
    ))


def managed_grids(actor: Actor) -> list[Region]:
    """The grids under the admin's communities, to pick one from."""
    MANAGERS.require(actor)
    paths = actor.region_paths(MANAGERS)
    if not paths:
        return []
    return list(db.session.scalars(
        select(Region).where(
            Region.city_id == actor.city_id, Region.level == "grid", Region.retired_at.is_(None),
            or_(*[Region.path.startswith(p) for p in paths]),
        ).order_by(Region.path)
    ))


def answerable_accounts(actor: Actor) -> list[User]:
    """The city's active staff accounts a contact may answer from, by name."""
    MANAGERS.require(actor)
    staff_roles = [r.value for r in STAFF_ROLES]
    holders = select(RoleGrant.user_id).where(RoleGrant.city_id == actor.city_id, RoleGrant.role.in_(staff_roles))
    return list(db.session.scalars(
        select(User).where(User.city_id == actor.city_id, User.is_active.is_(True), User.id.in_(holders))
        .order_by(User.display_name, User.id).limit(500)
    ))


def listed(actor: Actor, grid_id: int):
    """A select of a grid's contacts, active first, for the admins over it."""
    MANAGERS.require(actor)
    grid = _grid(actor, grid_id)
    return select(GridContact).where(GridContact.city_id == actor.city_id, GridContact.grid_id == grid.id).order_by(
        GridContact.is_active.desc(), GridContact.id
    )


def managed(actor: Actor, contact_id: int) -> GridContact:
    MANAGERS.require(actor)
    contact = db.session.scalar(select(GridContact).where(GridContact.city_id == actor.city_id, GridContact.id == contact_id))
    if contact is None:
        raise NotFound("联系人不存在")
    _grid(actor, contact.grid_id)
    return contact


def add(actor: Actor, grid_id: int, kind: str, display_name: str, user_id: int, claim: idempotency.IdempotencyClaim | None = None):
    """Name a grid's police officer or property staff; a retry with the same Idempotency-Key gets the first."""
    MANAGERS.require(actor)
    grid = _grid(actor, grid_id)
    _staff_user(actor.city_id, user_id)
    load = lambda contact_id: managed(actor, contact_id)  # noqa: E731
    return idempotency.create(claim, "grid_contact", lambda: _add(actor, grid, kind, display_name, user_id), load)


@unit_of_work
def _add(actor: Actor, grid: Region, kind: str, display_name: str, user_id: int) -> GridContact:
    contact = GridContact(city_id=actor.city_id, grid_id=grid.id, kind=kind, display_name=display_name, user_id=user_id)
    db.session.add(contact)
    _audit(actor, contact, "create", None)
    _sync_role(contact.city_id, contact.grid_id, kind, user_id)
    return contact


@unit_of_work
def change(actor: Actor, contact_id: int, changes: dict) -> GridContact:
    """Rename, switch the answering account, or retire (is_active false) a contact."""
    contact = managed(actor, contact_id)
    before = _state(contact)
    earlier_user_id = contact.user_id
    if "user_id" in changes:
        _staff_user(actor.city_id, changes["user_id"])
    for field in ("display_name", "user_id", "is_active"):
        if field in changes:
            setattr(contact, field, changes[field])
    _audit(actor, contact, "update", before)
    for user_id in {earlier_user_id, contact.user_id}:
        _sync_role(contact.city_id, contact.grid_id, contact.kind, user_id)
    return contact


def _sync_role(city_id: int, grid_id: int, kind: str, user_id: int) -> None:
    """The account holds the kind's role at the grid exactly while one of its contacts there is active."""
    role = KIND_ROLES.get(kind)
    if role is None:
        return
    db.session.flush()
    active = db.session.scalar(select(GridContact.id).where(
        GridContact.city_id == city_id, GridContact.grid_id == grid_id, GridContact.kind == kind,
        GridContact.user_id == user_id, GridContact.is_active.is_(True),
    ).limit(1))
    keep_grid_role(city_id, user_id, role, grid_id, active is not None)


def state(event: GridContactEvent) -> tuple[dict | None, dict]:
    """An audit row's before and after."""
    return (json.loads(event.before_json) if event.before_json else None), json.loads(event.after_json)


def events(actor: Actor, contact_id: int):
    contact = managed(actor, contact_id)
    return select(GridContactEvent).where(
        GridContactEvent.city_id == contact.city_id, GridContactEvent.contact_id == contact.id
    ).order_by(GridContactEvent.id)


def active_of_grid(grid: Region) -> list[GridContact]:
    return list(db.session.scalars(
        select(GridContact).where(
            GridContact.city_id == grid.city_id, GridContact.grid_id == grid.id, GridContact.is_active.is_(True)
        ).order_by(GridContact.kind, GridContact.id)
    ))
