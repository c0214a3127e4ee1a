"""Who runs a part of the city: the admins the console (管理后台) is for.

Each admin works inside the subtree their grant names (a system admin: the whole city), and the
console shows them only that part. Finer rules (which roles an admin may grant, which nodes they
may edit) live with the services that apply them; this module holds the door to the console.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role
from gridapp.extensions import db
from gridapp.models.regions import Region

ADMINISTRATORS = Permission(
    "accounts.administer",
    OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "admins set up and staff the part of the city their grant covers",
)


@dataclass(frozen=True)
class AdminScope:
    """The nodes an admin administers: empty `regions` with `whole_city` for a system admin."""

    whole_city: bool
    regions: tuple[Region, ...]


def scope_of(actor: Actor) -> AdminScope:
    ADMINISTRATORS.require(actor)
    if actor.has_role(Role.SYSTEM_ADMIN):
        return AdminScope(whole_city=True, regions=())
    ids = sorted({g.region_id for g in actor.grants if g.role in ADMINISTRATORS and g.region_id is not None})
    regions = db.session.scalars(
        select(Region).where(Region.city_id == actor.city_id, Region.id.in_(ids)).order_by(Region.path)
    ).all()
    return AdminScope(whole_city=False, regions=tuple(regions))
