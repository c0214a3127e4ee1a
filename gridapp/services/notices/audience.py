"""Who a notice reaches: the linked, active resident accounts of a region subtree, narrowed by tags.

A resident is known to be of an area only through a registry record linked to their account
(gridapp.services.links): "households" are the members linked to a household there, "everyone" adds the
linked owners of shops, e-bikes and stalls there. Tags sit on household members, so a tagged audience
is always of households. A person linked in two grids counts once, in the first grid by id.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Household, HouseholdMember, MemberTag, Region, User
from gridapp.services.links.records import KINDS
from gridapp.services.notices.tags import CATALOGUE, check_keys
from gridapp.services.regions.tree import subtree_filter

AUDIENCES = {"households": "已关联住户的居民", "everyone": "辖区内所有已关联居民"}
TAG_MATCHES = {"any": "符合任一标签", "all": "同时符合全部标签"}


@dataclass(frozen=True)
class Audience:
    city_id: int
    region: Region
    audience: str
    tags: tuple[str, ...]
    tag_match: str

    @classmethod
    def of(cls, city_id: int, region: Region, audience: str, tags: list[str], tag_match: str) -> Audience:
        """The definition as given, checked: known values, and tags only for households."""
        if audience not in AUDIENCES:
            raise ValidationFailed("推送对象不正确", details={"audience": ["unknown"]})
        if tag_match not in TAG_MATCHES:
            raise ValidationFailed("标签匹配方式不正确", details={"tag_match": ["unknown"]})
        keys = tuple(check_keys(tags, "tags"))
        if keys and audience != "households":
            raise ValidationFailed("按标签推送只能面向已关联住户的居民", details={"audience": ["tags_need_households"]})
        return cls(city_id, region, audience, keys, tag_match)

    @property
    def tag_labels(self) -> list[str]:
        return [CATALOGUE[key].label for key in self.tags]


def recipients(audience: Audience) -> list[tuple[int, int]]:
    """(user id, grid id) of every account the notice reaches, each account once, by user id."""
    found: dict[int, int] = {}
    for user_id, grid_id in db.session.execute(_members(audience)):
        found.setdefault(user_id, grid_id)
    if audience.audience == "everyone":
        for kind in ("shop", "ebike", "stall"):
            for user_id, grid_id in db.session.execute(_owners(audience, KINDS[kind])):
                found.setdefault(user_id, grid_id)
    return sorted(found.items())


def _in_area(audience: Audience, grid_column):
    return select(Region.id).where(Region.city_id == audience.city_id, subtree_filter(audience.region.path), Region.id == grid_column)


def _members(audience: Audience):
    city_id = audience.city_id
    stmt = (
        select(HouseholdMember.user_id, Household.grid_id)
        .join(Household, Household.id == HouseholdMember.household_id)
        .join(User, User.id == HouseholdMember.user_id)
        .where(
            HouseholdMember.city_id == city_id, Household.city_id == city_id, User.city_id == city_id,
            HouseholdMember.is_active.is_(True), Household.is_active.is_(True), User.is_active.is_(True),
            _in_area(audience, Household.grid_id).exists(),
        )
        .order_by(Household.grid_id, HouseholdMember.user_id)
    )
    if audience.tags:
        tagged = select(MemberTag.member_id).where(MemberTag.city_id == city_id, MemberTag.tag.in_(audience.tags))
        if audience.tag_match == "all":
            tagged = tagged.group_by(MemberTag.member_id).having(func.count(MemberTag.tag.distinct()) == len(audience.tags))
        stmt = stmt.where(HouseholdMember.id.in_(tagged))
    return stmt


def _owners(audience: Audience, kind):
    model, user_column = kind.model, getattr(kind.model, kind.user_attr)
    return (
        select(user_column, model.grid_id)
        .join(User, User.id == user_column)
        .where(
            model.city_id == audience.city_id, User.city_id == audience.city_id,
            model.is_active.is_(True), User.is_active.is_(True), _in_area(audience, model.grid_id).exists(),
        )
        .order_by(model.grid_id, user_column)
    )
