"""A resident deletes their account (PIPL: the right to deletion).

What the city must keep stays, without the person: their reports remain as cases (someone acted on
them, and the figures count them) but become anonymous with no contact; ledger postings keep their
account row, which no longer names anyone. What was only theirs goes: the phone, WeChat openid and
name on the account, their notifications, the messages they sent through codes, their login codes,
their case follows, their personal code, and the links from household, shop, e-bike and stall records
to the account (those records are the community's registry and stay with it; each open link ends,
audited). Every session ends.
Staff accounts carry duties and records of office, so their admins close them instead.
"""
from __future__ import annotations

from sqlalchemy import delete, select, update

from gridapp.authz import Actor, Permission, Role
from gridapp.errors import Forbidden
from gridapp.extensions import db
from gridapp.models import (
    Case,
    CaseFollower,
    ContactRequest,
    DeliveryAttempt,
    EBike,
    HouseholdMember,
    MobileStall,
    NoticeRecipient,
    Notification,
    OtpChallenge,
    Shop,
    User,
)
from gridapp.services.accounts.revocations import revoke_all
from gridapp.services.codes.issuing import revoke_entity_codes
from gridapp.services.links import workflow as links
from gridapp.unit_of_work import unit_of_work

SELF_DELETION = Permission(
    "accounts.delete_self", {Role.RESIDENT},
    "residents delete their own account; staff accounts are closed by their admins",
)
DELETED_NAME = "已注销用户"


@unit_of_work
def delete_my_account(actor: Actor) -> None:
    SELF_DELETION.require(actor)
    if actor.roles != {Role.RESIDENT}:
        raise Forbidden("工作人员账号请联系管理员注销", code="staff_account")
    city_id, user_id = actor.city_id, actor.user_id
    user = db.session.scalar(select(User).where(User.city_id == city_id, User.id == user_id))
    db.session.execute(
        update(Case)
        .where(Case.city_id == city_id, Case.reporter_user_id == user_id)
        .values(anonymous=True, contact_name=None, contact_phone=None)
    )
    received = select(Notification.id).where(Notification.city_id == city_id, Notification.user_id == user_id)
    db.session.execute(
        update(ContactRequest).where(ContactRequest.city_id == city_id, ContactRequest.notification_id.in_(received))
        .values(notification_id=None, sms_due_at=None)
    )
    db.session.execute(
        delete(DeliveryAttempt).where(DeliveryAttempt.city_id == city_id, DeliveryAttempt.notification_id.in_(received))
    )
    # a notice's copy says which group (tags) the person was in: it goes with them
    for model in (CaseFollower, NoticeRecipient, Notification, ContactRequest):
        db.session.execute(delete(model).where(model.city_id == city_id, model.user_id == user_id))
    if user.phone:
        codes = delete(OtpChallenge).where(OtpChallenge.city_id == city_id, OtpChallenge.phone == user.phone)
        db.session.execute(codes)
    links.end_all_for(actor)
    db.session.execute(
        update(HouseholdMember)
        .where(HouseholdMember.city_id == city_id, HouseholdMember.user_id == user_id)
        .values(user_id=None)
    )
    for model in (Shop, EBike):
        db.session.execute(
            update(model).where(model.city_id == city_id, model.owner_user_id == user_id).values(owner_user_id=None)
        )
    db.session.execute(
        update(MobileStall).where(MobileStall.city_id == city_id, MobileStall.vendor_user_id == user_id).values(vendor_user_id=None)
    )
    revoke_entity_codes(city_id, "user", user_id)
    user.display_name = DELETED_NAME
    user.username = user.phone = user.wechat_openid = user.password_hash = None
    user.is_active = False
    user.grants.clear()
    revoke_all(city_id, user_id)
