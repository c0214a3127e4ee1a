"""Points and orders in the demo city: every community's budget funded, a few open orders
in 康城社区's pool for the demo 城管 staff to grab. Safe to run again: top-ups are keyed,
and orders are posted only while the community has none."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models import Category, Order, Region, RegionLevel, User
from gridapp.services.accounts.users import load_actor
from gridapp.services.orders import workflow as orders
from gridapp.services.points import ledger

COMMUNITY_BUDGET = 5000
DEMO_ORDERS = [
    ("parking", "康城社区南门人行道车辆乱停", "simple", 20, 2),
    ("street_vending", "文化路早市占道经营整治", "ordinary", 35, 3),
    ("facility_damage", "3号楼单元门禁损坏", "ordinary", 45, 5),
]


def seed(city_id: int) -> int:
    """Fund the budgets and post the demo orders; returns how many orders the city has."""
    sysadmin = db.session.scalar(select(User).where(User.city_id == city_id, User.username == "sysadmin"))
    communities = db.session.scalars(select(Region).where(Region.city_id == city_id, Region.level == RegionLevel.COMMUNITY.value).order_by(Region.id)).all()
    if sysadmin is None or not communities:
        return 0
    admin = load_actor(city_id, sysadmin.id)
    for community in communities:
        ledger.top_up(admin, community.id, COMMUNITY_BUDGET, key=f"demo-budget-{community.code}", memo="演示：年度积分预算")
    kangcheng = next((c for c in communities if c.code == "kbs-hbgx-kc"), None)
    secretary = db.session.scalar(select(User).where(User.city_id == city_id, User.username == "kc_shuji"))
    has_orders = db.session.scalar(select(func.count()).select_from(Order).where(Order.city_id == city_id))
    if kangcheng is not None and secretary is not None and not has_orders:
        poster = load_actor(city_id, secretary.id)
        for code, title, difficulty, bounty, days in DEMO_ORDERS:
            category = db.session.scalar(select(Category).where(Category.city_id == city_id, Category.code == code))
            if category is not None:
                orders.post_order(
                    poster, community_id=kangcheng.id, title=title, category_id=category.id, difficulty=difficulty,
                    bounty=bounty, deadline=now() + timedelta(days=days), description="演示订单",
                )
    return db.session.scalar(select(func.count()).select_from(Order).where(Order.city_id == city_id))
