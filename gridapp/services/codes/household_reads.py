"""What a household learns about who opened its record (PIPL: people may know who handled their data).

Every staff read or change of a household record is logged (`HouseholdAccessLog`, written by
`records` and `scanning`). A person linked to the household as an active member sees that log for
each household they belong to: when, what was done, and by which role of which grid, community or
department. Names are masked like any personal name shown to someone who does not need it whole:
the role and the organisation say who is accountable, the surname lets a member recognise a
familiar face, and nobody's full name leaves the staff side.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import Actor, Role
from gridapp.extensions import db
from gridapp.models import Household, HouseholdAccessLog, HouseholdMember, Region, User
from gridapp.pagination import paginate
from gridapp.privacy import mask_name

ACTION_LABELS = {"read": "查看", "create": "建档", "update": "修改"}
VIA_LABELS = {"scan": "扫码", "admin": "后台", "self": "本人", "visits": "走访记录"}
MEMBER_LABEL = "本户成员"


def my_household_reads(actor: Actor, page_args: dict) -> dict:
    """A page of the access log of every household the actor is an active member of, newest first."""
    mine = select(HouseholdMember.household_id).where(
        HouseholdMember.city_id == actor.city_id, HouseholdMember.user_id == actor.user_id,
        HouseholdMember.is_active.is_(True),
    )
    stmt = (
        select(HouseholdAccessLog)
        .where(HouseholdAccessLog.city_id == actor.city_id, HouseholdAccessLog.household_id.in_(mine))
        .order_by(HouseholdAccessLog.id.desc())
    )
    page = paginate(stmt, page_args)
    return {**page, "items": [_entry(actor.city_id, log) for log in page["items"]]}


def _entry(city_id: int, log: HouseholdAccessLog) -> dict:
    reader = db.session.get(User, log.user_id)
    grid_path = db.session.scalar(
        select(Region.path).join(Household, Household.grid_id == Region.id).where(
            Household.city_id == city_id, Household.id == log.household_id
        )
    )
    return {
        "household_id": log.household_id,
        "at": log.created_at,
        "action": log.action,
        "action_label": ACTION_LABELS.get(log.action, log.action),
        "via": log.via,
        "via_label": VIA_LABELS.get(log.via, log.via),
        "reader": _reader(reader, grid_path or "", log.via == "self"),
    }


def _reader(user: User, grid_path: str, member: bool) -> dict:
    """The reader's role towards the household: the grant that covers its grid, else their first staff grant."""
    name = mask_name(user.display_name)
    staff = [g for g in user.grants if g.role != Role.RESIDENT.value]
    if member or not staff:
        return {"role": Role.RESIDENT.value, "role_label": MEMBER_LABEL, "organisation": None, "name": name}
    covering = [g for g in staff if g.region is not None and grid_path.startswith(g.region.path)]
    grant = (covering or staff)[0]
    scope = grant.region if grant.region is not None else grant.department
    organisation = scope.name if scope is not None else None
    return {"role": grant.role, "role_label": Role(grant.role).label, "organisation": organisation, "name": name}
