"""What a linked owner sees of their shop: the redemptions waiting for them, and what people rate it.

The owner is whoever the shop record points at (`Shop.owner_user_id`, set by a confirmed link,
services.links.workflow). Confirming a redemption and reading the monthly statement are the points
rules' own (services.points.residents); this module lists what the owner acts on and reads.
Payers and raters are shown masked: the owner needs to recognise a customer, not to keep their data.
"""
from __future__ import annotations

from sqlalchemy import select

from gridapp.authz import Actor
from gridapp.errors import Forbidden
from gridapp.extensions import db
from gridapp.models import Rating, Redemption, Shop, User
from gridapp.privacy import mask_name
from gridapp.services.codes.scan_rules import rating_of
from gridapp.services.links import records
from gridapp.services.links.workflow import HOLDERS


def my_records(actor: Actor) -> list[dict]:
    """The shops, e-bikes and stalls linked to the caller."""
    HOLDERS.require(actor)
    found = []
    for kind in ("shop", "ebike", "stall"):
        spec = records.KINDS[kind]
        pointer = getattr(spec.model, spec.user_attr)
        for record in db.session.scalars(
            select(spec.model).where(spec.model.city_id == actor.city_id, pointer == actor.user_id,
                                     spec.model.is_active.is_(True)).order_by(spec.model.id)
        ):
            item = {"kind": kind, "kind_label": spec.label, "record_id": record.id, "label": records.label(kind, record)}
            if kind == "shop":
                item["rating"] = rating_of(actor.city_id, "shop", record.id)
            found.append(item)
    return found


def _my_shop(actor: Actor, shop_id: int) -> Shop:
    HOLDERS.require(actor)
    shop = db.session.scalar(select(Shop).where(Shop.city_id == actor.city_id, Shop.id == shop_id))
    if shop is None or not shop.is_active or shop.owner_user_id != actor.user_id:
        raise Forbidden("只有已关联的店主可以查看本店信息", code="not_the_owner")
    return shop


def redemptions(actor: Actor, shop_id: int, status: str | None = "pending"):
    """A select of the redemptions at the caller's shop, newest first."""
    shop = _my_shop(actor, shop_id)
    stmt = select(Redemption).where(Redemption.city_id == actor.city_id, Redemption.shop_id == shop.id)
    if status is not None:
        stmt = stmt.where(Redemption.status == status)
    return stmt.order_by(Redemption.id.desc())


def redemption_view(redemption: Redemption) -> dict:
    return {
        "id": redemption.id, "points": redemption.points, "status": redemption.status, "payer": redemption.payer,
        "payer_name": mask_name(redemption.resident.display_name), "note": redemption.note, "created_at": redemption.created_at,
        "expires_at": redemption.expires_at, "confirmed_at": redemption.confirmed_at,
    }


def ratings(actor: Actor, shop_id: int):
    """A select of the ratings of the caller's shop, newest first."""
    shop = _my_shop(actor, shop_id)
    return select(Rating).where(
        Rating.city_id == actor.city_id, Rating.target_type == "shop", Rating.target_id == shop.id
    ).order_by(Rating.id.desc())


def rating_view(rating: Rating) -> dict:
    rater = db.session.get(User, rating.user_id)
    return {"stars": rating.stars, "comment": rating.comment, "at": rating.created_at, "rater": mask_name(rater.display_name)}
