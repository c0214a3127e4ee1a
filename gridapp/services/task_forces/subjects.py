"""What a task force or a review meeting may be about: a kind ("case", "order", ...) and an id, loaded for its region
path (the scope check) and a short label.

Each kind registers one loader here; dispute and petition modules add theirs with one `register` line.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, Dispute, Order, Petition


@dataclass(frozen=True)
class Subject:
    kind: str
    id: int
    region_path: str
    label: str


Loader = Callable[[int, int], Subject | None]
LOADERS: dict[str, Loader] = {}
KIND_LABELS: dict[str, str] = {}


def register(kind: str, label: str, loader: Loader) -> None:
    LOADERS[kind] = loader
    KIND_LABELS[kind] = label


def load(city_id: int, kind: str, subject_id: int) -> Subject:
    """The subject, or 422 for an unknown kind and 404 for an id the city does not have."""
    if kind not in LOADERS:
        raise ValidationFailed("不支持的事项类型", details={"subject_kind": ["unknown"]})
    subject = LOADERS[kind](city_id, subject_id)
    if subject is None:
        raise NotFound(f"{KIND_LABELS[kind]}不存在")
    return subject


def _case(city_id: int, case_id: int) -> Subject | None:
    row = db.session.execute(
        select(Case.region_path, Case.description).where(Case.city_id == city_id, Case.id == case_id)
    ).first()
    return None if row is None else Subject("case", case_id, row.region_path, f"案件 #{case_id} {row.description[:30]}".strip())


def _order(city_id: int, order_id: int) -> Subject | None:
    row = db.session.execute(select(Order.region_path, Order.title).where(Order.city_id == city_id, Order.id == order_id)).first()
    return None if row is None else Subject("order", order_id, row.region_path, f"订单 #{order_id} {row.title}")


def _dispute(city_id: int, dispute_id: int) -> Subject | None:
    row = db.session.execute(
        select(Dispute.region_path).where(Dispute.city_id == city_id, Dispute.id == dispute_id)
    ).first()
    return None if row is None else Subject("dispute", dispute_id, row.region_path, f"纠纷 #{dispute_id}")


def _petition(city_id: int, petition_id: int) -> Subject | None:
    """Labelled by its number only: a petition's title may name the petitioner."""
    row = db.session.execute(
        select(Petition.region_path).where(Petition.city_id == city_id, Petition.id == petition_id)
    ).first()
    return None if row is None else Subject("petition", petition_id, row.region_path, f"信访件 #{petition_id}")


register("case", "案件", _case)
register("order", "订单", _order)
register("dispute", "纠纷", _dispute)
register("petition", "信访件", _petition)
