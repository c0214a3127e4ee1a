"""Points in the demo city: every community's budget funded before its history begins, the
orders still open in 康城社区's pool at the end of it for the demo 城管 staff to grab, and
residents spending what they earned at shops. Funding is keyed, so running it again adds nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import Category, Region, RegionLevel, User
from gridapp.services.accounts.users import load_actor
from gridapp.services.orders import workflow as orders
from gridapp.services.points import ledger

COMMUNITY_BUDGET = 5000
OPEN_ORDERS = [
    ("parking", "康城社区南门人行道车辆乱停", "simple", 20, 2),
    ("street_vending", "文化路早市占道经营整治", "ordinary", 35, 3),
    ("facility_damage", "3号楼单元门禁损坏", "ordinary", 45, 5),
]


def _user(city_id: int, username: str) -> User | None:
    return db.session.scalar(select(User).where(User.city_id == city_id, User.username == username))


def fund(city_id: int) -> None:
    """Each community's yearly budget, topped up by the system admin once (the key says so)."""
    sysadmin = _user(city_id, "sysadmin")
    if sysadmin is None:
        return
    admin = load_actor(city_id, sysadmin.id)
    communities = db.session.scalars(
        select(Region).where(Region.city_id == city_id, Region.level == RegionLevel.COMMUNITY.value).order_by(Region.id)
    )
    for community in communities:
        ledger.top_up(
            admin, community.id, COMMUNITY_BUDGET, key=f"demo-budget-{community.code}", memo="演示：年度积分预算"
        )


def post_open_orders(city_id: int) -> None:
    """康城社区's secretary posts a few orders not tied to a report, left open for departments to grab."""
    secretary = _user(city_id, "kc_shuji")
    kangcheng = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.code == "kbs-hbgx-kc"))
    poster = load_actor(city_id, secretary.id)
    for code, title, difficulty, bounty, days in OPEN_ORDERS:
        category = db.session.scalar(select(Category).where(Category.city_id == city_id, Category.code == code))
        orders.post_order(
            poster,
            community_id=kangcheng.id,
            title=title,
            category_id=category.id,
            difficulty=difficulty,
            bounty=bounty,
            deadline=now() + timedelta(days=days),
            description="演示订单",
        )
