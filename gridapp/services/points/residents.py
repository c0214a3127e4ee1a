"""Residents' points: earning them for reports, spending them at shops, and the shops'
monthly statements.

Report awards are paid from the city's fund (the government's incentive), so a
community's order budget never blocks a case from moving on. Each award's ledger key
names the case and the round (a reopened case is a new round), so case events may
reach these as often as they like: a resident is paid once per case and round.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from gridapp.authz import OFFICIAL_ROLES, STAFF_ROLES, Actor, Permission, Role, can_see_region
from gridapp.clock import CHINA, asked_month_bounds, now
from gridapp.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Region, Shop, User
from gridapp.models.ledger import LedgerTransaction
from gridapp.models.redemptions import Redemption
from gridapp.privacy import mask_name, mask_phone
from gridapp.services.codes.issuing import live_code
from gridapp.services.notifications.inbox import notify
from gridapp.services.points import ledger, payouts
from gridapp.unit_of_work import unit_of_work

MAX_REDEMPTION = 100_000
# Who may read a shop's statement besides its owner: officials over the shop's grid.
HOLDERS = Permission(
    "points.residents", {Role.RESIDENT}, "residents earn, hold and spend points; shop owners are residents"
)
STATEMENT_OFFICIALS = Permission(
    "points.statement_officials", OFFICIAL_ROLES | {Role.SYSTEM_ADMIN},
    "officials over a shop's grid read its statement",
)
STATEMENT_READERS = Permission(
    "points.statement", HOLDERS | STATEMENT_OFFICIALS, "the shop's owner, or officials over it"
)
# Staff spend their share of paid bounties (their "staff" account) at shops the way residents spend awards.
REDEEMERS = Permission(
    "points.redeem", HOLDERS | STAFF_ROLES, "residents spend their awards, staff their share of bounties, at shops"
)
STAFF_PAYERS = Permission("points.staff_payer", STAFF_ROLES, "staff pay from their own points account")
PAYER_ROLES = {"resident": HOLDERS, "staff": STAFF_PAYERS}


# --------------------------------------------------------------------------- #
# Awards for reports (case-event subscribers)
# --------------------------------------------------------------------------- #


def _award(case, what: str, key: str, amount: int, memo: str) -> LedgerTransaction | None:
    if amount <= 0 or case.reporter_user_id is None or case.abusive:
        return None
    posted = ledger.transfer(
        case.city_id, "award", key, ledger.fund(case.city_id), ledger.resident_account(case.city_id, case.reporter_user_id),
        amount, memo=memo, case_id=case.id,
    )
    return posted.transaction


@unit_of_work
def award_report_accepted(case) -> LedgerTransaction | None:
    """The resident's report was accepted: POINTS_REPORT_ACCEPTED points, once per case."""
    return _award(case, "accepted", f"case:{case.id}:report_accepted", current_app.config["POINTS_REPORT_ACCEPTED"], "您反映的问题已受理")


@unit_of_work
def award_report_closed(case) -> LedgerTransaction | None:
    """The resident's report was closed: POINTS_REPORT_CLOSED points, once per case and round."""
    return _award(
        case, "closed", f"case:{case.id}:report_closed:{case.reopen_count}", current_app.config["POINTS_REPORT_CLOSED"],
        "您反映的问题已办结",
    )


def on_case_event(case, action: str) -> None:
    """The case-event subscriber (services.subscriptions): pays and takes back residents' awards
    inside the case step's unit of work."""
    if action == "accept":
        award_report_accepted(case)
    elif action in ("confirm", "auto_close"):
        award_report_closed(case)
    elif action == "reopen":
        case_reopened(case)


@unit_of_work
def case_reopened(case) -> LedgerTransaction | None:
    """A case reopened within the reversal window (services.points.payouts) loses this round's
    closing award, by a reversing transaction. Returns that transaction, if any."""
    closed = ledger.find(case.city_id, f"case:{case.id}:report_closed:{case.reopen_count}")
    if closed is None or not payouts.reversible(closed.created_at) or ledger.find(case.city_id, f"reverse:{closed.id}") is not None:
        return None
    return ledger.reverse(closed, memo="案件被退回，冲正办结积分").transaction


# --------------------------------------------------------------------------- #
# A resident's own points
# --------------------------------------------------------------------------- #


def my_balance(actor: Actor) -> int:
    HOLDERS.require(actor)
    return ledger.balance_of(actor.city_id, "resident", actor.user_id)


def my_history(actor: Actor):
    """The caller's resident-account entries, newest first."""
    HOLDERS.require(actor)
    return ledger.history(actor.city_id, "resident", actor.user_id)


# --------------------------------------------------------------------------- #
# Redeeming at shops
# --------------------------------------------------------------------------- #


def _shop(city_id: int, shop_id: int) -> Shop:
    shop = db.session.scalar(select(Shop).where(Shop.city_id == city_id, Shop.id == shop_id))
    if shop is None or not shop.is_active:
        raise NotFound("商户不存在", code="shop_not_found")
    return shop


def _require_owner(actor: Actor, shop: Shop) -> None:
    if shop.owner_user_id is None or shop.owner_user_id != actor.user_id:
        raise Forbidden("只有商户本人可以确认积分兑换")


def _check_points(points: int) -> None:
    if not isinstance(points, int) or not 0 < points <= MAX_REDEMPTION:
        raise ValidationFailed(f"兑换积分须在 1 至 {MAX_REDEMPTION} 之间", details={"points": [points]})


def _code(token: str, kind: str, city_id: int):
    code = live_code(token)
    if code.city_id != city_id or code.kind != kind:
        raise ValidationFailed("请扫描商户码" if kind == "shop" else "请扫描居民个人码", code="wrong_code")
    return code


def payer_of(actor: Actor, payer: str | None) -> str:
    """Which of the caller's accounts pays: the one asked for, else the resident account a resident has,
    else the staff account."""
    REDEEMERS.require(actor)
    payer = payer or ("resident" if Role.RESIDENT in actor.roles else "staff")
    if payer not in PAYER_ROLES:
        raise ValidationFailed("付款账户只能是居民积分或工作人员积分", details={"payer": [payer]})
    if not PAYER_ROLES[payer].held_by(actor):
        raise Forbidden("您没有该积分账户", details={"payer": payer})
    return payer


@unit_of_work
def request_redemption(actor: Actor, shop_id: int, points: int, note: str = "", payer: str | None = None) -> Redemption:
    """The resident or staff member (having scanned the shop's code) asks to pay `points`; the shop's owner confirms."""
    payer = payer_of(actor, payer)
    _check_points(points)
    shop = _shop(actor.city_id, shop_id)
    if shop.owner_user_id == actor.user_id:
        raise ValidationFailed("不能在自己的商户兑换积分")
    balance = ledger.balance_of(actor.city_id, payer, actor.user_id)
    if balance < points:
        raise ledger.InsufficientPoints("积分余额不足", details={"balance": balance, "needed": points})
    ttl = timedelta(minutes=current_app.config["POINTS_REDEMPTION_TTL_MINUTES"])
    redemption = Redemption(
        city_id=actor.city_id, shop_id=shop.id, resident_user_id=actor.user_id, points=points, status="pending",
        initiated_by="resident", note=note[:255], expires_at=now() + ttl, payer=payer,
    )
    db.session.add(redemption)
    db.session.flush()
    if shop.owner_user_id:
        who = "居民" if payer == "resident" else "工作人员"
        notify(actor.city_id, [shop.owner_user_id], "redemption_requested", f"{who}申请兑换 {points} 积分", shop.name, ("redemption", redemption.id))
    return redemption


def request_redemption_by_code(actor: Actor, token: str, points: int, note: str = "", payer: str | None = None) -> Redemption:
    return request_redemption(actor, _code(token, "shop", actor.city_id).entity_id, points, note, payer)


@unit_of_work
def confirm_redemption(actor: Actor, redemption_id: int) -> Redemption:
    """The shop confirms: the points move from the resident to the shop, once."""
    redemption = db.session.scalar(select(Redemption).where(Redemption.city_id == actor.city_id, Redemption.id == redemption_id))
    if redemption is None:
        raise NotFound("兑换申请不存在")
    _require_owner(actor, _shop(actor.city_id, redemption.shop_id))
    if redemption.status != "pending":
        raise InvalidTransition("该兑换申请已处理", details={"status": redemption.status})
    if redemption.expires_at <= now():
        raise InvalidTransition("兑换申请已过期，请居民重新扫码", code="redemption_expired")
    _settle(actor, redemption)
    return redemption


def _settle(actor: Actor, redemption: Redemption) -> None:
    claimed = db.session.execute(
        update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == "pending")
        .values(status="confirmed", confirmed_at=now(), confirmed_by_user_id=actor.user_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict("该兑换申请已处理", code="redemption_taken")
    posted = ledger.transfer(
        redemption.city_id, "redemption", f"redemption:{redemption.id}",
        ledger.account(redemption.city_id, redemption.payer, redemption.resident_user_id),
        ledger.shop_account(redemption.city_id, redemption.shop_id),
        redemption.points, memo=f"积分兑换：{redemption.shop.name}", actor_user_id=actor.user_id,
    )
    db.session.refresh(redemption)
    redemption.transaction_id = posted.transaction.id


@unit_of_work
def charge_resident(actor: Actor, shop_id: int, resident_token: str, points: int, note: str = "") -> Redemption:
    """The shop scans the resident's personal code; showing the code is the resident's consent."""
    _check_points(points)
    shop = _shop(actor.city_id, shop_id)
    _require_owner(actor, shop)
    code = _code(resident_token, "resident", actor.city_id)
    if code.entity_id == actor.user_id:
        raise ValidationFailed("不能在自己的商户兑换积分")
    redemption = Redemption(
        city_id=actor.city_id, shop_id=shop.id, resident_user_id=code.entity_id, points=points, status="pending",
        initiated_by="shop", note=note[:255], expires_at=now(), payer="resident",
    )
    db.session.add(redemption)
    db.session.flush()
    _settle(actor, redemption)
    return redemption


# --------------------------------------------------------------------------- #
# Monthly statements
# --------------------------------------------------------------------------- #



def shop_statement(actor: Actor, shop_id: int, month: str) -> dict:
    """A shop's confirmed redemptions in a month, for settlement with the fund."""
    STATEMENT_READERS.require(actor)
    shop = _shop(actor.city_id, shop_id)
    grid = db.session.scalar(select(Region).where(Region.city_id == actor.city_id, Region.id == shop.grid_id))
    if shop.owner_user_id != actor.user_id and not can_see_region(actor, actor.city_id, grid.path, STATEMENT_OFFICIALS):
        raise Forbidden("您无权查看该商户的结算单")
    start, end = asked_month_bounds(month)
    rows = db.session.execute(
        select(Redemption, User)
        .join(User, User.id == Redemption.resident_user_id)
        .where(
            Redemption.city_id == actor.city_id, Redemption.shop_id == shop.id, Redemption.status == "confirmed",
            Redemption.confirmed_at >= start, Redemption.confirmed_at < end,
        )
        .order_by(Redemption.confirmed_at, Redemption.id)
    ).all()
    lines = [
        {
            "redemption_id": r.id,
            "confirmed_at": r.confirmed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            "resident": mask_name(u.display_name),
            "phone": mask_phone(u.phone) if u.phone else "",
            "points": r.points,
            "initiated_by": r.initiated_by,
            "payer": r.payer,
            "transaction_id": r.transaction_id,
        }
        for r, u in rows
    ]
    return {"shop_id": shop.id, "shop_name": shop.name, "month": month, "lines": lines, "total_points": sum(line["points"] for line in lines)}


def statement_csv(statement: dict) -> str:
    """The statement as CSV with a UTF-8 BOM, so spreadsheet programs read the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["商户", statement["shop_name"], "月份", statement["month"]])
    writer.writerow(["兑换编号", "确认时间", "居民", "手机", "积分", "发起方", "记账编号"])
    for line in statement["lines"]:
        writer.writerow([
            line["redemption_id"], line["confirmed_at"], line["resident"], line["phone"], line["points"],
            "居民扫码" if line["initiated_by"] == "resident" else "商户扫码", line["transaction_id"],
        ])
    writer.writerow(["合计", "", "", "", statement["total_points"], "", ""])
    return "\ufeff" + out.getvalue()
