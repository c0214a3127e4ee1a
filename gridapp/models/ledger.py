"""The points ledger: double-entry and append-only.

Points are material (residents buy goods with them, shops cash them in), so every
movement is one transaction whose entries sum to zero, nothing is ever edited, and a
mistake is undone by a new transaction that reverses the old one. An account's
`balance` is a cache of the sum of its entries, moved only in the same statement
that writes the entry; the CHECK keeps every account but the fund from going
negative even if a bug slipped past the service, and the unique idempotency key
keeps an award from ever being paid twice.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin

ACCOUNT_KINDS = ("fund", "community", "escrow", "department", "staff", "resident", "shop")
ACCOUNT_KIND_LABELS = {
    "fund": "政府积分基金",
    "community": "社区积分预算",
    "escrow": "订单预留赏金",
    "department": "部门账户",
    "staff": "工作人员账户",
    "resident": "居民积分",
    "shop": "商户账户",
}
# The fund's owner: the city itself; every other kind names the row it belongs to
# (a community region, an order whose bounty it holds, a department, a user, a shop).
FUND_OWNER_ID = 0


class Account(TenantMixin, db.Model):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("city_id", "kind", "owner_id"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in ACCOUNT_KINDS) + ")", name="kind_known"),
        CheckConstraint("balance >= 0 OR kind = 'fund'", name="not_negative"),
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    owner_id: Mapped[int] = mapped_column(BigId, nullable=False)
    balance: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerTransaction(TenantMixin, db.Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        UniqueConstraint("city_id", "idempotency_key"),
        # A transaction is reversed at most once.
        UniqueConstraint("reverses_id"),
        Index("ix_ledger_transactions_city_id_order_id", "city_id", "order_id"),
        Index("ix_ledger_transactions_city_id_case_id", "city_id", "case_id"),
    )
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(128), nullable=False)
    memo: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    reverses_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    # What the movement was for; plain ids so the ledger does not depend on those modules' tables.
    order_id: Mapped[Optional[int]] = mapped_column(BigId)
    case_id: Mapped[Optional[int]] = mapped_column(BigId)
    actor_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))

    entries = relationship("LedgerEntry", back_populates="transaction", order_by="LedgerEntry.id", lazy="selectin")


class LedgerEntry(TenantMixin, db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_city_id_account_id_id", "city_id", "account_id", "id"),
        Index("ix_ledger_entries_transaction_id", "transaction_id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )
    transaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"), nullable=False)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_accounts.id"), nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)

    transaction = relationship("LedgerTransaction", back_populates="entries")
    account = relationship("Account", lazy="joined")


@event.listens_for(LedgerTransaction, "before_update")
@event.listens_for(LedgerTransaction, "before_delete")
@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
def _ledger_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"{type(target).__name__} {target.id} is append-only; post a reversing transaction instead")
