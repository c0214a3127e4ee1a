"""码上协商: a community or street consults the households or residents of an area, and publishes the result at the close.

Who may answer: a resident who is a linked, active member of a household in the area (a grid, community or
street subtree, optionally one building of a grid). With `per="household"` the first member to answer
speaks for the household and the others see its answer; a unique key refuses a second one even when two
members press at the same moment. Answers stay sealed until the deadline: then everyone eligible sees the
counts (choice) or the answers without names (free). Cadres over the area follow participation by grid
while it runs: households answered against households eligible.
"""
from __future__ import annotations

import json

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from gridapp.authz import Actor, Permission, Role, require_region
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Consultation, ConsultationAnswer, Household, HouseholdMember, Region, RegionLevel
from gridapp.services import idempotency
from gridapp.services.regions.tree import get_region, in_reach, path_range
from gridapp.unit_of_work import unit_of_work

ORGANISERS = Permission(
    "consultations.organisers", {Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "a community or street (or officials above) consults the households of its area",
)
PARTICIPANTS = Permission("consultations.participants", {Role.RESIDENT}, "residents of the households asked")
PARTIES = Permission("consultations.parties", ORGANISERS | PARTICIPANTS, "who asked, and who is asked")
AREA_LEVELS = (RegionLevel.GRID.value, RegionLevel.COMMUNITY.value, RegionLevel.STREET.value)


def options(row: Consultation) -> list[str]:
    return json.loads(row.options_json)


def is_closed(row: Consultation) -> bool:
    return now() >= row.deadline


def open_consultation(actor: Actor, fields: dict, claim: idempotency.IdempotencyClaim | None = None):
    ORGANISERS.require(actor)
    return idempotency.create(claim, "consultation", lambda: _open(actor, fields), lambda row_id: _get(actor, row_id))


def _open(actor: Actor, fields: dict) -> Consultation:
    area = get_region(actor.city_id, fields["region_id"])
    require_region(actor, actor.city_id, area.path, ORGANISERS)
    if area.level not in AREA_LEVELS or area.retired_at is not None:
        raise ValidationFailed("协商范围须为网格、社区或街道", details={"region_id": ["not_an_area"]})
    if fields.get("building") and area.level != RegionLevel.GRID.value:
        raise ValidationFailed("按楼栋协商时，范围须为该楼栋所在网格", details={"building": ["needs_a_grid"]})
    choices = [o.strip() for o in fields.get("options") or [] if o.strip()]
    if fields["answer_kind"] == "choice" and (len(choices) < 2 or len(set(choices)) != len(choices)):
        raise ValidationFailed("选择题至少需要两个互不相同的选项", details={"options": ["at_least_two_distinct"]})
    if fields["answer_kind"] == "free" and choices:
        raise ValidationFailed("自由作答不设选项", details={"options": ["not_for_free_answers"]})
    if fields["deadline"] <= now():
        raise ValidationFailed("截止时间须晚于现在", details={"deadline": ["in_the_past"]})
    row = Consultation(
        city_id=actor.city_id, region_id=area.id, region_path=area.path, building=fields.get("building") or None,
        title=fields["title"], question=fields["question"], answer_kind=fields["answer_kind"],
        options_json=json.dumps(choices, ensure_ascii=False), per=fields["per"], deadline=fields["deadline"],
        created_by_user_id=actor.user_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _get(actor: Actor, consultation_id: int) -> Consultation:
    row = db.session.scalar(select(Consultation).where(Consultation.city_id == actor.city_id, Consultation.id == consultation_id))
    if row is None:
        raise NotFound("协商不存在")
    return row


def _area_households(row: Consultation):
    """A condition on Household (joined to its grid as Region) for the consultation's area."""
    condition = path_range(Region.path, row.region_path)
    return and_(condition, Household.building == row.building) if row.building else condition


def _my_household(actor: Actor, row: Consultation) -> Household | None:
    return db.session.scalar(
        select(Household)
        .join(HouseholdMember, and_(HouseholdMember.city_id == Household.city_id, HouseholdMember.household_id == Household.id))
        .join(Region, and_(Region.city_id == Household.city_id, Region.id == Household.grid_id))
        .where(
            Household.city_id == actor.city_id, HouseholdMember.user_id == actor.user_id, HouseholdMember.is_active.is_(True),
            Household.is_active.is_(True), _area_households(row),
        )
        .order_by(Household.id)
        .limit(1)
    )


def _is_organiser_over(actor: Actor, row: Consultation) -> bool:
    try:
        require_region(actor, row.city_id, row.region_path, ORGANISERS)
    except Forbidden:
        return False
    return True


def visible(actor: Actor, consultation_id: int) -> tuple[Consultation, Household | None]:
    """The consultation for an eligible resident (with their household) or a cadre over its area; 403 otherwise."""
    PARTIES.require(actor)
    row = _get(actor, consultation_id)
    household = _my_household(actor, row) if PARTICIPANTS.held_by(actor) else None
    if household is None and not (ORGANISERS.held_by(actor) and _is_organiser_over(actor, row)):
        raise Forbidden("您不在本次协商的范围内", code="not_eligible")
    return row, household


def my_answer(actor: Actor, row: Consultation, household: Household | None) -> ConsultationAnswer | None:
    """The caller's answer, or (one per household) the household's."""
    if household is None:
        return None
    if row.per == "household":
        mine = ConsultationAnswer.household_key == household.id
    else:
        mine = ConsultationAnswer.user_id == actor.user_id
    return db.session.scalar(
        select(ConsultationAnswer).where(ConsultationAnswer.city_id == row.city_id, ConsultationAnswer.consultation_id == row.id, mine)
    )


def answer(actor: Actor, consultation_id: int, option: int | None, text: str | None) -> ConsultationAnswer:
    PARTICIPANTS.require(actor)
    try:
        return _answer(actor, consultation_id, option, text)
    except IntegrityError:  # another member of the household answered at the same moment
        db.session.rollback()
        raise Conflict("您家已有成员作答", code="household_answered") from None


@unit_of_work
def _answer(actor: Actor, consultation_id: int, option: int | None, text: str | None) -> ConsultationAnswer:
    row, household = visible(actor, consultation_id)
    if household is None:
        raise Forbidden("您不在本次协商的范围内", code="not_eligible")
    if is_closed(row):
        raise InvalidTransition("协商已截止", code="consultation_closed")
    if row.answer_kind == "choice":
        if option is None or not 0 <= option < len(options(row)) or text:
            raise ValidationFailed("请选择一个选项", details={"option": ["out_of_range"]})
    elif not text or option is not None:
        raise ValidationFailed("请填写您的意见", details={"text": ["required"]})
    earlier = my_answer(actor, row, household)
    if earlier is not None and earlier.user_id == actor.user_id and (earlier.option, earlier.text) == (option, text):
        return earlier  # a retry after a lost answer: the same answer back
    if earlier is not None:
        raise Conflict("您家已有成员作答" if row.per == "household" else "您已作答", code="already_answered")
    given = ConsultationAnswer(
        city_id=row.city_id, consultation_id=row.id, user_id=actor.user_id, household_id=household.id,
        household_key=household.id if row.per == "household" else None, grid_id=household.grid_id, option=option, text=text,
    )
    db.session.add(given)
    db.session.flush()
    return given


def results(row: Consultation) -> dict | None:
    """Published at the close: counts per option, or the free answers without names (oldest first)."""
    if not is_closed(row):
        return None
    answers = select(ConsultationAnswer).where(ConsultationAnswer.city_id == row.city_id, ConsultationAnswer.consultation_id == row.id)
    if row.answer_kind == "choice":
        counts = dict(db.session.execute(
            select(ConsultationAnswer.option, func.count()).where(
                ConsultationAnswer.city_id == row.city_id, ConsultationAnswer.consultation_id == row.id
            ).group_by(ConsultationAnswer.option)
        ).all())
        tallies = [{"option": label, "count": counts.get(i, 0)} for i, label in enumerate(options(row))]
        return {"answers": sum(counts.values()), "tallies": tallies, "texts": []}
    texts = [a.text for a in db.session.scalars(answers.order_by(ConsultationAnswer.id))]
    return {"answers": len(texts), "tallies": [], "texts": texts}


def participation(actor: Actor, consultation_id: int) -> list[dict]:
    """By grid: households (or residents) that answered, against the households in the area."""
    ORGANISERS.require(actor)
    row = _get(actor, consultation_id)
    require_region(actor, row.city_id, row.region_path, ORGANISERS)
    eligible = dict(db.session.execute(
        select(Household.grid_id, func.count())
        .join(Region, and_(Region.city_id == Household.city_id, Region.id == Household.grid_id))
        .where(Household.city_id == row.city_id, Household.is_active.is_(True), _area_households(row))
        .group_by(Household.grid_id)
    ).all())
    answered = dict(db.session.execute(
        select(ConsultationAnswer.grid_id, func.count(func.distinct(ConsultationAnswer.household_id)))
        .where(ConsultationAnswer.city_id == row.city_id, ConsultationAnswer.consultation_id == row.id)
        .group_by(ConsultationAnswer.grid_id)
    ).all())
    grids = {g.id: g.name for g in db.session.scalars(select(Region).where(Region.city_id == row.city_id, Region.id.in_(eligible)))}
    return [
        {"grid_id": grid_id, "grid_name": grids[grid_id], "households": total, "households_answered": answered.get(grid_id, 0),
         "share": round(answered.get(grid_id, 0) / total, 3) if total else 0.0}
        for grid_id, total in sorted(eligible.items())
    ]


def organised(actor: Actor):
    """Consultations over the actor's part of the city, newest first."""
    ORGANISERS.require(actor)
    stmt = select(Consultation).where(Consultation.city_id == actor.city_id)
    stmt = stmt.where(in_reach(actor, ORGANISERS, Consultation.region_path))
    return stmt.order_by(Consultation.id.desc())


def for_me(actor: Actor):
    """Consultations whose area holds one of the resident's households, newest first (open and closed)."""
    PARTICIPANTS.require(actor)
    homes = db.session.execute(
        select(Region.path, Household.building)
        .join(Household, and_(Household.city_id == Region.city_id, Household.grid_id == Region.id))
        .join(HouseholdMember, and_(HouseholdMember.city_id == Household.city_id, HouseholdMember.household_id == Household.id))
        .where(Region.city_id == actor.city_id, HouseholdMember.user_id == actor.user_id, HouseholdMember.is_active.is_(True),
               Household.is_active.is_(True))
    ).all()
    # An area covers a home when the home's grid path starts with the area's path (and the building, if one is named).
    covering = [
        and_(func.substr(path, 1, func.length(Consultation.region_path)) == Consultation.region_path,
             or_(Consultation.building.is_(None), Consultation.building == building))
        for path, building in homes
    ]
    return select(Consultation).where(Consultation.city_id == actor.city_id, or_(*covering) if covering else false()).order_by(
        Consultation.id.desc()
    )
