"""Opening a notice, its read receipt, and the figures its sender sees.

A recipient opening the notice (its page, or the API) records `read_at` once and marks the inbox
notification read. Anyone else signed in as a resident gets 404, as if there were no such notice; staff
outside the sender's area get 403. Reach is counted from the recipient rows: delivered to the inbox (a
notification made), pushed (its delivery sent), read; and the read share in each grid.
"""
from __future__ import annotations

from sqlalchemy import func, select

from gridapp.authz import Actor, Permission, Role
from gridapp.clock import now
from gridapp.errors import Forbidden, NotFound
from gridapp.extensions import db
from gridapp.models import DeliveryAttempt, Notice, NoticeRecipient, Notification, Region
from gridapp.services.notices.audience import AUDIENCES, TAG_MATCHES
from gridapp.services.notices.publishing import SENDERS, visible_to_sender
from gridapp.services.notices.tags import CATALOGUE
from gridapp.unit_of_work import unit_of_work

RECIPIENTS = Permission("notices.receive", {Role.RESIDENT}, "residents read the notices sent to them")
READERS = Permission("notices.read", RECIPIENTS | SENDERS, "a notice's recipients, and the officials over its area")


def _notice(city_id: int, notice_id: int) -> Notice:
    notice = db.session.scalar(select(Notice).where(Notice.city_id == city_id, Notice.id == notice_id))
    if notice is None:
        raise NotFound("通知不存在")
    return notice


def _copy(actor: Actor, notice_id: int) -> NoticeRecipient | None:
    return db.session.scalar(
        select(NoticeRecipient).where(
            NoticeRecipient.city_id == actor.city_id, NoticeRecipient.notice_id == notice_id,
            NoticeRecipient.user_id == actor.user_id,
        )
    )


@unit_of_work
def open_notice(actor: Actor, notice_id: int) -> tuple[Notice, NoticeRecipient | None]:
    """The notice for a recipient (reading it is recorded once) or for an official over its area (nothing recorded)."""
    READERS.require(actor)
    notice = _notice(actor.city_id, notice_id)
    copy = _copy(actor, notice.id) if RECIPIENTS.held_by(actor) else None
    if copy is not None:
        if copy.read_at is None:
            copy.read_at = now()
        if copy.notification_id is not None:
            note = db.session.get(Notification, copy.notification_id)
            if note is not None and note.read_at is None:
                note.read_at = copy.read_at
        return notice, copy
    if visible_to_sender(actor, notice):
        return notice, None
    if SENDERS.held_by(actor):
        raise Forbidden("您无权查看该通知")
    raise NotFound("通知不存在")


def sender_notice(actor: Actor, notice_id: int) -> Notice:
    SENDERS.require(actor)
    notice = _notice(actor.city_id, notice_id)
    if not visible_to_sender(actor, notice):
        raise Forbidden("您无权查看该通知")
    return notice


def reader_view(notice: Notice, copy: NoticeRecipient | None) -> dict:
    """What a recipient sees: the text, when, from which area; never who else got it or why."""
    region = db.session.get(Region, notice.region_id)
    return {
        "id": notice.id, "title": notice.title, "body": notice.body, "published_at": notice.created_at,
        "area": region.name, "read_at": copy.read_at if copy else None,
    }


def reach(city_id: int, notice_ids: list[int]) -> dict[int, dict]:
    """Recipients, delivered, pushed and read for each notice, in three grouped queries."""
    figures = {i: {"recipients": 0, "delivered": 0, "pushed": 0, "read": 0} for i in notice_ids}
    if not notice_ids:
        return figures
    by_notice = select(NoticeRecipient.notice_id).where(
        NoticeRecipient.city_id == city_id, NoticeRecipient.notice_id.in_(notice_ids)
    )
    for notice_id, total, delivered, read in db.session.execute(
        by_notice.add_columns(func.count(), func.count(NoticeRecipient.notification_id), func.count(NoticeRecipient.read_at))
        .group_by(NoticeRecipient.notice_id)
    ):
        figures[notice_id].update(recipients=total, delivered=delivered, read=read)
    sent = (
        by_notice.add_columns(func.count(DeliveryAttempt.notification_id.distinct()))
        .join(DeliveryAttempt, DeliveryAttempt.notification_id == NoticeRecipient.notification_id)
        .where(DeliveryAttempt.city_id == city_id, DeliveryAttempt.status == "sent")
        .group_by(NoticeRecipient.notice_id)
    )
    for notice_id, pushed in db.session.execute(sent):
        figures[notice_id]["pushed"] = pushed
    return figures


def by_grid(notice: Notice) -> list[dict]:
    """The read share in each grid the notice reached, by grid name."""
    rows = db.session.execute(
        select(Region.id, Region.name, func.count(), func.count(NoticeRecipient.read_at))
        .join(Region, Region.id == NoticeRecipient.grid_id)
        .where(NoticeRecipient.city_id == notice.city_id, Region.city_id == notice.city_id, NoticeRecipient.notice_id == notice.id)
        .group_by(Region.id, Region.name)
        .order_by(Region.name, Region.id)
    )
    return [
        {"grid_id": gid, "grid_name": name, "recipients": total, "read": read, "read_share": round(read / total, 4) if total else 0.0}
        for gid, name, total, read in rows
    ]


def sender_views(notices: list[Notice]) -> list[dict]:
    """What the sender sees of each notice: its audience definition and its reach figures."""
    if not notices:
        return []
    figures = reach(notices[0].city_id, [n.id for n in notices])
    regions = {
        r.id: r.name
        for r in db.session.scalars(
            select(Region).where(Region.city_id == notices[0].city_id, Region.id.in_({n.region_id for n in notices}))
        )
    }
    return [
        {
            "id": n.id, "title": n.title, "body": n.body, "published_at": n.created_at, "delivered_at": n.delivered_at,
            "region_id": n.region_id, "region_name": regions.get(n.region_id, ""),
            "audience": n.audience, "audience_label": AUDIENCES[n.audience],
            "tags": [{"key": key, "label": CATALOGUE[key].label} for key in n.tags.split(",") if key],
            "tag_match": n.tag_match, "tag_match_label": TAG_MATCHES[n.tag_match],
            "recipient_count": n.recipient_count, **figures[n.id],
        }
        for n in notices
    ]
