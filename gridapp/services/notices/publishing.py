"""Sending a notice: who may send to where, the count before sending, and the fan-out after.

Community, street and district admins send to any region node under their grants. Publishing stores
the notice with its audience definition and one recipient row per account, resolved once, so the count
the sender saw is the count stored; the inbox notifications and pushes are made by a background job
(`fan_out_notice`) in batches. The job only serves rows without a notification, each batch in its own
unit of work, so a retried or repeated job sends nobody twice.
"""
from __future__ import annotations

from sqlalchemy import false, insert, or_, select

from gridapp import jobs
from gridapp.authz import Actor, Permission, Role, can_see_region, require_region
from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import Notice, NoticeRecipient, Region
from gridapp.services import idempotency
from gridapp.services.notices.audience import Audience, recipients
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions.tree import get_region, path_range
from gridapp.unit_of_work import unit_of_work

SENDERS = Permission(
    "notices.send", {Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN},
    "the officials of a community, street or district speak to the people of their area",
)
BATCH = 500
NOTICE_KIND = "notice"


def define(actor: Actor, region_id: int, audience: str, tags: list[str], tag_match: str) -> Audience:
    """The audience as the sender chose it, once the region is checked to lie in the sender's area."""
    SENDERS.require(actor)
    region = get_region(actor.city_id, region_id)
    require_region(actor, actor.city_id, region.path, SENDERS)
    return Audience.of(actor.city_id, region, audience, tags, tag_match)


def preview(actor: Actor, region_id: int, audience: str, tags: list[str], tag_match: str) -> int:
    """How many accounts the notice would reach now: the count the sender sees before sending."""
    return len(recipients(define(actor, region_id, audience, tags, tag_match)))


def publish(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None) -> Notice:
    """Store the notice and its recipients; the fan-out job delivers it after the commit."""
    return idempotency.create(claim, "notice", lambda: _publish(actor, data), lambda notice_id: db.session.get(Notice, notice_id))


def _publish(actor: Actor, data: dict) -> Notice:
    audience = define(actor, data["region_id"], data["audience"], data["tags"], data["tag_match"])
    resolved = recipients(audience)
    notice = Notice(
        city_id=actor.city_id, sender_id=actor.user_id, region_id=audience.region.id, region_path=audience.region.path,
        title=data["title"], body=data["body"], audience=audience.audience, tags=",".join(audience.tags),
        tag_match=audience.tag_match, recipient_count=len(resolved),
    )
    db.session.add(notice)
    db.session.flush()
    if resolved:
        db.session.execute(
            insert(NoticeRecipient),
            [{"city_id": actor.city_id, "notice_id": notice.id, "user_id": u, "grid_id": g, "created_at": now()} for u, g in resolved],
        )
    jobs.enqueue("fan_out_notice", actor.city_id, notice.id)
    return notice


def fan_out(city_id: int, notice_id: int) -> int:
    """Notify and push every recipient not yet served, batch by batch; how many were served this time."""
    served = 0
    while True:
        count = _serve_batch(city_id, notice_id)
        served += count
        if count < BATCH:
            return served


@unit_of_work
def _serve_batch(city_id: int, notice_id: int) -> int:
    notice = db.session.scalar(
        select(Notice).where(Notice.city_id == city_id, Notice.id == notice_id).with_for_update()
    )
    if notice is None:
        return 0
    rows = list(
        db.session.scalars(
            select(NoticeRecipient)
            .where(
                NoticeRecipient.city_id == city_id, NoticeRecipient.notice_id == notice.id,
                NoticeRecipient.notification_id.is_(None),
            )
            .order_by(NoticeRecipient.id)
            .limit(BATCH)
        )
    )
    notes = notify_and_push(  # flushes, so each note has its id
        city_id, [row.user_id for row in rows], NOTICE_KIND, notice.title, _excerpt(notice.body), (NOTICE_KIND, notice.id)
    )
    for row, note in zip(rows, notes):
        row.notification_id = note.id
    if len(rows) < BATCH and notice.delivered_at is None:
        notice.delivered_at = now()
    return len(rows)


def _excerpt(body: str, length: int = 60) -> str:
    return body if len(body) <= length else body[: length - 1] + "…"


def sent_in_area(actor: Actor):
    """A select of the notices sent to any part of the actor's area, newest first."""
    SENDERS.require(actor)
    paths = actor.region_paths(SENDERS)
    return (
        select(Notice)
        .where(Notice.city_id == actor.city_id, or_(*[path_range(Notice.region_path, path) for path in paths]) if paths else false())
        .order_by(Notice.id.desc())
    )


def visible_to_sender(actor: Actor, notice: Notice) -> bool:
    return SENDERS.held_by(actor) and can_see_region(actor, actor.city_id, notice.region_path, SENDERS)


def target_regions(actor: Actor) -> list[Region]:
    """The region nodes the actor may send to, from each granted node down to its grids, in tree order."""
    SENDERS.require(actor)
    paths = actor.region_paths(SENDERS)
    if not paths:
        return []
    return list(
        db.session.scalars(
            select(Region)
            .where(Region.city_id == actor.city_id, Region.retired_at.is_(None), or_(*[path_range(Region.path, p) for p in paths]))
            .order_by(Region.path)
        )
    )
