"""The petition figures for a part of the city over a time window, without anyone's personal data: batches
(批次) and person-times (人次) by level lodged, the repeat share, level-skipping, the first-time resolution rate
(初信初访一次性化解率), and what is overdue or long-running now. For the leaders' dashboard (issue 18 part 9)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, select

from gridapp.authz import Actor, Permission, Role, require_region
from gridapp.clock import china_midnight, china_today, now
from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Petition, PetitionHearing, PetitionVisit, Region
from gridapp.models.petitions import LEVELS
from gridapp.services.petitions.clocks import LEVEL_LABELS
from gridapp.services.petitions.lifecycle import OPEN_STATES
from gridapp.services.regions.tree import get_region, path_range

VIEWERS = Permission(
    "petitions.figures",
    {Role.PETITION_OFFICER, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "petition officers and the leaders over a region read its petition counts, never who petitioned",
)


def region_for(actor: Actor, region_id: int | None) -> Region:
    """The region asked for (default: the actor's first node, or the city for a system admin), within reach."""
    VIEWERS.require(actor)
    if region_id is None:
        paths = actor.region_paths(VIEWERS)
        region = db.session.scalar(
            select(Region).where(Region.city_id == actor.city_id, Region.path == paths[0]) if paths
            else select(Region).where(Region.city_id == actor.city_id, Region.parent_id.is_(None)).order_by(Region.id).limit(1)
        )  # fmt: skip
    else:
        region = get_region(actor.city_id, region_id)
    require_region(actor, actor.city_id, region.path, VIEWERS)
    return region


def lodgings(city_id: int, region_path: str, since: datetime, until: datetime) -> dict:
    """Batches and person-times by level, repeats and level-skipping, of the visits lodged in the window."""
    window = and_(PetitionVisit.city_id == city_id, path_range(PetitionVisit.region_path, region_path),
                  PetitionVisit.created_at >= since, PetitionVisit.created_at <= until)  # fmt: skip
    rows = db.session.execute(
        select(PetitionVisit.level, PetitionVisit.is_repeat, PetitionVisit.skips_levels,
               func.count(), func.coalesce(func.sum(PetitionVisit.people_count), 0))
        .where(window).group_by(PetitionVisit.level, PetitionVisit.is_repeat, PetitionVisit.skips_levels)
    ).all()  # fmt: skip
    by_level = {level: {"level": level, "label": LEVEL_LABELS[level], "batches": 0, "person_times": 0} for level in LEVELS}
    totals = {"batches": 0, "person_times": 0, "repeat_batches": 0, "skipping_batches": 0, "skipping_person_times": 0}
    for level, repeat, skips, batches, people in rows:
        by_level[level]["batches"] += batches
        by_level[level]["person_times"] += int(people)
        totals["batches"] += batches
        totals["person_times"] += int(people)
        totals["repeat_batches"] += batches if repeat else 0
        totals["skipping_batches"] += batches if skips else 0
        totals["skipping_person_times"] += int(people) if skips else 0
    share = round(totals["repeat_batches"] / totals["batches"], 4) if totals["batches"] else None
    return {**totals, "repeat_share": share, "by_level": list(by_level.values())}


def first_time_resolution(city_id: int, region_path: str, since: datetime, until: datetime) -> dict:
    """Of the petitions first answered in the window, those settled by that answer: closed with no review asked
    and never lodged again after it."""
    lodged_again = select(PetitionVisit.id).where(
        PetitionVisit.city_id == city_id, PetitionVisit.petition_id == Petition.id, PetitionVisit.is_repeat.is_(True),
        PetitionVisit.created_at > Petition.accepted_at,
    ).exists()  # fmt: skip
    answered = and_(Petition.city_id == city_id, path_range(Petition.region_path, region_path),
                    Petition.accepted_at.is_not(None), Petition.answered_at >= since, Petition.answered_at <= until)  # fmt: skip
    total = db.session.scalar(select(func.count()).where(answered))
    settled = db.session.scalar(select(func.count()).where(
        answered, Petition.state == "closed", Petition.review_requested_at.is_(None), ~lodged_again
    ))  # fmt: skip
    return {"answered": total, "settled_first_time": settled, "rate": round(settled / total, 4) if total else None}


def standing(city_id: int, region_path: str, since: datetime, until: datetime) -> dict:
    """What is open now: overdue and long-running (积案) petitions, and hearings held in the window."""
    open_here = and_(Petition.city_id == city_id, path_range(Petition.region_path, region_path), Petition.state.in_(OPEN_STATES))
    hearings = select(func.count()).select_from(PetitionHearing).join(
        Petition, and_(Petition.city_id == PetitionHearing.city_id, Petition.id == PetitionHearing.petition_id)
    ).where(PetitionHearing.city_id == city_id, path_range(Petition.region_path, region_path),
            PetitionHearing.held_at >= since, PetitionHearing.held_at <= until)  # fmt: skip
    return {
        "open": db.session.scalar(select(func.count()).where(open_here)),
        "overdue": db.session.scalar(select(func.count()).where(open_here, Petition.overdue_at.is_not(None))),
        "backlog": db.session.scalar(select(func.count()).where(open_here, Petition.backlog_since.is_not(None))),
        "hearings": db.session.scalar(hearings),
    }


def summary(actor: Actor, region_id: int | None, since: datetime | None = None, until: datetime | None = None) -> dict:
    """Every figure for a region over a window (default: this year so far, China time)."""
    region = region_for(actor, region_id)
    until = until or now()
    since = since or china_midnight(date(china_today(until).year, 1, 1))
    if since >= until:
        raise ValidationFailed("开始时间须早于结束时间", details={"since": ["not_before_until"]})
    args = (actor.city_id, region.path, since, until)
    return {"region_id": region.id, "region": region.name, "since": since, "until": until,
            **lodgings(*args), "first_time": first_time_resolution(*args), **standing(*args)}  # fmt: skip
