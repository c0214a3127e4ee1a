"""Moving points: the only code that writes ledger rows.

Everything else (orders, resident awards, redemptions) calls `post` with a list of
(account, amount) lines. The rules live here once:
- the lines of one transaction sum to zero, checked before anything is written;
- an idempotency key names every movement, unique in the database, so a retried
  award, a job run twice or two racing requests pay once; the second gets the first
  transaction back;
- balances move in the same transaction as the entries, by a conditional UPDATE
  (`balance + amount >= 0`) that PostgreSQL re-checks after waiting for a concurrent
  writer's row lock and that SQLite runs under its single write lock, so no account
  but the fund can go negative under any interleaving; the table's CHECK is the
  backstop. Rows are updated in account-id order so two transfers never deadlock.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from gridapp.authz import OFFICIAL_ROLES, Actor, Permission, Role, require_region
from gridapp.errors import Conflict, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Region, RegionLevel
from gridapp.models.ledger import FUND_OWNER_ID, Account, LedgerEntry, LedgerTransaction
from gridapp.models.orders import Order
from gridapp.unit_of_work import unit_of_work

MAX_TOP_UP = 10_000_000


class InsufficientPoints(Conflict):
    code = "insufficient_points"


@dataclass(frozen=True)
class Posted:
    transaction: LedgerTransaction
    created: bool  # False: the key had been used, this is the earlier transaction


# --------------------------------------------------------------------------- #
# Accounts
# --------------------------------------------------------------------------- #


def account(city_id: int, kind: str, owner_id: int) -> Account:
    """The account of (kind, owner), opened on first use.

    Two requests may open the same account at once; the unique constraint lets one
    insert win and the other reads it back, inside a savepoint so its own unit of work
    carries on.
    """
    stmt = select(Account).where(Account.city_id == city_id, Account.kind == kind, Account.owner_id == owner_id)
    found = db.session.scalar(stmt)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = Account(city_id=city_id, kind=kind, owner_id=owner_id, balance=0)
            db.session.add(found)
    except IntegrityError:
        found = db.session.scalar(stmt)
        if found is None:
            raise
    return found


def fund(city_id: int) -> Account:
    return account(city_id, "fund", FUND_OWNER_ID)


def community_account(city_id: int, community_id: int) -> Account:
    return account(city_id, "community", community_id)


def escrow_account(city_id: int, order_id: int) -> Account:
    return account(city_id, "escrow", order_id)


def department_account(city_id: int, department_id: int) -> Account:
    return account(city_id, "department", department_id)


def staff_account(city_id: int, user_id: int) -> Account:
    return account(city_id, "staff", user_id)


def resident_account(city_id: int, user_id: int) -> Account:
    return account(city_id, "resident", user_id)


def shop_account(city_id: int, shop_id: int) -> Account:
    return account(city_id, "shop", shop_id)


def balance_of(city_id: int, kind: str, owner_id: int) -> int:
    """0 for an account never opened, without opening it."""
    value = db.session.scalar(
        select(Account.balance).where(Account.city_id == city_id, Account.kind == kind, Account.owner_id == owner_id)
    )
    return int(value or 0)


def _locked_balance(acct: Account) -> int:
    """Current balance with the row locked (FOR UPDATE on PostgreSQL; SQLite already holds its write lock)."""
    return int(
        db.session.execute(
            select(Account.balance).where(Account.id == acct.id).with_for_update()
        ).scalar_one()
    )


# --------------------------------------------------------------------------- #
# Posting
# --------------------------------------------------------------------------- #


def find(city_id: int, key: str) -> LedgerTransaction | None:
    return db.session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.city_id == city_id, LedgerTransaction.idempotency_key == key)
    )


def post(
    city_id: int,
    kind: str,
    key: str,
    lines: Iterable[tuple[Account, int]],
    *,
    memo: str = "",
    order_id: int | None = None,
    case_id: int | None = None,
    actor_user_id: int | None = None,
    reverses_id: int | None = None,
) -> Posted:
    """Write one balanced transaction, once per `key`.

    Raises InsufficientPoints (and writes nothing) when a line would take an account
    other than the fund below zero. Runs inside the caller's unit of work.
    """
    lines = [(acct, amount) for acct, amount in lines if amount != 0]
    for acct, amount in lines:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ValidationFailed("积分必须是整数", details={"amount": [repr(amount)]})
        if acct.city_id != city_id:
            raise ValidationFailed("不能跨城市记账")
    if sum(amount for _acct, amount in lines) != 0:
        raise ValueError(f"transaction {key!r} does not balance: {[(a.id, n) for a, n in lines]}")
    if not key or len(key) > 128:
        raise ValueError("every ledger transaction needs an idempotency key of 1-128 characters")
    earlier = find(city_id, key)
    if earlier is not None:
        return Posted(earlier, False)
    try:
        with db.session.begin_nested():
            txn = LedgerTransaction(
                city_id=city_id, kind=kind, idempotency_key=key, memo=memo[:255], order_id=order_id,
                case_id=case_id, actor_user_id=actor_user_id, reverses_id=reverses_id,
            )
            db.session.add(txn)
            db.session.flush()  # the unique key is claimed here; a racing twin waits, then fails
            deltas: dict[int, int] = defaultdict(int)
            by_id: dict[int, Account] = {}
            for acct, amount in lines:
                db.session.add(LedgerEntry(city_id=city_id, transaction_id=txn.id, account_id=acct.id, amount=amount))
                deltas[acct.id] += amount
                by_id[acct.id] = acct
            db.session.flush()
            for account_id in sorted(deltas):
                _move(by_id[account_id], deltas[account_id])
    except IntegrityError:
        earlier = find(city_id, key)
        if earlier is None:
            raise
        return Posted(earlier, False)
    db.session.refresh(txn)
    return Posted(txn, True)


def _move(acct: Account, delta: int) -> None:
    if delta == 0:
        return
    result = db.session.execute(
        update(Account)
        .where(Account.id == acct.id, or_(Account.kind == "fund", Account.balance + delta >= 0))
        .values(balance=Account.balance + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(acct, ["balance"])
    if result.rowcount != 1:
        raise InsufficientPoints(
            "积分余额不足", details={"account": acct.kind, "owner_id": acct.owner_id, "needed": -delta}
        )


def transfer(city_id: int, kind: str, key: str, source: Account, target: Account, amount: int, **kwargs) -> Posted:
    if amount <= 0:
        raise ValidationFailed("积分数额必须大于 0", details={"amount": [amount]})
    return post(city_id, kind, key, [(source, -amount), (target, amount)], **kwargs)


def reverse(original: LedgerTransaction, *, refund_to: Account | None = None, memo: str = "", actor_user_id: int | None = None) -> Posted:
    """Undo `original` with a new transaction, never by editing it.

    Points already spent cannot be taken back: each account that was credited gives
    back what it still holds, at most what it got, and the sum goes to `refund_to`
    (by default the one account the original debited). The reversal is keyed on the
    original, so it happens once.
    """
    credited = [(e.account, e.amount) for e in original.entries if e.amount > 0]
    debited = [e.account for e in original.entries if e.amount < 0]
    if refund_to is None:
        if len({a.id for a in debited}) != 1:
            raise ValueError("a transaction with several debited accounts needs an explicit refund_to")
        refund_to = debited[0]
    lines: list[tuple[Account, int]] = []
    recovered = 0
    for acct, amount in credited:
        if acct.id == refund_to.id:
            continue
        take = amount if acct.kind == "fund" else min(amount, _locked_balance(acct))
        if take > 0:
            lines.append((acct, -take))
            recovered += take
    if recovered:
        lines.append((refund_to, recovered))
    return post(
        original.city_id, "reversal", f"reverse:{original.id}", lines, memo=memo or f"冲正：{original.memo}"[:255],
        order_id=original.order_id, case_id=original.case_id, actor_user_id=actor_user_id, reverses_id=original.id,
    )


# --------------------------------------------------------------------------- #
# Top-ups and statements
# --------------------------------------------------------------------------- #


TOP_UP_ROLES = Permission(
    "points.top_up", {Role.SYSTEM_ADMIN, Role.DISTRICT_ADMIN}, "the city or a district funds budgets"
)
BUDGET_READERS = Permission(
    "points.budget", OFFICIAL_ROLES | {Role.SUPER_ADMIN, Role.SYSTEM_ADMIN},
    "officials over a community read its budget",
)


@unit_of_work
def top_up(actor: Actor, community_id: int, amount: int, key: str | None = None, memo: str = "") -> LedgerTransaction:
    """The government funds a community's budget: fund → community."""
    TOP_UP_ROLES.require(actor)
    community = _community(actor.city_id, community_id)
    require_region(actor, actor.city_id, community.path, roles=TOP_UP_ROLES)
    if not 0 < amount <= MAX_TOP_UP:
        raise ValidationFailed(f"充值积分须在 1 至 {MAX_TOP_UP} 之间", details={"amount": [amount]})
    idem = f"topup:user:{actor.user_id}:{key}" if key else f"topup:{uuid.uuid4().hex}"
    posted = transfer(
        actor.city_id, "top_up", idem, fund(actor.city_id), community_account(actor.city_id, community.id), amount,
        memo=memo or f"财政拨付 {community.name} 积分预算", actor_user_id=actor.user_id,
    )
    if posted.created is False and (posted.transaction.kind != "top_up" or _amount_to(posted.transaction, "community") != amount):
        raise ValidationFailed("该 Idempotency-Key 已用于内容不同的请求", code="idempotency_key_reused")
    return posted.transaction


def _amount_to(txn: LedgerTransaction, kind: str) -> int:
    return sum(e.amount for e in txn.entries if e.account.kind == kind and e.amount > 0)


def _community(city_id: int, community_id: int) -> Region:
    region = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.id == community_id))
    if region is None or region.level != RegionLevel.COMMUNITY.value:
        raise NotFound("社区不存在")
    return region


def community_budget(actor: Actor, community_id: int) -> dict:
    """What a community holds and what it has promised to open orders."""
    community = _community(actor.city_id, community_id)
    require_region(actor, actor.city_id, community.path, roles=BUDGET_READERS)
    reserved = db.session.scalar(
        select(func.coalesce(func.sum(Account.balance), 0)).where(
            Account.city_id == actor.city_id,
            Account.kind == "escrow",
            Account.owner_id.in_(_order_ids_of_community(actor.city_id, community.id)),
        )
    )
    return {
        "community_id": community.id,
        "community_name": community.name,
        "available": balance_of(actor.city_id, "community", community.id),
        "reserved": int(reserved or 0),
    }


def community_movements(actor: Actor, community_id: int):
    """A select of the community budget's entries, newest first: top-ups, reserves for orders, what returns
    from cancelled or verified orders, reversals."""
    BUDGET_READERS.require(actor)
    community = _community(actor.city_id, community_id)
    require_region(actor, actor.city_id, community.path, roles=BUDGET_READERS)
    return history(actor.city_id, "community", community.id)


def _order_ids_of_community(city_id: int, community_id: int):
    return select(Order.id).where(Order.city_id == city_id, Order.community_id == community_id)


def history(city_id: int, kind: str, owner_id: int):
    """A select of (entry) rows of one account, newest first, for pagination."""
    acct_id = select(Account.id).where(Account.city_id == city_id, Account.kind == kind, Account.owner_id == owner_id)
    return (
        select(LedgerEntry)
        .where(LedgerEntry.city_id == city_id, LedgerEntry.account_id.in_(acct_id.scalar_subquery()))
        .order_by(LedgerEntry.id.desc())
    )


def audit(city_id: int) -> dict:
    """Prove the books: every transaction balances, every cached balance is the sum of its entries,
    no account but the fund is negative. Returns the discrepancies (empty when all is well)."""
    unbalanced = list(
        db.session.scalars(
            select(LedgerEntry.transaction_id)
            .where(LedgerEntry.city_id == city_id)
            .group_by(LedgerEntry.transaction_id)
            .having(func.sum(LedgerEntry.amount) != 0)
        )
    )
    sums = dict(
        db.session.execute(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.city_id == city_id)
            .group_by(LedgerEntry.account_id)
        ).all()
    )
    drift = []
    negative = []
    total = 0
    for acct in db.session.scalars(select(Account).where(Account.city_id == city_id)):
        total += acct.balance
        if acct.balance != int(sums.get(acct.id, 0)):
            drift.append({"account_id": acct.id, "balance": acct.balance, "entries": int(sums.get(acct.id, 0))})
        if acct.balance < 0 and acct.kind != "fund":
            negative.append(acct.id)
    return {"unbalanced_transactions": unbalanced, "balance_drift": drift, "negative_accounts": negative, "total": total}
