"""Account links: a signed-in person bound to a record of the community's registry.

The registry (household members, shops, e-bikes, mobile stalls) is kept by the community and
carries phone numbers; an account proves its phone by the SMS sign-in. A link joins the two once a
person has vouched for it: the grid worker or community admin confirms a resident's request, or
the household head invites a member who then accepts. The record's own pointer to the account
(`HouseholdMember.user_id`, `Shop.owner_user_id`, ...) is what the rest of the app reads; the link
row says how it came to be, and every step of it is an `AccountLinkEvent` (who, when, before, after).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.extensions import db
from gridapp.models.base import BigId, TenantMixin, UTCDateTime

LINK_KINDS = ("member", "shop", "ebike", "stall")
LINK_STATUSES = ("pending", "invited", "confirmed", "refused", "cancelled", "ended")


def _known(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class AccountLink(TenantMixin, db.Model):
    __tablename__ = "account_links"
    __table_args__ = (
        Index("ix_account_links_city_id_kind_record_id", "city_id", "kind", "record_id"),
        Index("ix_account_links_city_id_status_grid_id", "city_id", "status", "grid_id"),
        CheckConstraint(_known("kind", LINK_KINDS), name="kind_known"),
        CheckConstraint(_known("status", LINK_STATUSES), name="status_known"),
        CheckConstraint("via IN ('request', 'invitation')", name="via_known"),
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # The household member, shop, e-bike or stall (by `kind`).
    record_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # The record's grid: whose grid worker and community admin decide.
    grid_id: Mapped[int] = mapped_column(BigId, ForeignKey("regions.id"), nullable=False)
    # The account being linked; for an invitation not yet accepted, the account holding `phone` when it accepts.
    user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    via: Mapped[str] = mapped_column(String(16), nullable=False)
    requested_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    decided_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_by_user_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id"))
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    events = relationship("AccountLinkEvent", order_by="AccountLinkEvent.id", viewonly=True)


class AccountLinkEvent(TenantMixin, db.Model):
    """One change to a link, or by a linked person to their record (a member correcting their details).

    Named by the record as well as the link: a record linked before links had rows (an import, the
    demo) still has its corrections audited."""

    __tablename__ = "account_link_events"
    __table_args__ = (
        Index("ix_account_link_events_city_id_link_id", "city_id", "link_id"),
        Index("ix_account_link_events_city_id_kind_record_id", "city_id", "kind", "record_id"),
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[int] = mapped_column(BigId, nullable=False)
    link_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("account_links.id"))
    actor_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[Optional[str]] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # JSON of the fields that changed, as they were and as they became.
    before: Mapped[Optional[str]] = mapped_column(Text)
    after: Mapped[Optional[str]] = mapped_column(Text)

    actor = relationship("User")
