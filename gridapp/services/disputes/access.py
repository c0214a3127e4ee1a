"""Who may see and act on a dispute, and what each viewer sees of its parties.

A dispute is seen by its parties (resident accounts named as a party), by the mediator mediating it (and any
mediator who held a session in it), and by the officials over the community it arose in. Parties' contacts are
masked as strictly as a reporter's (`services.cases.workflow.contact_for`): whole for the party, the mediator of
record and the community's admins who call them; masked for the officials above; the other party sees a masked
name and no phone.
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select

from gridapp.authz import Actor, Permission, Role, can_see_region
from gridapp.errors import Forbidden, NotFound
from gridapp.extensions import db
from gridapp.models import Dispute, DisputeParty, DisputeSession, Mediator, RegionLevel
from gridapp.privacy import mask_name, mask_phone
from gridapp.services.regions.tree import in_reach

KINDS = {
    "neighbours": "邻里纠纷",
    "family": "婚姻家庭纠纷",
    "labour": "劳动与欠薪纠纷",
    "property": "物业纠纷",
    "land": "土地纠纷",
    "traffic": "交通事故纠纷",
    "medical": "医疗纠纷",
    "insurance": "保险纠纷",
    "school": "校园纠纷",
    "other": "其他纠纷",
}
LEVEL_LABELS = {"village": "村（社区）级", "township": "乡镇（街道）级", "county": "县（区）级"}
# The roster tier of a mediator given at each level of node.
TIER_OF_NODE = {RegionLevel.COMMUNITY.value: "village", RegionLevel.STREET.value: "township", RegionLevel.DISTRICT.value: "county"}
STATUS_LABELS = {
    "requested": "待受理", "accepted": "已受理，待派单", "assigned": "已派调解员", "mediating": "调解中", "agreed": "协议待签",
    "signed": "已签协议", "confirmed": "已司法确认", "referred": "已转出", "closed": "已结案",
}
DIFFICULTY_LABELS = {"simple": "简单", "ordinary": "一般", "complex": "复杂疑难", "major": "重大"}

RESIDENTS = Permission("disputes.residents", {Role.RESIDENT}, "residents ask for mediation, consent, sign and rate as parties")
CENTRES = Permission(
    "disputes.centres",
    {Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "the community, street or county mediation centre (its officials) takes, assigns and steps disputes up, and keeps the roster",
)
MEDIATORS = Permission("disputes.mediators", {Role.MEDIATOR}, "mediators on the roster")
HANDLERS = Permission("disputes.handlers", CENTRES | MEDIATORS, "the centre over a dispute and its mediator record sessions and make the agreement")
READERS = Permission("disputes.readers", HANDLERS | RESIDENTS, "a dispute's parties, its mediator and the centres over it")
# The party's contact whole, besides the party and the mediator of record: the community's admins, who call them.
CONTACTS = Permission("disputes.contacts", {Role.COMMUNITY_ADMIN}, "the dispute's community admins see the parties' contacts whole")


def get(actor: Actor, dispute_id: int) -> Dispute:
    row = db.session.scalar(select(Dispute).where(Dispute.city_id == actor.city_id, Dispute.id == dispute_id))
    if row is None:
        raise NotFound("纠纷不存在")
    return row


def is_centre_over(actor: Actor, dispute: Dispute) -> bool:
    return CENTRES.held_by(actor) and can_see_region(actor, dispute.city_id, dispute.region_path, CENTRES)


def my_mediator(actor: Actor) -> Mediator | None:
    if not MEDIATORS.held_by(actor):
        return None
    return db.session.scalar(select(Mediator).where(Mediator.city_id == actor.city_id, Mediator.user_id == actor.user_id))


def is_mediator_of(actor: Actor, dispute: Dispute) -> bool:
    """The mediator mediating it now, or one who held a session in it (they keep reading what they did)."""
    if not MEDIATORS.held_by(actor):
        return False
    if dispute.mediator is not None and dispute.mediator.user_id == actor.user_id:
        return True
    return bool(db.session.scalar(select(exists().where(
        DisputeSession.city_id == dispute.city_id, DisputeSession.dispute_id == dispute.id, DisputeSession.recorded_by_user_id == actor.user_id,
    ))))


def party_of(actor: Actor, dispute: Dispute) -> DisputeParty | None:
    if not RESIDENTS.held_by(actor):
        return None
    return next((p for p in dispute.parties if p.user_id == actor.user_id), None)


def visible(actor: Actor, dispute_id: int) -> Dispute:
    READERS.require(actor)
    row = get(actor, dispute_id)
    if party_of(actor, row) is None and not is_centre_over(actor, row) and not is_mediator_of(actor, row):
        raise Forbidden("您不是该纠纷的当事人或调解人员", code="not_involved")
    return row


def handled(actor: Actor, dispute_id: int, *, centre_only: bool = False) -> Dispute:
    """A dispute the actor may act on as its centre (or, unless `centre_only`, as its current mediator)."""
    (CENTRES if centre_only else HANDLERS).require(actor)
    row = get(actor, dispute_id)
    if is_centre_over(actor, row):
        return row
    current = row.mediator is not None and row.mediator.user_id == actor.user_id
    if not centre_only and current:
        return row
    raise Forbidden("您无权办理该纠纷", code="not_handler")


def involved(actor: Actor, status: str | None = None):
    """A select of the disputes the actor sees, newest first: as a party, as a mediator, as a centre."""
    READERS.require(actor)
    conditions = []
    if RESIDENTS.held_by(actor):
        conditions.append(exists().where(
            DisputeParty.city_id == Dispute.city_id, DisputeParty.dispute_id == Dispute.id, DisputeParty.user_id == actor.user_id,
        ))
    if MEDIATORS.held_by(actor):
        conditions.append(Dispute.mediator_id.in_(
            select(Mediator.id).where(Mediator.city_id == actor.city_id, Mediator.user_id == actor.user_id)
        ))
        conditions.append(exists().where(
            DisputeSession.city_id == Dispute.city_id, DisputeSession.dispute_id == Dispute.id,
            DisputeSession.recorded_by_user_id == actor.user_id,
        ))
    if CENTRES.held_by(actor):
        conditions.append(in_reach(actor, CENTRES, Dispute.region_path))
    stmt = select(Dispute).where(Dispute.city_id == actor.city_id, or_(*conditions))
    if status is not None:
        stmt = stmt.where(Dispute.status == status)
    return stmt.order_by(Dispute.id.desc())


def party_view(actor: Actor, dispute: Dispute, party: DisputeParty) -> dict:
    """The party as this viewer may see them (see the module's docstring)."""
    mine = party.user_id is not None and party.user_id == actor.user_id
    whole = mine or (dispute.mediator is not None and dispute.mediator.user_id == actor.user_id) or (
        can_see_region(actor, dispute.city_id, dispute.region_path, CONTACTS)
    )
    if whole:
        name, phone = party.name, party.phone
    elif is_centre_over(actor, dispute) or is_mediator_of(actor, dispute):
        name, phone = mask_name(party.name), mask_phone(party.phone)
    else:
        name, phone = mask_name(party.name), None
    return {
        "id": party.id, "side": party.side, "name": name, "phone": phone, "is_me": mine,
        "consented": party.consent_at is not None, "consent_at": party.consent_at,
        "signed": party.signed_at is not None, "signed_at": party.signed_at,
    }
