"""Who may read a petition and its petitioner, and the audit every read leaves.

Petitioners are the most sensitive people the system knows. Only the petition officers (信访干部) over a
petition's region read it; an agent (代办员) reads the petitions they entered; nobody else does, not even the
region's admins, who get the figures (services.petitions.figures). Officers see the petitioner masked until they
open the full identity with a written reason. Every read, a list included, appends a row to `petition_reads`
(who, when, what, why) in the same transaction that answers it.
"""
from __future__ import annotations

from sqlalchemy import or_, select

from gridapp.authz import Actor, Permission, Role, covers
from gridapp.errors import Forbidden, NotFound
from gridapp.extensions import db
from gridapp.models import Petition, PetitionRead, PetitionVisit
from gridapp.services.regions.tree import in_reach

OFFICERS = Permission(
    "petitions.handle", {Role.PETITION_OFFICER},
    "petition officers over a petition's region handle it and alone may see who petitioned",
)  # fmt: skip
INTAKE = Permission(
    "petitions.intake", {Role.PETITION_OFFICER, Role.PETITION_AGENT},
    "petition officers and agents (代办员) register petitions in their part of the city",
)  # fmt: skip
READERS = Permission(
    "petitions.read", {Role.PETITION_OFFICER, Role.PETITION_AGENT},
    "officers read their region's petitions, agents those they entered; every read audited",
)  # fmt: skip
# Why a petition was opened, as the reader states it; a full identity needs a reason written out.
PURPOSES = {"handling": "办理", "review": "复查复核", "hearing": "听证", "supervision": "督办", "referral": "转办对接"}


def audit(actor: Actor, action: str, reason: str, *, petition: Petition | None = None, petitioner_id: int | None = None,
          region_path: str | None = None, rows: int = 1) -> None:
    """Append one read to the audit; the caller's unit of work commits it with the answer."""
    db.session.add(PetitionRead(
        city_id=actor.city_id, actor_user_id=actor.user_id, action=action, reason=reason[:255],
        petition_id=petition.id if petition else None,
        petitioner_id=petition.petitioner_id if petition else petitioner_id,
        region_path=petition.region_path if petition else region_path, rows_shown=rows,
    ))  # fmt: skip


def entered_by(actor: Actor):
    return select(PetitionVisit.petition_id).where(
        PetitionVisit.city_id == actor.city_id, PetitionVisit.entered_by_user_id == actor.user_id
    )


def readable_filter(actor: Actor):
    """A SQL condition: the petitions this actor may read."""
    conditions = []
    if Role.PETITION_OFFICER in actor.roles:
        conditions.append(in_reach(actor, OFFICERS, Petition.region_path))
    if Role.PETITION_AGENT in actor.roles:
        conditions.append(Petition.id.in_(entered_by(actor)))
    return or_(*conditions)


def officer_over(actor: Actor, petition: Petition) -> bool:
    return actor.city_id == petition.city_id and covers(actor.region_paths(OFFICERS), petition.region_path)


def get(city_id: int, petition_id: int, *, for_update: bool = False) -> Petition:
    stmt = select(Petition).where(Petition.city_id == city_id, Petition.id == petition_id)
    if for_update:
        stmt = stmt.with_for_update(of=Petition)
    petition = db.session.scalar(stmt)
    if petition is None:
        raise NotFound("信访事项不存在", code="petition_not_found")
    return petition


def readable(actor: Actor, petition_id: int) -> Petition:
    """A petition the actor may read (not yet audited: the reading service records why)."""
    READERS.require(actor)
    petition = get(actor.city_id, petition_id)
    if officer_over(actor, petition):
        return petition
    if Role.PETITION_AGENT in actor.roles and db.session.scalar(
        entered_by(actor).where(PetitionVisit.petition_id == petition.id).limit(1)
    ):
        return petition
    raise Forbidden("您无权查看该信访事项")


def handled(actor: Actor, petition_id: int, *, for_update: bool = False) -> Petition:
    """A petition the actor handles as a petition officer over its region."""
    OFFICERS.require(actor)
    petition = get(actor.city_id, petition_id, for_update=for_update)
    if not officer_over(actor, petition):
        raise Forbidden("该信访事项不在您的管辖范围")
    return petition


def intake_paths(actor: Actor) -> list[str]:
    """The nodes under which the actor registers petitions."""
    INTAKE.require(actor)
    return actor.region_paths(INTAKE)


def in_intake_area(actor: Actor, region_path: str) -> bool:
    """The petitions an officer or agent may pull up and lodge again: under their node, or at the node above
    theirs that handles it (an agent in a community lodges repeats of the street's petitions)."""
    paths = intake_paths(actor)
    return covers(paths, region_path) or any(p.startswith(region_path) for p in paths)
