"""Column types and mixins shared by every domain table.

Every domain table carries `city_id`: the city is the tenant and the key on which the
data will later be distributed over several PostgreSQL nodes (Citus), so no query may
need a cross-city join. Timestamps are stored as naive UTC and handed back aware, so
SQLite and PostgreSQL behave the same.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, TypeDecorator, event
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from gridapp.clock import now

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use gridapp.clock.now()")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def binary_string(length: int) -> String:
    """A string compared byte-wise, so prefix range scans on materialized paths use the index."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True)


class TenantMixin(IdMixin):
    @declared_attr
    def city_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("cities.id"), nullable=False, index=True)

    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(UTCDateTime, nullable=False, default=now)


def append_only(*models) -> None:
    """Refuse every update and delete of these tables' rows through the ORM: they are history, only added to."""

    def refuse(_mapper, _connection, target):
        raise RuntimeError(f"{type(target).__name__} {target.id} is append-only")

    for model in models:
        event.listen(model, "before_update", refuse)
        event.listen(model, "before_delete", refuse)

