"""Tags on household members (长者独居, 残疾, 低保 …): a fixed catalogue, who may set and read them, and their audit.

Tags are personal data of the most sensitive kind (health, income), kept for one purpose: reaching the
right people with a notice. The people who know the household set them: the grid's worker and the
community's admin. They read them too; the street and district admins above may read only the ordinary
tags (a veteran, a child), never the sensitive ones. Residents never see a tag, not even their own:
nothing resident-facing reads this module. Every change is appended to `MemberTagEvent` and logged as a
change of the household record (the household sees that someone changed it, never what).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gridapp.authz import Actor, Permission, Role, can_see_region
from gridapp.errors import Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Household, HouseholdAccessLog, HouseholdMember, MemberTag, MemberTagEvent, Region
from gridapp.unit_of_work import unit_of_work

SENSITIVE = "sensitive"
ORDINARY = "ordinary"


@dataclass(frozen=True)
class Tag:
    key: str
    label: str
    sensitivity: str  # SENSITIVE tags are read only by the member's grid worker and community admin


CATALOGUE = {
    tag.key: tag
    for tag in (
        Tag("elderly_alone", "长者独居", SENSITIVE),
        Tag("elderly", "高龄老人", ORDINARY),
        Tag("disability", "残疾", SENSITIVE),
        Tag("low_income", "低保/低收入", SENSITIVE),
        Tag("veteran", "退役军人", ORDINARY),
        Tag("child", "儿童", ORDINARY),
        Tag("left_behind_child", "留守儿童", SENSITIVE),
        Tag("pregnant", "孕产妇", SENSITIVE),
    )
}

TAGGERS = Permission(
    "member_tags.set", {Role.GRID_WORKER, Role.COMMUNITY_ADMIN},
    "the grid's worker and the community's admin know the household and keep its tags",
)
TAG_READERS = Permission(
    "member_tags.read", TAGGERS | {Role.STREET_ADMIN, Role.DISTRICT_ADMIN},
    "who keeps the tags reads them; the officials above read only the ordinary ones",
)


def tag_of(key: str) -> Tag:
    try:
        return CATALOGUE[key]
    except KeyError:
        raise ValidationFailed("标签不存在", details={"tag": ["unknown"]}) from None


def check_keys(keys: list[str], field: str) -> list[str]:
    """Catalogue keys, each once, in catalogue order; unknown keys are refused (422)."""
    unknown = [key for key in keys if key not in CATALOGUE]
    if unknown:
        raise ValidationFailed("标签不存在", details={field: [f"unknown: {key}" for key in unknown]})
    return [key for key in CATALOGUE if key in keys]


def readable(actor: Actor, grid_path: str) -> list[Tag]:
    """The catalogue entries this actor may read on a member of the grid at `grid_path`."""
    if can_see_region(actor, actor.city_id, grid_path, TAGGERS):
        return list(CATALOGUE.values())
    if can_see_region(actor, actor.city_id, grid_path, TAG_READERS):
        return [tag for tag in CATALOGUE.values() if tag.sensitivity == ORDINARY]
    return []


def _member(actor: Actor, member_id: int, permission: Permission) -> tuple[HouseholdMember, Household, str]:
    permission.require(actor)
    row = db.session.execute(
        select(HouseholdMember, Household, Region.path)
        .join(Household, Household.id == HouseholdMember.household_id)
        .join(Region, Region.id == Household.grid_id)
        .where(HouseholdMember.city_id == actor.city_id, HouseholdMember.id == member_id, Household.city_id == actor.city_id)
    ).one_or_none()
    if row is None or not row[0].is_active or not row[1].is_active:
        raise NotFound("家庭成员不存在")
    if not can_see_region(actor, actor.city_id, row[2], permission):
        raise Forbidden("您无权查看该住户的数据")
    return row[0], row[1], row[2]


def catalogue(actor: Actor) -> list[dict]:
    """The catalogue itself (labels, never who carries them), for the staff who tag or target."""
    TAG_READERS.require(actor)
    return [tag_view(tag) for tag in CATALOGUE.values()]


@unit_of_work
def member_tags(actor: Actor, member_id: int) -> list[dict]:
    """The tags the actor may read on one member (a read of the household record, so it is logged)."""
    member, household, grid_path = _member(actor, member_id, TAG_READERS)
    _log(actor, household, "read")
    return _carried(actor, member, grid_path)


def _carried(actor: Actor, member: HouseholdMember, grid_path: str) -> list[dict]:
    allowed = {tag.key for tag in readable(actor, grid_path)}
    keys = set(db.session.scalars(
        select(MemberTag.tag).where(MemberTag.city_id == actor.city_id, MemberTag.member_id == member.id)
    ))
    return [tag_view(tag) for key, tag in CATALOGUE.items() if key in keys and key in allowed]


@unit_of_work
def add_tag(actor: Actor, member_id: int, key: str) -> dict:
    """Tag a member; tagging again changes nothing and audits nothing ("changed": False)."""
    tag = tag_of(key)
    member, household, grid_path = _member(actor, member_id, TAGGERS)
    exists = db.session.scalar(
        select(MemberTag.id).where(MemberTag.city_id == actor.city_id, MemberTag.member_id == member.id, MemberTag.tag == tag.key)
    )
    if exists is None:
        db.session.add(MemberTag(city_id=actor.city_id, member_id=member.id, tag=tag.key, set_by=actor.user_id))
        _changed(actor, household, member, tag, "added")
        db.session.flush()
    return {"changed": exists is None, "tags": _carried(actor, member, grid_path)}


@unit_of_work
def remove_tag(actor: Actor, member_id: int, key: str) -> dict:
    """Clear a tag; clearing one the member does not carry changes nothing ("changed": False)."""
    tag = tag_of(key)
    member, household, grid_path = _member(actor, member_id, TAGGERS)
    row = db.session.scalar(
        select(MemberTag).where(MemberTag.city_id == actor.city_id, MemberTag.member_id == member.id, MemberTag.tag == tag.key)
    )
    if row is not None:
        db.session.delete(row)
        _changed(actor, household, member, tag, "removed")
        db.session.flush()
    return {"changed": row is not None, "tags": _carried(actor, member, grid_path)}


def events(actor: Actor, member_id: int):
    """A select of a member's tag audit, newest first, for those who keep the tags."""
    member, _household, _path = _member(actor, member_id, TAGGERS)
    return (
        select(MemberTagEvent)
        .where(MemberTagEvent.city_id == actor.city_id, MemberTagEvent.member_id == member.id)
        .order_by(MemberTagEvent.id.desc())
    )


def _changed(actor: Actor, household: Household, member: HouseholdMember, tag: Tag, action: str) -> None:
    db.session.add(MemberTagEvent(city_id=actor.city_id, member_id=member.id, tag=tag.key, action=action, user_id=actor.user_id))
    _log(actor, household, "update")


def _log(actor: Actor, household: Household, action: str) -> None:
    db.session.add(
        HouseholdAccessLog(city_id=actor.city_id, household_id=household.id, user_id=actor.user_id, action=action, via="admin")
    )


def tag_view(tag: Tag) -> dict:
    return {"key": tag.key, "label": tag.label, "sensitivity": tag.sensitivity}
