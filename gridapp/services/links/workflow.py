"""Linking an account to a registry record: asked for, vouched for by a person, undone, all audited.

The account's phone is proven by the SMS sign-in; the registry's phone was written down by the
community. Matching phones are necessary but not enough: someone who knows the person vouches.
A resident asks and the grid's worker or the community's admin confirms or refuses; or a linked
household head invites a member by phone and the member, signed in with that phone, accepts.
The linked person or staff over the grid can end a link. Each step is an `AccountLinkEvent`
(who, when, the status before and after, and the record's fields before and after).

    pending ──confirm──▶ confirmed ──unlink──▶ ended
       │ refuse / cancel    ▲
       ▼                    │ accept
    refused / cancelled ◀── invited (decline / cancel)
"""
from __future__ import annotations

import json

from sqlalchemy import or_, select, update

from gridapp.authz import Actor, Permission, Role, covers
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import AccountLink, AccountLinkEvent, Region, User
from gridapp.services import idempotency
from gridapp.services.accounts.login_codes import normalise_phone
from gridapp.services.accounts.users import get_user, users_with_role
from gridapp.services.codes.entities import community_of
from gridapp.services.links import records
from gridapp.services.notifications.inbox import notify
from gridapp.services.regions.tree import get_region, grid_workers, subtree_filter
from gridapp.unit_of_work import unit_of_work

HOLDERS = Permission(
    "links.hold", {Role.RESIDENT}, "residents link their own account to the registry records that carry their phone"
)
REVIEWERS = Permission(
    "links.review", {Role.GRID_WORKER, Role.COMMUNITY_ADMIN},
    "the grid's worker or the community's admin know the people and vouch for a link",
)
READERS = Permission("links.read", HOLDERS | REVIEWERS, "the linked person, or the staff who decide on the link")

HEAD_RELATION = "户主"
CREATING = ("request", "invite")
OPEN_STATUSES = ("pending", "invited", "confirmed")
STATUS_LABELS = {
    "pending": "待确认", "invited": "待接受邀请", "confirmed": "已关联", "refused": "未通过",
    "cancelled": "已撤回", "ended": "已解除",
}
ACTION_LABELS = {
    "request": "申请关联", "invite": "邀请关联", "confirm": "确认关联", "refuse": "不予关联", "accept": "接受邀请",
    "decline": "拒绝邀请", "cancel": "撤回", "unlink": "解除关联", "correct": "更正信息",
}


# --------------------------------------------------------------------------- #
# Audit
# --------------------------------------------------------------------------- #


def audit(city_id: int, kind: str, record_id: int, link: AccountLink | None, actor: Actor, action: str, *,
          to_status: str | None = None, note: str = "", before: dict | None = None, after: dict | None = None) -> None:
    """Append one event; moves the link to `to_status` when given (a request or invitation creates it)."""
    from_status = link.status if link is not None and action not in CREATING else None
    if link is not None and to_status is not None:
        link.status = to_status
    db.session.add(AccountLinkEvent(
        city_id=city_id, kind=kind, record_id=record_id, link_id=link.id if link is not None else None,
        actor_user_id=actor.user_id, action=action, from_status=from_status, to_status=to_status, note=note[:255],
        before=_json(before), after=_json(after),
    ))


def _json(fields: dict | None) -> str | None:
    return None if fields is None else json.dumps(fields, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------- #
# Asking
# --------------------------------------------------------------------------- #


def account_phone(actor: Actor) -> str | None:
    """A resident account's phone: the one its SMS sign-in proved (services.accounts.login_codes)."""
    return get_user(actor.city_id, actor.user_id).phone


def proven_phone(actor: Actor) -> str:
    phone = account_phone(actor)
    if not phone:
        raise ValidationFailed("请先用手机号和短信验证码登录，以证明手机号归您所有", code="phone_unproven")
    return phone


def candidates(actor: Actor) -> list[dict]:
    """The records carrying the caller's phone that they have no open link to: what they may ask for."""
    HOLDERS.require(actor)
    phone = proven_phone(actor)
    mine = {
        (kind, record_id) for kind, record_id in db.session.execute(
            select(AccountLink.kind, AccountLink.record_id).where(
                AccountLink.city_id == actor.city_id, AccountLink.user_id == actor.user_id,
                AccountLink.status.in_(OPEN_STATUSES),
            )
        )
    }
    found = []
    for kind, record in records.with_phone(actor.city_id, phone):
        linked = records.linked_user_id(kind, record)
        if (kind, record.id) in mine or linked == actor.user_id:
            continue
        found.append({
            "kind": kind, "kind_label": records.KINDS[kind].label, "record_id": record.id,
            "label": records.label(kind, record), "available": linked is None,
        })
    return found


def request_link(actor: Actor, kind: str, record_id: int, note: str = "", claim=None):
    """A resident asks to be linked to a record carrying their phone (once per Idempotency-Key)."""
    return idempotency.create(claim, "account_link", lambda: _request(actor, kind, record_id, note), lambda i: _load(actor, i))


def _request(actor: Actor, kind: str, record_id: int, note: str) -> AccountLink:
    HOLDERS.require(actor)
    phone = proven_phone(actor)
    record = records.get_record(actor.city_id, kind, record_id)
    if records.phone_of(kind, record) != phone:
        raise ValidationFailed(
            "登记的手机号与您登录的手机号不一致，请联系网格员更正登记信息", code="phone_mismatch",
            details={"record_id": [record_id]},
        )
    _refuse_if_taken(actor.city_id, kind, record, actor.user_id)
    link = AccountLink(
        city_id=actor.city_id, kind=kind, record_id=record.id, grid_id=records.grid_id_of(kind, record),
        user_id=actor.user_id, phone=phone, status="pending", via="request", requested_by_user_id=actor.user_id,
    )
    db.session.add(link)
    db.session.flush()
    audit(actor.city_id, kind, record.id, link, actor, "request", to_status="pending", note=note)
    notify(
        actor.city_id, _reviewers(actor.city_id, link.grid_id), "link_requested", "居民申请账号关联",
        f"{records.label(kind, record)}：{actor.display_name} 申请关联{records.KINDS[kind].label}", ("link_review", link.id),
    )
    return link


def _refuse_if_taken(city_id: int, kind: str, record, user_id: int) -> None:
    linked = records.linked_user_id(kind, record)
    if linked == user_id:
        raise Conflict("您已关联该记录", code="already_linked")
    if linked is not None:
        raise Conflict("该记录已关联其他账号，如有疑问请联系网格员", code="record_taken")
    waiting = db.session.scalar(
        select(AccountLink.id).where(
            AccountLink.city_id == city_id, AccountLink.kind == kind, AccountLink.record_id == record.id,
            AccountLink.status.in_(("pending", "invited")),
        ).limit(1)
    )
    if waiting is not None:
        raise Conflict("该记录已有待处理的关联申请", code="link_waiting", details={"link_id": waiting})


def invite_member(actor: Actor, member_id: int, phone: str, claim=None):
    """A linked household head invites another member of the household by phone."""
    return idempotency.create(claim, "account_link", lambda: _invite(actor, member_id, phone), lambda i: _load(actor, i))


def _invite(actor: Actor, member_id: int, phone: str) -> AccountLink:
    HOLDERS.require(actor)
    phone = normalise_phone(phone)
    member = records.get_record(actor.city_id, "member", member_id)
    head = next((m for m in member.household.members if m.is_active and m.user_id == actor.user_id), None)
    if head is None or head.relation != HEAD_RELATION:
        raise Forbidden("只有已关联的户主可以邀请家庭成员", code="not_household_head")
    if member.phone and member.phone != phone:
        raise ValidationFailed("该手机号与登记的成员手机号不一致", code="phone_mismatch", details={"phone": ["mismatch"]})
    _refuse_if_taken(actor.city_id, "member", member, actor.user_id)
    link = AccountLink(
        city_id=actor.city_id, kind="member", record_id=member.id, grid_id=member.household.grid_id, phone=phone,
        status="invited", via="invitation", requested_by_user_id=actor.user_id,
    )
    db.session.add(link)
    db.session.flush()
    audit(actor.city_id, "member", member.id, link, actor, "invite", to_status="invited")
    invitee = db.session.scalar(select(User.id).where(User.city_id == actor.city_id, User.phone == phone))
    if invitee is not None:
        notify(actor.city_id, [invitee], "link_invited", "户主邀请您关联家庭", records.label("member", member), ("account_link", link.id))
    return link


# --------------------------------------------------------------------------- #
# Deciding
# --------------------------------------------------------------------------- #


@unit_of_work
def confirm(actor: Actor, link_id: int, note: str = "") -> AccountLink:
    """The grid's worker or the community's admin vouches: the record now points at the account."""
    link = _reviewable(actor, link_id)
    _require_status(link, "pending")
    record = records.get_record(actor.city_id, link.kind, link.record_id)
    if records.phone_of(link.kind, record) != link.phone:
        raise InvalidTransition("登记的手机号已变更，请居民重新申请", code="phone_changed")
    _attach(actor, link, record, "confirm", note)
    notify(actor.city_id, [link.user_id], "link_confirmed", "账号关联已确认", records.label(link.kind, record), ("account_link", link.id))
    return link


@unit_of_work
def refuse(actor: Actor, link_id: int, note: str = "") -> AccountLink:
    link = _reviewable(actor, link_id)
    _require_status(link, "pending")
    _decide(actor, link, "refuse", "refused", note)
    notify(actor.city_id, [link.user_id], "link_refused", "账号关联未通过", note or "如有疑问请联系网格员", ("account_link", link.id))
    return link


@unit_of_work
def accept(actor: Actor, link_id: int) -> AccountLink:
    """The invited member, signed in with the phone the head gave, takes the invitation."""
    HOLDERS.require(actor)
    link = _invitation_for(actor, link_id)
    member = records.get_record(actor.city_id, "member", link.record_id)
    link.user_id = actor.user_id
    if not member.phone:
        audit(actor.city_id, "member", member.id, link, actor, "correct", before={"phone": None}, after={"phone": link.phone})
        member.phone = link.phone
    _attach(actor, link, member, "accept", "")
    notify(actor.city_id, [link.requested_by_user_id], "link_confirmed", "家庭成员已接受邀请", records.label("member", member), ("account_link", link.id))
    return link


@unit_of_work
def decline(actor: Actor, link_id: int) -> AccountLink:
    HOLDERS.require(actor)
    link = _invitation_for(actor, link_id)
    _decide(actor, link, "decline", "refused", "")
    return link


@unit_of_work
def cancel(actor: Actor, link_id: int) -> AccountLink:
    """Whoever asked (the resident, or the head who invited) withdraws before anyone decided."""
    HOLDERS.require(actor)
    link = _link(actor.city_id, link_id)
    if link.requested_by_user_id != actor.user_id:
        raise Forbidden("只能撤回自己提交的申请或邀请")
    _require_status(link, "pending", "invited")
    audit(actor.city_id, link.kind, link.record_id, link, actor, "cancel", to_status="cancelled")
    return link


@unit_of_work
def unlink(actor: Actor, link_id: int, note: str = "") -> AccountLink:
    """The linked person, or staff over the record's grid, ends a link; the record forgets the account."""
    READERS.require(actor)
    link = _link(actor.city_id, link_id)
    if link.user_id != actor.user_id and not _reviews(actor, link):
        raise Forbidden("只有本人或该网格的工作人员可以解除关联")
    _require_status(link, "confirmed")
    _end(actor, link, note)
    if link.user_id != actor.user_id:
        notify(actor.city_id, [link.user_id], "link_ended", "账号关联已被解除", note or "如有疑问请联系网格员", ("account_link", link.id))
    return link


def end_all_for(actor: Actor) -> None:
    """The person's open links end with their account (services.accounts.erasure), each audited."""
    for link in db.session.scalars(
        select(AccountLink).where(
            AccountLink.city_id == actor.city_id, AccountLink.status.in_(OPEN_STATUSES),
            or_(AccountLink.user_id == actor.user_id, AccountLink.requested_by_user_id == actor.user_id),
        )
    ):
        if link.status == "confirmed" and link.user_id == actor.user_id:
            _end(actor, link, "注销账号")
        elif link.status != "confirmed":
            audit(actor.city_id, link.kind, link.record_id, link, actor, "cancel", to_status="cancelled", note="注销账号")


def _end(actor: Actor, link: AccountLink, note: str) -> None:
    record = _record_any_state(link)
    before = {"user_id": records.linked_user_id(link.kind, record)}
    if before["user_id"] == link.user_id:
        records.set_linked_user(link.kind, record, None)
    link.ended_by_user_id, link.ended_at = actor.user_id, now()
    audit(actor.city_id, link.kind, link.record_id, link, actor, "unlink", to_status="ended", note=note,
          before=before, after={"user_id": records.linked_user_id(link.kind, record)})


def _record_any_state(link: AccountLink):
    model = records.kind_of(link.kind).model
    return db.session.scalar(select(model).where(model.city_id == link.city_id, model.id == link.record_id))


def _attach(actor: Actor, link: AccountLink, record, action: str, note: str) -> None:
    """Point the record at the account, unless someone else got there first (one conditional UPDATE)."""
    kind = records.kind_of(link.kind)
    pointer = getattr(kind.model, kind.user_attr)
    claimed = db.session.execute(
        update(kind.model).where(kind.model.id == record.id, pointer.is_(None)).values({kind.user_attr: link.user_id})
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict("该记录已关联其他账号", code="record_taken")
    db.session.expire(record, [kind.user_attr])
    link.decided_by_user_id, link.decided_at = actor.user_id, now()
    audit(actor.city_id, link.kind, link.record_id, link, actor, action, to_status="confirmed", note=note,
          before={"user_id": None}, after={"user_id": link.user_id})


def _decide(actor: Actor, link: AccountLink, action: str, to_status: str, note: str) -> None:
    link.decided_by_user_id, link.decided_at = actor.user_id, now()
    audit(actor.city_id, link.kind, link.record_id, link, actor, action, to_status=to_status, note=note)


def _require_status(link: AccountLink, *statuses: str) -> None:
    if link.status not in statuses:
        raise InvalidTransition(
            f"该关联{STATUS_LABELS[link.status]}，不能再执行此操作", details={"status": link.status}
        )


# --------------------------------------------------------------------------- #
# Who sees which link
# --------------------------------------------------------------------------- #


def _link(city_id: int, link_id: int) -> AccountLink:
    link = db.session.scalar(select(AccountLink).where(AccountLink.city_id == city_id, AccountLink.id == link_id))
    if link is None:
        raise NotFound("关联申请不存在", code="link_not_found")
    return link


def _load(actor: Actor, link_id: int) -> AccountLink:
    return _link(actor.city_id, link_id)


def _grid_path(link: AccountLink) -> str:
    return get_region(link.city_id, link.grid_id).path


def _reviews(actor: Actor, link: AccountLink) -> bool:
    return REVIEWERS.held_by(actor) and covers(actor.region_paths(REVIEWERS), _grid_path(link))


def _reviewable(actor: Actor, link_id: int) -> AccountLink:
    REVIEWERS.require(actor)
    link = _link(actor.city_id, link_id)
    if not _reviews(actor, link):
        raise Forbidden("该记录不在您负责的网格或社区内")
    return link


def _invitation_for(actor: Actor, link_id: int) -> AccountLink:
    link = _link(actor.city_id, link_id)
    if link.via != "invitation" or link.phone != proven_phone(actor):
        raise Forbidden("该邀请不是发给您的")
    _require_status(link, "invited")
    return link


def _reviewers(city_id: int, grid_id: int) -> list[int]:
    grid = get_region(city_id, grid_id)
    community = community_of(grid)
    admins = users_with_role(city_id, Role.COMMUNITY_ADMIN, community.id) if community is not None else []
    return [w.id for w in grid_workers(grid)] + admins


def visible_link(actor: Actor, link_id: int) -> AccountLink:
    """The link if the caller is its person, asked for it, was invited to it, or reviews its grid."""
    READERS.require(actor)
    link = _link(actor.city_id, link_id)
    if actor.user_id in (link.user_id, link.requested_by_user_id) or _reviews(actor, link):
        return link
    if link.status == "invited" and Role.RESIDENT in actor.roles and link.phone == account_phone(actor):
        return link
    raise Forbidden("您无权查看该关联")


def mine(actor: Actor):
    """A select of the caller's links: theirs, the ones they asked for, and invitations to their phone."""
    HOLDERS.require(actor)
    phone = account_phone(actor)
    mine_ = or_(AccountLink.user_id == actor.user_id, AccountLink.requested_by_user_id == actor.user_id)
    if phone:
        mine_ = or_(mine_, (AccountLink.status == "invited") & (AccountLink.phone == phone))
    return select(AccountLink).where(AccountLink.city_id == actor.city_id, mine_).order_by(AccountLink.id.desc())


def review_queue(actor: Actor, status: str | None = "pending"):
    """A select of the links in the grids the caller reviews, oldest first (first asked, first answered)."""
    REVIEWERS.require(actor)
    paths = actor.region_paths(REVIEWERS)
    stmt = (
        select(AccountLink)
        .join(Region, Region.id == AccountLink.grid_id)
        .where(AccountLink.city_id == actor.city_id, or_(*(subtree_filter(p) for p in paths)))
    )
    if status is not None:
        stmt = stmt.where(AccountLink.status == status)
    return stmt.order_by(AccountLink.id)


def events(actor: Actor, link_id: int):
    """A select of the link's events, oldest first."""
    link = visible_link(actor, link_id)
    return select(AccountLinkEvent).where(
        AccountLinkEvent.city_id == actor.city_id, AccountLinkEvent.link_id == link.id
    ).order_by(AccountLinkEvent.id)


def view(actor: Actor, link: AccountLink) -> dict:
    """One link as the caller sees it: the record named as its person would name it, and for staff who
    the account is and what the registry says, to compare before vouching."""
    record = _record_any_state(link)
    grid = get_region(link.city_id, link.grid_id)
    user = db.session.get(User, link.user_id) if link.user_id else None
    data = {
        "id": link.id, "kind": link.kind, "kind_label": records.KINDS[link.kind].label, "record_id": link.record_id,
        "label": records.label(link.kind, record), "grid_name": grid.name, "status": link.status,
        "status_label": STATUS_LABELS[link.status], "via": link.via, "phone": link.phone, "created_at": link.created_at,
        "decided_at": link.decided_at, "ended_at": link.ended_at, "household_id": None,
        "is_mine": link.user_id == actor.user_id, "asked_by_me": link.requested_by_user_id == actor.user_id,
        "account_name": user.display_name if user is not None else None, "registry_name": None,
    }
    if link.kind == "member":
        data["household_id"] = record.household_id
    if _reviews(actor, link):
        data["registry_name"] = getattr(record, records.KINDS[link.kind].name_attr)
    return data


def event_view(event: AccountLinkEvent) -> dict:
    return {
        "id": event.id, "at": event.created_at, "action": event.action, "action_label": ACTION_LABELS[event.action],
        "actor_name": event.actor.display_name, "from_status": event.from_status, "to_status": event.to_status,
        "note": event.note, "before": json.loads(event.before) if event.before else None,
        "after": json.loads(event.after) if event.after else None,
    }
