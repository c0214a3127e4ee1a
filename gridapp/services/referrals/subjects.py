"""What a referral can be about: a subject kind mapped to a loader that checks the actor may act on it and
returns its region path. Another module's kind is one line here (after issue 18's merge):

    # "dispute": _dispute,   # services.disputes: mediators and officials over the dispute's region
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gridapp.authz import Actor, Permission, Role, require_region
from gridapp.errors import ValidationFailed
from gridapp.services.cases.workflow import get_case
from gridapp.services.petitions import access as petitions


@dataclass(frozen=True)
class Subject:
    kind: str
    id: int
    region_path: str
    label: str


CASE_OFFICIALS = Permission(
    "referrals.cases", {Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN, Role.SUPER_ADMIN},
    "the officials over a case refer it to a court, the police or a petition bureau, or record one received",
)  # fmt: skip


def _case(actor: Actor, subject_id: int) -> Subject:
    CASE_OFFICIALS.require(actor)
    case = get_case(actor.city_id, subject_id)
    require_region(actor, actor.city_id, case.region_path, CASE_OFFICIALS)
    return Subject("case", case.id, case.region_path, f"案件 #{case.id}")


def _petition(actor: Actor, subject_id: int) -> Subject:
    petition = petitions.handled(actor, subject_id)
    return Subject("petition", petition.id, petition.region_path, f"信访事项 #{petition.id}")


SUBJECTS: dict[str, Callable[[Actor, int], Subject]] = {
    "case": _case,
    "petition": _petition,
}
# Who may act on referrals of each kind of subject (the same roles the loader admits).
SUBJECT_ROLES = {"case": CASE_OFFICIALS.roles, "petition": petitions.OFFICERS.roles}


def load(actor: Actor, kind: str, subject_id: int) -> Subject:
    if kind not in SUBJECTS:
        raise ValidationFailed("不支持的转办对象", details={"subject_kind": ["unknown"]})
    return SUBJECTS[kind](actor, subject_id)
