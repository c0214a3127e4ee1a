"""One entity of every code-bearing type in the test city, with their codes."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Cadre, EBike, Household, HouseholdMember, MobileStall, Place, Shop
from gridapp.services.codes.issuing import new_code
from tests.support.factories import account

# Strings that must only ever reach the people allowed to see them.
MEMBER_NAME = "欧阳秘密"
MEMBER_PHONE = "13712345678"
MEMBER_ID = "150603199001011234"
EBIKE_OWNER = "司马车主"
EBIKE_PHONE = "13687654321"
SHOP_OWNER_PHONE = "13511112222"
CADRE_PHONE = "13922223333"
VENDOR_PHONE = "13833334444"
VENDOR_NAME = "赵摊主"


def build_places(city) -> SimpleNamespace:
    """In grid g1 (worker1's): a household with a signed-up member, a shop, an e-bike, a stall,
    a place; a cadre of community c1; each with its active codes."""
    cid = city.city.id
    ns = SimpleNamespace()
    ns.member_user = account(cid, "住户本人", Role.RESIDENT, phone="13700000009")
    ns.owner_user = account(cid, "车主账号", Role.RESIDENT, phone=EBIKE_PHONE)
    ns.household = Household(city_id=cid, grid_id=city.g1.id, building="3号楼", unit="2单元", floor=5, room="502")
    db.session.add(ns.household)
    db.session.flush()
    ns.member = HouseholdMember(
        city_id=cid, household_id=ns.household.id, user_id=ns.member_user.id, name=MEMBER_NAME, relation="户主",
        phone=MEMBER_PHONE, id_number=MEMBER_ID,
    )
    ns.shop = Shop(
        city_id=cid, grid_id=city.g1.id, name="老王面馆", category="餐饮", address="康和路8号", licence_no="92150603MA00000001",
        licence_status="valid", owner_name="王店主", owner_phone=SHOP_OWNER_PHONE,
    )
    ns.cadre = Cadre(city_id=cid, community_id=city.c1.id, name="李书记", post="党委书记", phone=CADRE_PHONE, serves="一社区党建与民生")
    ns.ebike = EBike(
        city_id=cid, grid_id=city.g1.id, plate_no="康A12345", brand="雅迪", color="白色", owner_name=EBIKE_OWNER,
        owner_phone=EBIKE_PHONE, owner_user_id=ns.owner_user.id,
    )
    ns.stall = MobileStall(
        city_id=cid, grid_id=city.g1.id, vendor_name=VENDOR_NAME, vendor_phone=VENDOR_PHONE, goods="水果",
        permitted_area="康和路北侧便民点", open_time="17:00", close_time="21:00",
        valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
    )
    ns.place = Place(city_id=cid, grid_id=city.g1.id, kind="stairwell", name="楼道", building="3号楼")
    db.session.add_all([ns.member, ns.shop, ns.cadre, ns.ebike, ns.stall, ns.place])
    db.session.flush()
    ns.codes = {
        "household_outdoor": new_code(cid, "household", ns.household, "household_outdoor"),
        "household_indoor": new_code(cid, "household", ns.household, "household_indoor"),
        "shop": new_code(cid, "shop", ns.shop, "shop"),
        "cadre": new_code(cid, "cadre", ns.cadre, "cadre"),
        "ebike": new_code(cid, "ebike", ns.ebike, "ebike"),
        "stall": new_code(cid, "stall", ns.stall, "stall"),
        "place": new_code(cid, "place", ns.place, "place"),
        "resident": new_code(cid, "user", ns.member_user, "resident"),
    }
    db.session.flush()
    ns.tokens = {kind: code.token for kind, code in ns.codes.items()}
    db.session.commit()
    return ns
