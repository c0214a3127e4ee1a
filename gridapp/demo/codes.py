"""The demo city's code-bearing things beyond households and shops, and all its codes.

Kept apart from gridapp.demo so the seeder's own random sequence (and so the city
everyone's screenshots show) does not shift: these draw from their own seeded RNG.
"""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import EBike, MobileStall, Place, QrCode, Region, User
from gridapp.services.codes.issuing import BULK_TYPES, active_code, issue_missing, new_code

BRANDS = ["雅迪", "爱玛", "台铃", "新日", "小牛"]
COLORS = ["白色", "黑色", "红色", "蓝色", "灰色"]
GOODS = ["水果", "蔬菜", "早餐", "小吃", "日用百货"]
PLACES = [("stairwell", "楼道"), ("bin_station", "垃圾分类投放点"), ("playground", "儿童游乐场")]


def add_things(city_id: int, grids: list[Region], name, phone) -> None:
    """Two e-bikes, one stall and three shared places per grid."""
    rng = random.Random(2023)
    for index, grid in enumerate(grids):
        for b in range(2):
            db.session.add(EBike(
                city_id=city_id, grid_id=grid.id, plate_no=f"蒙K{index:03d}{b}{rng.randrange(100):02d}",
                brand=rng.choice(BRANDS), color=rng.choice(COLORS), owner_name=name(rng), owner_phone=phone(rng),
            ))
        db.session.add(MobileStall(
            city_id=city_id, grid_id=grid.id, vendor_name=name(rng), vendor_phone=phone(rng), goods=rng.choice(GOODS),
            permitted_area=f"{grid.name}便民疏导点", open_time="17:00", close_time="21:30",
            valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
        ))
        for kind, label in PLACES:
            db.session.add(Place(city_id=city_id, grid_id=grid.id, kind=kind, name=label, building=f"{index % 9 + 1}号楼" if kind == "stairwell" else None))


def issue_all(city_id: int, resident_phone: str) -> int:
    """Codes for everything that lacks one (none on a second run), and the demo resident's own."""
    issued = issue_missing(city_id, None, BULK_TYPES)
    resident = db.session.scalar(select(User).where(User.city_id == city_id, User.phone == resident_phone))
    if resident is not None and any(g.role == Role.RESIDENT.value for g in resident.grants) and active_code(city_id, "user", resident.id, "resident") is None:
        new_code(city_id, "user", resident, "resident")
        issued += 1
    return issued


def count_codes(city_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(QrCode).where(QrCode.city_id == city_id, QrCode.status == "active"))
