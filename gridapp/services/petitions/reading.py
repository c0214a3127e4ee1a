"""Reading petitions: each function records the read (services.petitions.access.audit) before answering."""
from __future__ import annotations

from sqlalchemy import select

from gridapp import sealed
from gridapp.authz import Actor
from gridapp.errors import ValidationFailed
from gridapp.extensions import db
from gridapp.models import Petition, Petitioner, PetitionEvent, PetitionHearing, PetitionRead
from gridapp.pagination import paginate
from gridapp.services.petitions import access
from gridapp.services.petitions.intake import masked, visits
from gridapp.services.petitions.lifecycle import OPEN_STATES
from gridapp.services.regions.tree import in_reach
from gridapp.unit_of_work import unit_of_work


def _reason(purpose: str) -> str:
    if purpose not in access.PURPOSES:
        raise ValidationFailed("请选择查阅目的", details={"purpose": ["unknown"]})
    return access.PURPOSES[purpose]


@unit_of_work
def page(actor: Actor, filters: dict, page_args: dict) -> dict:
    """The petitions the actor may read, newest first, narrowed by state, open, overdue or backlog; one audit row
    names how many were shown."""
    access.READERS.require(actor)
    stmt = select(Petition).where(Petition.city_id == actor.city_id, access.readable_filter(actor))
    if filters.get("state"):
        stmt = stmt.where(Petition.state == filters["state"])
    if filters.get("open"):
        stmt = stmt.where(Petition.state.in_(OPEN_STATES))
    if filters.get("overdue"):
        stmt = stmt.where(Petition.overdue_at.is_not(None), Petition.state.in_(OPEN_STATES))
    if filters.get("backlog"):
        stmt = stmt.where(Petition.backlog_since.is_not(None), Petition.state.in_(OPEN_STATES))
    result = paginate(stmt.order_by(Petition.id.desc()), page_args)
    access.audit(actor, "list", _reason(filters.get("purpose", "handling")), rows=len(result["items"]))
    return result


@unit_of_work
def view(actor: Actor, petition_id: int, purpose: str = "handling") -> Petition:
    petition = access.readable(actor, petition_id)
    access.audit(actor, "view", _reason(purpose), petition=petition)
    return petition


@unit_of_work
def reveal(actor: Actor, petition_id: int, reason: str) -> dict:
    """The petitioner's full name, ID number and phone, for an officer over the petition who writes why."""
    petition = access.handled(actor, petition_id)
    person: Petitioner = petition.petitioner
    access.audit(actor, "reveal", reason, petition=petition)
    return {"id": person.id, "name": sealed.unseal(person.name_sealed), "id_number": sealed.unseal(person.id_number_sealed),
            "phone": sealed.unseal(person.phone_sealed)}  # fmt: skip


def petitioner_of(petition: Petition) -> dict:
    return masked(petition.petitioner)


@unit_of_work
def events(actor: Actor, petition_id: int, page_args: dict) -> dict:
    petition = access.readable(actor, petition_id)
    stmt = select(PetitionEvent).where(PetitionEvent.city_id == actor.city_id, PetitionEvent.petition_id == petition.id)
    result = paginate(stmt.order_by(PetitionEvent.id), page_args)
    access.audit(actor, "events", access.PURPOSES["handling"], petition=petition, rows=len(result["items"]))
    return result


@unit_of_work
def lodgings(actor: Actor, petition_id: int, page_args: dict) -> dict:
    petition = access.readable(actor, petition_id)
    result = paginate(visits(actor, petition), page_args)
    access.audit(actor, "visits", access.PURPOSES["handling"], petition=petition, rows=len(result["items"]))
    return result


@unit_of_work
def hearings(actor: Actor, petition_id: int, page_args: dict) -> dict:
    petition = access.readable(actor, petition_id)
    stmt = select(PetitionHearing).where(PetitionHearing.city_id == actor.city_id, PetitionHearing.petition_id == petition.id)
    result = paginate(stmt.order_by(PetitionHearing.held_at, PetitionHearing.id), page_args)
    access.audit(actor, "hearings", access.PURPOSES["hearing"], petition=petition, rows=len(result["items"]))
    return result


def read_log(actor: Actor, petition_id: int | None = None):
    """The audit of reads over the officer's region (lookups that found nobody carry no region and are listed to
    the city's officers with the reader's own), newest first. Reading the log is not itself a petition read."""
    access.OFFICERS.require(actor)
    stmt = select(PetitionRead).where(
        PetitionRead.city_id == actor.city_id,
        in_reach(actor, access.OFFICERS, PetitionRead.region_path) | (PetitionRead.actor_user_id == actor.user_id),
    )
    if petition_id is not None:
        stmt = stmt.where(PetitionRead.petition_id == access.handled(actor, petition_id).id)
    return stmt.order_by(PetitionRead.id.desc())



@unit_of_work
def dossier(actor: Actor, petition_id: int, purpose: str = "handling") -> dict:
    """The petition with its lodgings, events and hearings, as one page shows them: one audited read."""
    petition = access.readable(actor, petition_id)
    access.audit(actor, "view", _reason(purpose), petition=petition)
    city = actor.city_id
    return {
        "petition": petition,
        "petitioner": masked(petition.petitioner),
        "visits": list(db.session.scalars(visits(actor, petition))),
        "events": list(db.session.scalars(select(PetitionEvent).where(
            PetitionEvent.city_id == city, PetitionEvent.petition_id == petition.id).order_by(PetitionEvent.id))),
        "hearings": list(db.session.scalars(select(PetitionHearing).where(
            PetitionHearing.city_id == city, PetitionHearing.petition_id == petition.id).order_by(PetitionHearing.held_at))),
        "officer": access.officer_over(actor, petition),
    }  # fmt: skip
