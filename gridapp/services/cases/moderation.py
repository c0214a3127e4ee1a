"""Moderating what a report shows: its text redacted, its photos hidden (faces, number plates).

Community admins and the officials above, over the case's place, and the city's system admins
moderate. Nothing is destroyed: the case shows the edited text, and the text before each edit is
kept in `case_moderations`; a hidden photo keeps its file and row and is left out wherever the case
is shown (the `photos` relationships skip it), until a moderator shows it again. Every edit is one
logged row with who, when and why, which only moderators read.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, can_see_region
from gridapp.clock import now
from gridapp.errors import Forbidden, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, CaseModeration, CasePhoto
from gridapp.services.cases import workflow as case_service
from gridapp.unit_of_work import unit_of_work

MODERATORS = Permission(
    "cases.moderate", OFFICIAL_ROLES | {Role.SYSTEM_ADMIN},
    "community admins and the officials above, and system admins, redact a report's text or hide its photos",
)


def _moderated_case(actor: Actor, case_id: int, *, for_update: bool = False):
    MODERATORS.require(actor)
    case = case_service.get_case(actor.city_id, case_id, for_update=for_update)
    if not can_see_region(actor, case.city_id, case.region_path, MODERATORS):
        raise Forbidden("您无权处理该案件的内容")
    return case


@unit_of_work
def moderate(
    actor: Actor, case_id: int, reason: str, *, description: str | None = None, hide_photo_ids=(), show_photo_ids=()
) -> Case:
    """Apply one moderator's edits to a case, each logged; answers the case as it is now shown."""
    case = _moderated_case(actor, case_id, for_update=True)
    every_photo = select(CasePhoto).where(CasePhoto.city_id == case.city_id, CasePhoto.case_id == case.id)
    photos = {p.id: p for p in db.session.scalars(every_photo)}
    unknown = sorted((set(hide_photo_ids) | set(show_photo_ids)) - photos.keys())
    if set(hide_photo_ids) & set(show_photo_ids) or unknown:
        raise ValidationFailed("照片不属于该案件或同时要求隐藏与恢复", details={"photo_ids": unknown})
    logged = []

    def log(action: str, **fields) -> None:
        row = CaseModeration(
            city_id=case.city_id, case_id=case.id, actor_user_id=actor.user_id, action=action, reason=reason, **fields
        )
        db.session.add(row)
        logged.append(row)

    if description is not None and description != case.description:
        log("redact_text", text_before=case.description, text_after=description)
        case.description = description
    for photo_id in hide_photo_ids:
        if photos[photo_id].hidden_at is None:
            photos[photo_id].hidden_at = now()
            log("hide_photo", photo_id=photo_id)
    for photo_id in show_photo_ids:
        if photos[photo_id].hidden_at is not None:
            photos[photo_id].hidden_at = None
            log("show_photo", photo_id=photo_id)
    if not logged:
        raise ValidationFailed("没有需要修改的内容", code="nothing_to_change")
    return case  # read after the commit, which reloads what the case shows


def history(actor: Actor, case_id: int):
    """A select of every moderation edit of the case, oldest first, with the text as it was before each."""
    case = _moderated_case(actor, case_id)
    return (
        select(CaseModeration)
        .where(CaseModeration.city_id == case.city_id, CaseModeration.case_id == case.id)
        .order_by(CaseModeration.id)
    )
