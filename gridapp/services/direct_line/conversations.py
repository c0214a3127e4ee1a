"""A resident's conversation with one of their grid's staff: its grid worker, police officer or property
staff (services.direct_line.contacts). Either side writes, the other is told (inbox and push); each side
keeps its own unread count. Neither side is ever shown the other's phone number: the staff side sees the
resident's name masked, unless it is the grid's worker, who already sees the household records whole.

The staff member may turn the conversation into a case (services.cases.intake); the resident then follows
it. Conversations idle longer than CONVERSATION_RETENTION_DAYS are deleted with their messages and photos.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from gridapp.authz import STAFF_ROLES, Actor, Permission, Role
from gridapp.clock import now
from gridapp.errors import Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import (
    Case,
    CasePhoto,
    Conversation,
    ConversationMessage,
    ConversationPhoto,
    GridContact,
    Household,
    HouseholdMember,
    Region,
)
from gridapp.privacy import mask_name
from gridapp.services import idempotency, photos
from gridapp.services import uploads as photo_uploads
from gridapp.services.cases import intake
from gridapp.services.codes.issuing import locate_code
from gridapp.services.direct_line.contacts import KIND_LABELS, active_of_grid
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions.tree import get_region, grid_workers
from gridapp.unit_of_work import after_commit, unit_of_work

RESIDENTS = Permission("direct_line.residents", {Role.RESIDENT}, "residents open conversations with their grid's staff")
STAFF = Permission("direct_line.staff", STAFF_ROLES, "a grid's worker, police officer or property staff answer their conversations")
PARTIES = Permission("direct_line.parties", Role, "the two sides of a conversation read and write it")
CONVERTERS = Permission("direct_line.convert", STAFF_ROLES, "the staff side turns a conversation into a case")


def retention_days() -> int:
    return current_app.config["CONVERSATION_RETENTION_DAYS"]


def _household_grids(actor: Actor) -> list[int]:
    return list(dict.fromkeys(db.session.scalars(
        select(Household.grid_id).join(HouseholdMember, HouseholdMember.household_id == Household.id).where(
            HouseholdMember.city_id == actor.city_id, HouseholdMember.user_id == actor.user_id,
            HouseholdMember.is_active.is_(True), Household.is_active.is_(True),
        ).order_by(HouseholdMember.id)
    )))


def resident_grid(actor: Actor, grid_id: int | None = None, code: str | None = None) -> tuple[Region, int | None]:
    """The grid a resident may talk to, and the code it was reached from: a scanned household code's grid,
    or a grid the resident lives in."""
    RESIDENTS.require(actor)
    if code:
        located = locate_code(code)
        if located.city_id != actor.city_id:
            raise NotFound("二维码不存在", code="code_not_found")
        if located.grid_id is None or located.entity_type != "household":
            raise ValidationFailed("该二维码不能发起直联", details={"code": ["no_grid"]})
        return get_region(actor.city_id, located.grid_id), located.code_id
    grids = _household_grids(actor)
    if grid_id is None:
        if not grids:
            raise ValidationFailed("请扫描所在楼栋的户外码或室内码发起直联", details={"grid_id": ["required"]})
        grid_id = grids[0]
    elif grid_id not in grids:
        raise Forbidden("只能联系您所在网格的工作人员")
    return get_region(actor.city_id, grid_id), None


def choices(grid: Region) -> list[dict]:
    """Whom a resident of the grid may talk to: its worker(s), then its police officer and property staff."""
    people = [
        {"kind": "grid_worker", "kind_label": KIND_LABELS["grid_worker"], "contact_id": None, "name": w.display_name}
        for w in grid_workers(grid)[:1]
    ]
    people += [
        {"kind": c.kind, "kind_label": KIND_LABELS[c.kind], "contact_id": c.id, "name": c.display_name}
        for c in active_of_grid(grid)
    ]
    return people


def _staff_for(grid: Region, kind: str, contact_id: int | None) -> tuple[int, str, int | None]:
    """(staff user id, name shown, contact id) for the chosen kind; a contact of another grid is refused."""
    if kind == "grid_worker":
        workers = grid_workers(grid)
        if not workers:
            raise ValidationFailed("该网格暂无网格员", details={"kind": ["no_grid_worker"]})
        return workers[0].id, workers[0].display_name, None
    contact = db.session.scalar(select(GridContact).where(
        GridContact.city_id == grid.city_id, GridContact.id == contact_id, GridContact.grid_id == grid.id,
        GridContact.kind == kind, GridContact.is_active.is_(True),
    )) if contact_id is not None else None
    if contact is None:
        raise ValidationFailed("请选择本网格的联系人", details={"contact_id": ["not_of_grid"]})
    return contact.user_id, contact.display_name, contact.id


def open_conversation(actor: Actor, data: dict, claim: idempotency.IdempotencyClaim | None = None):
    """Start talking (or carry on the open conversation with the same person) with a first message."""
    RESIDENTS.require(actor)
    load = lambda conversation_id: visible(actor, conversation_id)  # noqa: E731
    earlier = idempotency.replay(claim, load)
    if earlier is not None:
        return earlier
    grid, code_id = resident_grid(actor, data.get("grid_id"), data.get("code"))
    staff_user_id, staff_name, contact_id = _staff_for(grid, data["kind"], data.get("contact_id"))
    return idempotency.create(claim, "conversation", lambda: _open(actor, grid, data, staff_user_id, staff_name, contact_id, code_id), load)


@unit_of_work
def _open(actor, grid, data, staff_user_id, staff_name, contact_id, code_id) -> Conversation:
    conversation = db.session.scalar(select(Conversation).where(
        Conversation.city_id == actor.city_id, Conversation.resident_user_id == actor.user_id,
        Conversation.staff_user_id == staff_user_id, Conversation.grid_id == grid.id, Conversation.case_id.is_(None),
    ).with_for_update())
    if conversation is None:
        conversation = Conversation(
            city_id=actor.city_id, grid_id=grid.id, kind=data["kind"], contact_id=contact_id, staff_name=staff_name,
            resident_user_id=actor.user_id, staff_user_id=staff_user_id, code_id=code_id, last_message_at=now(),
            resident_unread=0, staff_unread=0,
        )
        db.session.add(conversation)
        db.session.flush()
    _write(actor, conversation, "resident", data.get("body") or "", data.get("upload_ids") or [])
    return conversation


def _side(actor: Actor, conversation: Conversation) -> str:
    if conversation.resident_user_id == actor.user_id:
        return "resident"
    if conversation.staff_user_id == actor.user_id:
        return "staff"
    raise NotFound("会话不存在")


def visible(actor: Actor, conversation_id: int, *, for_update: bool = False) -> Conversation:
    """One of the actor's own conversations; anyone else's is not found (not even its existence is told)."""
    PARTIES.require(actor)
    stmt = select(Conversation).where(Conversation.city_id == actor.city_id, Conversation.id == conversation_id)
    conversation = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if conversation is None:
        raise NotFound("会话不存在")
    _side(actor, conversation)
    return conversation


def _write(actor: Actor, conversation: Conversation, side: str, body: str, upload_ids: list[int]) -> ConversationMessage:
    if not body.strip() and not upload_ids:
        raise ValidationFailed("请填写内容或添加照片", details={"body": ["required"]})
    message = ConversationMessage(
        city_id=conversation.city_id, conversation_id=conversation.id, sender_user_id=actor.user_id, side=side, body=body.strip()
    )
    db.session.add(message)
    db.session.flush()
    db.session.add_all(
        ConversationPhoto(
            city_id=message.city_id, message_id=message.id, original_key=key, content_type=clean.content_type,
            width=clean.width, height=clean.height, byte_size=clean.byte_size,
        )
        for key, clean in photo_uploads.claim(actor, upload_ids)
    )
    conversation.last_message_at = now()
    if side == "resident":
        conversation.staff_unread += 1
        _tell(conversation, conversation.staff_user_id, f"直联新消息：{resident_name(conversation, conversation.staff_user_id)}")
    else:
        conversation.resident_unread += 1
        _tell(conversation, conversation.resident_user_id, f"{KIND_LABELS[conversation.kind]}{conversation.staff_name}回复了您")
    return message


def _tell(conversation: Conversation, user_id: int, title: str) -> None:
    # The text stays in the conversation: a notification only says there is something to read.
    notify_and_push(conversation.city_id, [user_id], "direct_line", title, "请打开直联查看", ("conversation", conversation.id))


def post(actor: Actor, conversation_id: int, body: str, upload_ids: list[int], claim: idempotency.IdempotencyClaim | None = None):
    """One message from either side; a retry with the same Idempotency-Key gets the first message."""
    visible(actor, conversation_id)
    load = lambda message_id: _message(actor, conversation_id, message_id)  # noqa: E731
    return idempotency.create(claim, "conversation_message", lambda: _post(actor, conversation_id, body, upload_ids), load)


@unit_of_work
def _post(actor: Actor, conversation_id: int, body: str, upload_ids: list[int]) -> ConversationMessage:
    conversation = visible(actor, conversation_id, for_update=True)
    return _write(actor, conversation, _side(actor, conversation), body, upload_ids)


def _message(actor: Actor, conversation_id: int, message_id: int) -> ConversationMessage:
    message = db.session.scalar(messages(actor, conversation_id).where(ConversationMessage.id == message_id))
    if message is None:
        raise NotFound("消息不存在")
    return message


@unit_of_work
def mark_read(actor: Actor, conversation_id: int) -> Conversation:
    conversation = visible(actor, conversation_id, for_update=True)
    if _side(actor, conversation) == "resident":
        conversation.resident_unread = 0
    else:
        conversation.staff_unread = 0
    return conversation


def mine(actor: Actor):
    """A select of the actor's conversations: a resident's newest first, a staff member's unread first."""
    PARTIES.require(actor)
    base = select(Conversation).where(Conversation.city_id == actor.city_id)
    if Role.RESIDENT in actor.roles and not (set(actor.roles) & STAFF_ROLES):
        return base.where(Conversation.resident_user_id == actor.user_id).order_by(
            Conversation.last_message_at.desc(), Conversation.id.desc()
        )
    return base.where(or_(Conversation.staff_user_id == actor.user_id, Conversation.resident_user_id == actor.user_id)).order_by(
        (Conversation.staff_unread > 0).desc(), Conversation.last_message_at.desc(), Conversation.id.desc()
    )


def messages(actor: Actor, conversation_id: int):
    conversation = visible(actor, conversation_id)
    return select(ConversationMessage).where(
        ConversationMessage.city_id == conversation.city_id, ConversationMessage.conversation_id == conversation.id
    ).order_by(ConversationMessage.id)


def resident_name(conversation: Conversation, viewer_user_id: int) -> str:
    """The name on the resident's household record in the grid (an account's own name may be made of its
    phone number's tail), else 本网格居民: whole for the resident and for the grid's own worker, masked for
    everyone else on the staff side."""
    name = db.session.scalar(
        select(HouseholdMember.name).join(Household, Household.id == HouseholdMember.household_id).where(
            HouseholdMember.city_id == conversation.city_id, HouseholdMember.user_id == conversation.resident_user_id,
            HouseholdMember.is_active.is_(True), Household.grid_id == conversation.grid_id,
        ).order_by(HouseholdMember.id).limit(1)
    ) or "本网格居民"
    if viewer_user_id == conversation.resident_user_id or name == "本网格居民":
        return name
    grid = conversation.grid
    worker_ids = {w.id for w in grid_workers(grid)}
    return name if viewer_user_id in worker_ids else mask_name(name)


def view(actor: Actor, conversation: Conversation) -> dict:
    side = _side(actor, conversation)
    return {
        "id": conversation.id, "side": side, "grid": conversation.grid.name, "kind": conversation.kind,
        "kind_label": KIND_LABELS[conversation.kind], "staff_name": conversation.staff_name,
        "resident_name": resident_name(conversation, actor.user_id),
        "unread": conversation.resident_unread if side == "resident" else conversation.staff_unread,
        "case_id": conversation.case_id, "last_message_at": conversation.last_message_at,
        "created_at": conversation.created_at, "retention_days": retention_days(),
    }


def message_view(actor: Actor, conversation: Conversation, message: ConversationMessage) -> dict:
    from gridapp.storage import media_storage

    storage = media_storage()
    sender = conversation.staff_name if message.side == "staff" else resident_name(conversation, actor.user_id)
    return {
        "id": message.id, "side": message.side, "mine": message.sender_user_id == actor.user_id, "sender": sender,
        "body": message.body, "created_at": message.created_at,
        "photos": [storage.url(p.original_key) for p in message.photos],
    }


@unit_of_work
def convert(actor: Actor, conversation_id: int, category_id: int) -> Case:
    """The staff side files the conversation as a patrol-style case, once: a second tap answers the same case."""
    CONVERTERS.require(actor)
    conversation = visible(actor, conversation_id, for_update=True)
    if _side(actor, conversation) != "staff":
        raise Forbidden("只有接待的工作人员可以转为案件")
    if conversation.case_id is not None:
        return db.session.get(Case, conversation.case_id)
    rows = db.session.scalars(select(ConversationMessage).where(
        ConversationMessage.city_id == conversation.city_id, ConversationMessage.conversation_id == conversation.id,
        ConversationMessage.side == "resident",
    ).order_by(ConversationMessage.id)).all()
    text = "\n".join(m.body for m in rows if m.body)
    stored = [(p.original_key, p) for m in rows for p in m.photos]
    case = intake.file_conversation(
        actor, conversation.grid, {"category_id": category_id, "description": text[:2000] or "居民直联反映"}, stored,
        note=f"由直联会话转为案件（{KIND_LABELS[conversation.kind]}{conversation.staff_name}接待）",
        follower_user_id=conversation.resident_user_id,
    )
    conversation.case_id = case.id
    _tell(conversation, conversation.resident_user_id, "您的直联留言已转为案件办理")
    return case


@unit_of_work
def purge_idle(city_id: int) -> int:
    """Delete the city's conversations idle past the retention, with their messages and photos; a photo a case
    took over stays with the case."""
    cutoff = now() - timedelta(days=retention_days())
    ids = list(db.session.scalars(select(Conversation.id).where(
        Conversation.city_id == city_id, Conversation.last_message_at < cutoff
    ).limit(500)))
    if not ids:
        return 0
    message_ids = select(ConversationMessage.id).where(
        ConversationMessage.city_id == city_id, ConversationMessage.conversation_id.in_(ids)
    )
    keys = list(db.session.scalars(select(ConversationPhoto.original_key).where(
        ConversationPhoto.city_id == city_id, ConversationPhoto.message_id.in_(message_ids)
    )))
    kept = set(db.session.scalars(select(CasePhoto.original_key).where(
        CasePhoto.city_id == city_id, CasePhoto.original_key.in_(keys)
    ))) if keys else set()
    db.session.execute(delete(ConversationPhoto).where(
        ConversationPhoto.city_id == city_id, ConversationPhoto.message_id.in_(message_ids)
    ).execution_options(synchronize_session=False))
    db.session.execute(delete(ConversationMessage).where(
        ConversationMessage.city_id == city_id, ConversationMessage.conversation_id.in_(ids)
    ).execution_options(synchronize_session=False))
    db.session.execute(delete(Conversation).where(
        Conversation.city_id == city_id, Conversation.id.in_(ids)
    ).execution_options(synchronize_session=False))
    gone = [k for k in keys if k not in kept]
    after_commit(lambda: photos.discard(gone))
    return len(ids)
