"""What a linked member sees of their household, and what they may correct of themselves.

A linked member sees the indoor record (the household as its members see it on the indoor code,
`codes.scan_rules.household_record`) without scanning. They correct their own name and phone:
the registry is the community's, but a misspelt name or a changed number is best fixed by the
person. Relation and ID number stay with staff, who check them against documents. Every
correction is audited with the fields before and after, and logged as a change of the household
record like any other (`HouseholdAccessLog`).
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.errors import Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import AccountLink, Household, HouseholdAccessLog, HouseholdMember
from gridapp.services.codes.scan_rules import household_record
from gridapp.services.links import workflow
from gridapp.unit_of_work import unit_of_work

CORRECTABLE = ("name", "phone")


def _my_members(actor: Actor):
    return (
        select(HouseholdMember)
        .join(Household, Household.id == HouseholdMember.household_id)
        .where(
            HouseholdMember.city_id == actor.city_id, HouseholdMember.user_id == actor.user_id,
            HouseholdMember.is_active.is_(True), Household.is_active.is_(True),
        )
        .order_by(HouseholdMember.id)
    )


def my_households(actor: Actor) -> list[dict]:
    """Every household the caller is a linked, active member of, as its indoor record."""
    workflow.HOLDERS.require(actor)
    return [household_record(member.household, "member", actor) for member in db.session.scalars(_my_members(actor))]


def my_household(actor: Actor, household_id: int) -> dict:
    workflow.HOLDERS.require(actor)
    member = db.session.scalar(_my_members(actor).where(HouseholdMember.household_id == household_id).limit(1))
    if member is None:
        raise Forbidden("只有已关联的本户成员可以查看本户信息", code="not_a_member")
    return household_record(member.household, "member", actor)


@unit_of_work
def correct_my_details(actor: Actor, member_id: int, changes: dict) -> dict:
    workflow.HOLDERS.require(actor)
    member = db.session.scalar(_my_members(actor).where(HouseholdMember.id == member_id))
    if member is None:
        raise NotFound("未找到您关联的成员信息", code="member_not_found")
    return correct(actor, member, changes)


def correct(actor: Actor, member: HouseholdMember, changes: dict) -> dict:
    """Apply the member's own corrections (their linked record only), audited; returns the indoor record."""
    if member.user_id != actor.user_id:
        raise Forbidden("只能更正本人的信息")
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise ValidationFailed("只能更正本人的姓名和手机号", details={name: ["not_correctable"] for name in unknown})
    if "name" in changes:
        changes = {**changes, "name": (changes["name"] or "").strip()}
        if not changes["name"]:
            raise ValidationFailed("姓名不能为空", details={"name": ["required"]})
    before = {name: getattr(member, name) for name in changes if getattr(member, name) != changes[name]}
    if before:
        after = {name: changes[name] for name in before}
        for name, value in after.items():
            setattr(member, name, value)
        link = db.session.scalar(
            select(AccountLink).where(
                AccountLink.city_id == member.city_id, AccountLink.kind == "member", AccountLink.record_id == member.id,
                AccountLink.user_id == actor.user_id, AccountLink.status == "confirmed",
            ).limit(1)
        )
        workflow.audit(member.city_id, "member", member.id, link, actor, "correct", before=before, after=after)
        db.session.add(HouseholdAccessLog(
            city_id=member.city_id, household_id=member.household_id, user_id=actor.user_id, action="update", via="self",
        ))
        db.session.flush()
    return household_record(member.household, "member", actor)
