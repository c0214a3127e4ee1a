"""Registering petitions from every channel, with the petitioner found again rather than entered twice.

初访快速录入，重访直接调出: an officer or agent first looks the person up by ID number or phone (an audited read).
A known petitioner's new matter is a new petition; the same matter lodged again is a repeat visit on the
petition they pull up. Each lodging is one batch (批次) of `people_count` person-times (人次), at a level
(京, 省, 市, 区, 镇), and counts as level-skipping when lodged above the responsible level's next one.
An agent's entries are proxy lodgings (代办) whatever the petitioner's own channel was.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from gridapp import sealed
from gridapp.authz import Actor, Role, covers
from gridapp.clock import now
from gridapp.errors import Forbidden, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Petition, Petitioner, PetitionEvent, PetitionVisit, Region
from gridapp.privacy import mask_id_number, mask_name, mask_phone
from gridapp.services import idempotency
from gridapp.services.petitions import access, clocks
from gridapp.services.regions.tree import get_region, path_range
from gridapp.unit_of_work import unit_of_work


@dataclass(frozen=True)
class Identity:
    """What was said about who petitions: a name and an ID number and/or a phone (normalised)."""

    name: str
    id_number: str | None
    phone: str | None

    @classmethod
    def of(cls, name: str | None, id_number: str | None, phone: str | None) -> Identity:
        id_number = sealed.normalise_id_number(id_number) if id_number else None
        phone = sealed.normalise_phone(phone) if phone else None
        if id_number is None and phone is None:
            raise ValidationFailed("请填写身份证号码或联系电话，以便查找重复信访", details={"id_number": ["required"]})
        return cls((name or "").strip(), id_number, phone)


def find(city_id: int, identity: Identity) -> Petitioner | None:
    """The known petitioner with this ID number, else with this phone."""
    if identity.id_number:
        found = db.session.scalar(select(Petitioner).where(
            Petitioner.city_id == city_id, Petitioner.id_number_hash == sealed.lookup_hash(city_id, "id", identity.id_number)
        ))  # fmt: skip
        if found is not None:
            return found
    if identity.phone:
        return db.session.scalar(select(Petitioner).where(
            Petitioner.city_id == city_id, Petitioner.phone_hash == sealed.lookup_hash(city_id, "phone", identity.phone)
        ).order_by(Petitioner.id).limit(1))  # fmt: skip
    return None


def masked(petitioner: Petitioner) -> dict:
    return {"id": petitioner.id, "name": petitioner.name_masked, "id_number": petitioner.id_number_masked,
            "phone": petitioner.phone_masked}  # fmt: skip


def _seal_into(petitioner: Petitioner, identity: Identity) -> None:
    """Fill what the record lacks (a phone given at a later visit); what it holds is kept."""
    city_id = petitioner.city_id
    if identity.id_number and not petitioner.id_number_hash:
        petitioner.id_number_hash = sealed.lookup_hash(city_id, "id", identity.id_number)
        petitioner.id_number_sealed = sealed.seal(identity.id_number)
        petitioner.id_number_masked = mask_id_number(identity.id_number)
    if identity.phone and not petitioner.phone_hash:
        petitioner.phone_hash = sealed.lookup_hash(city_id, "phone", identity.phone)
        petitioner.phone_sealed = sealed.seal(identity.phone)
        petitioner.phone_masked = mask_phone(identity.phone)


def _petitioner(city_id: int, identity: Identity) -> Petitioner:
    found = find(city_id, identity)
    if found is not None:
        _seal_into(found, identity)
        return found
    if not identity.name:
        raise ValidationFailed("初次信访请填写信访人姓名", details={"name": ["required"]})
    petitioner = Petitioner(city_id=city_id, name_sealed=sealed.seal(identity.name), name_masked=mask_name(identity.name))
    _seal_into(petitioner, identity)
    db.session.add(petitioner)
    db.session.flush()
    return petitioner


@unit_of_work
def lookup(actor: Actor, identity: Identity, reason: str) -> dict:
    """The petitioner with this ID number or phone, masked, and their petitions this actor may pull up; how many
    others they have elsewhere is a count only. The look is audited whether or not anyone was found."""
    access.intake_paths(actor)
    petitioner = find(actor.city_id, identity)
    if petitioner is None:
        access.audit(actor, "lookup", reason, rows=0)
        return {"found": False, "petitioner": None, "petitions": [], "elsewhere": 0}
    petitions = list(db.session.scalars(
        select(Petition).where(Petition.city_id == actor.city_id, Petition.petitioner_id == petitioner.id).order_by(Petition.id.desc())
    ))  # fmt: skip
    mine = [p for p in petitions if access.in_intake_area(actor, p.region_path)]
    access.audit(actor, "lookup", reason, petitioner_id=petitioner.id, rows=len(mine))
    return {"found": True, "petitioner": masked(petitioner), "petitions": mine, "elsewhere": len(petitions) - len(mine)}


def register(actor: Actor, identity: Identity, matter: dict, visit: dict, claim: idempotency.IdempotencyClaim | None = None):
    """A new matter, or (with `matter["petition_id"]`) the same matter lodged again: one visit either way.
    A retry with the same Idempotency-Key answers the first visit."""
    access.intake_paths(actor)
    return idempotency.create(claim, "petition_visit", lambda: _register(actor, identity, matter, visit), lambda vid: _visit(actor, vid))


def _visit(actor: Actor, visit_id: int) -> PetitionVisit:
    row = db.session.scalar(select(PetitionVisit).where(PetitionVisit.city_id == actor.city_id, PetitionVisit.id == visit_id))
    access.readable(actor, row.petition_id)
    return row


def _channel(actor: Actor, channel: str, appointment_at: datetime | None) -> tuple[str, bool]:
    by_agent = Role.PETITION_OFFICER not in actor.roles
    if by_agent:
        return "proxy", True  # an agent's entry is a proxy lodging whatever way the person came to them
    if channel == "proxy":
        raise ValidationFailed("代办信访由代办员登记", details={"channel": ["agents_only"]})
    if channel == "video" and appointment_at is None:
        raise ValidationFailed("视频接访请填写预约时间", details={"appointment_at": ["required"]})
    return channel, False


@unit_of_work
def _register(actor: Actor, identity: Identity, matter: dict, visit: dict) -> PetitionVisit:
    channel, by_agent = _channel(actor, visit["channel"], visit.get("appointment_at"))
    petitioner = _petitioner(actor.city_id, identity)
    if matter.get("petition_id"):
        petition = access.get(actor.city_id, matter["petition_id"], for_update=True)
        if petition.petitioner_id != petitioner.id:
            raise ValidationFailed("该信访事项不属于此信访人", details={"petition_id": ["other_petitioner"]})
        if not access.in_intake_area(actor, petition.region_path):
            raise Forbidden("该信访事项不在您的登记范围")
        repeat, action = True, "visit"
    else:
        region = get_region(actor.city_id, matter["region_id"])
        if region.retired_at is not None or not covers(access.intake_paths(actor), region.path):
            raise Forbidden("只能登记本人管辖范围内的信访事项")
        if not matter.get("title") or not matter.get("content"):
            raise ValidationFailed("请填写信访事项的标题和内容", details={"title": ["required"]})
        at = now()
        petition = Petition(
            city_id=actor.city_id, petitioner_id=petitioner.id, region_id=region.id, region_path=region.path,
            title=matter["title"], content=matter["content"], state="registered", due_at=clocks.due("registered", at),
        )
        db.session.add(petition)
        db.session.flush()
        repeat, action = False, "register"
    region_level = db.session.scalar(select(Region.level).where(Region.city_id == actor.city_id, Region.id == petition.region_id))
    row = PetitionVisit(
        city_id=actor.city_id, petition_id=petition.id, region_path=petition.region_path, channel=channel,
        level=visit["level"], people_count=visit["people_count"], is_repeat=repeat,
        skips_levels=clocks.skips_levels(getattr(region_level, "value", region_level), visit["level"]),
        appointment_at=visit.get("appointment_at"), entered_by_user_id=actor.user_id, by_agent=by_agent,
        note=visit.get("note", ""),
    )
    db.session.add(row)
    db.session.add(PetitionEvent(
        city_id=actor.city_id, petition_id=petition.id, actor_user_id=actor.user_id, action=action,
        from_state=None if action == "register" else petition.state, to_state=petition.state,
        note=f"{visit['people_count']} 人次" + (f"；{visit['note']}" if visit.get("note") else ""),
    ))  # fmt: skip
    db.session.flush()
    return row


def visits(actor: Actor, petition: Petition):
    return select(PetitionVisit).where(
        PetitionVisit.city_id == actor.city_id, PetitionVisit.petition_id == petition.id
    ).order_by(PetitionVisit.id)


def repeat_count(petition: Petition) -> int:
    return db.session.scalar(select(func.count()).where(
        PetitionVisit.city_id == petition.city_id, PetitionVisit.petition_id == petition.id, PetitionVisit.is_repeat.is_(True)
    ))  # fmt: skip


def intake_regions(actor: Actor) -> list[Region]:
    """The nodes (above the grids) a new petition may be put in the care of, for the intake form."""
    paths = access.intake_paths(actor)
    if not paths:
        return []
    return list(db.session.scalars(
        select(Region).where(
            Region.city_id == actor.city_id, Region.retired_at.is_(None), Region.level != "grid",
            or_(*[path_range(Region.path, p) for p in paths]),
        ).order_by(Region.path)
    ))  # fmt: skip
