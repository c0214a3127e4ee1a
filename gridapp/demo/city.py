"""The demo city, modelled on Kangbashi (Ordos) from shared/DOMAIN.md.

Deterministic (a fixed random seed) so screenshots, tests and benchmarks see the same
city every time; idempotent (a second run finds the city and changes nothing) so the
README's start command can run it on every start.
"""
from __future__ import annotations

import random
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from gridapp.authz import Role
from gridapp.clock import now
from gridapp.demo import codes as demo_codes
from gridapp.demo import points as demo_points
from gridapp.demo.timeline import HISTORY_DAYS, moved_clock
from gridapp.extensions import db
from gridapp.models import (
    Cadre,
    Category,
    City,
    Department,
    DepartmentRegion,
    Household,
    HouseholdMember,
    Order,
    Region,
    RegionLevel,
    RoleGrant,
    Shop,
    User,
)
from gridapp.services.accounts.users import grant_role, hash_password, new_user
from gridapp.services.regions.tree import add_region
from gridapp.unit_of_work import unit_of_work

CITY_CODE = "ordos"
CITY_NAME = "鄂尔多斯市"
DEMO_PASSWORD = "gridapp-demo-2026"
RESIDENT_PHONE = "13800000001"

# district → streets → communities; coordinates are the districts' real neighbourhoods.
TREE = {
    ("kbs", "康巴什区", 109.78, 39.60): {
        ("kbs-hbgx", "哈巴格希街道"): [("kbs-hbgx-kc", "康城社区"), ("kbs-hbgx-yg", "阳光社区")],
        ("kbs-qcs", "青春山街道"): [("kbs-qcs-sx", "书香社区"), ("kbs-qcs-qc", "青春社区")],
    },
    ("ds", "东胜区", 109.98, 39.81): {
        ("ds-jt", "交通街道"): [("ds-jt-fz", "纺织社区"), ("ds-jt-jt", "交通社区")],
        ("ds-ly", "林荫街道"): [("ds-ly-ly", "林荫社区"), ("ds-ly-mz", "民族社区")],
    },
}
GRIDS_PER_COMMUNITY = 5
HOUSEHOLDS_PER_GRID = 50
SHOPS_PER_GRID = 5
GRID_SIZE_DEG = 0.004  # about 400 m × 450 m

DEPARTMENTS = [
    ("cgj", "城市管理综合执法局", "city_management"),
    ("zjj", "住房和城乡建设局", "housing"),
    ("scjgj", "市场监督管理局", "market_regulation"),
    ("gaj", "公安分局", "police"),
    ("hbj", "生态环境分局", "environment"),
    ("mzj", "民政局", "civil_affairs"),
    ("rsj", "人力资源和社会保障局", "labour"),
    ("wygs", "康城物业服务有限公司", "property"),
]

# code, name, route, department kind, difficulty, urgent, confirm/onsite/resolve minutes, counted in working time
CATEGORIES = [
    ("garbage", "垃圾乱堆", "grid_worker", None, "simple", False, 1440, 1440, 2 * 1440, False),
    ("parking", "车辆乱停", "department", "city_management", "simple", False, 1440, 1440, 1440, False),
    ("street_vending", "占道经营", "department", "city_management", "ordinary", False, 1440, 1440, 3 * 1440, False),
    ("facility_damage", "设施损坏", "department", "housing", "ordinary", False, 480, 960, 2400, True),
    ("corridor_clutter", "楼道堆物", "grid_worker", None, "simple", False, 1440, 1440, 2 * 1440, False),
    ("noise", "噪音扰民", "department", "environment", "ordinary", False, 1440, 1440, 3 * 1440, False),
    ("unpaid_wages", "欠薪", "department", "labour", "complex", False, 480, 960, 3600, True),
    ("neighbour_dispute", "邻里纠纷", "grid_worker", None, "ordinary", False, 480, 960, 2400, True),
    ("safety_hazard", "安全隐患", "department", "police", "major", True, 5, 30, 60, False),
    ("other", "其他", "grid_worker", None, "ordinary", False, 1440, 1440, 7 * 1440, False),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉鹏飞斌宇浩凯婷雪梅琳晨阳欣怡子涵思源嘉俊"
SHOP_KINDS = [("餐饮", "面馆"), ("餐饮", "烧烤店"), ("零售", "便利店"), ("零售", "水果店"), ("服务", "理发店"), ("服务", "洗衣店"), ("零售", "药店"), ("餐饮", "奶茶店")]
STREET_NAMES = ["康和路", "文化路", "北区路", "迎宾路", "伊金霍洛街", "鄂尔多斯大街", "天骄路", "准格尔路"]


@dataclass
class DemoSummary:
    city_code: str = CITY_CODE
    city_name: str = CITY_NAME
    created: bool = False
    regions: int = 0
    grids: int = 0
    households: int = 0
    members: int = 0
    shops: int = 0
    cadres: int = 0
    departments: int = 0
    categories: int = 0
    codes: int = 0
    codes_issued: int = 0
    orders: int = 0
    resident_phone: str = RESIDENT_PHONE
    staff_logins: list[tuple[str, str, str]] = field(default_factory=list)


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return rng.choice(["139", "138", "150", "151", "186", "187", "133", "177"]) + f"{rng.randrange(10**8):08d}"


def _id_number(rng: random.Random) -> str:
    """A synthetic resident ID with a valid GB 11643 check digit (never a real person's)."""
    body = f"150603{rng.randrange(1950, 2015)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def _square(lng: float, lat: float, size: float) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _counts(city_id: int) -> dict[str, int]:
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model).where(model.city_id == city_id))

    return {
        "regions": count(Region),
        "grids": db.session.scalar(select(func.count()).select_from(Region).where(Region.city_id == city_id, Region.level == "grid")),
        "households": count(Household),
        "members": count(HouseholdMember),
        "shops": count(Shop),
        "cadres": count(Cadre),
        "departments": count(Department),
        "categories": count(Category),
    }


@unit_of_work
def seed_demo_city() -> DemoSummary:
    """The city, its people and codes, set up the day before the demo's history begins (once)."""
    summary = DemoSummary()
    city = db.session.scalar(select(City).where(City.code == CITY_CODE))
    with moved_clock(now() - timedelta(days=HISTORY_DAYS + 1)) if city is None else nullcontext():
        if city is None:
            summary.created = True
            city = City(code=CITY_CODE, name=CITY_NAME)
            db.session.add(city)
            db.session.flush()
            _build(city, summary)
        db.session.flush()
        summary.codes_issued = demo_codes.issue_all(city.id, RESIDENT_PHONE)
        summary.codes = demo_codes.count_codes(city.id)
        demo_points.fund(city.id)
    summary.staff_logins = staff_logins(city.id)
    summary.orders = db.session.scalar(select(func.count()).select_from(Order).where(Order.city_id == city.id))
    for key, value in _counts(city.id).items():
        setattr(summary, key, value)
    return summary


# The headline logins the README and tests name; `flask demo` prints every staff login.
STAFF_LOGINS = [
    ("system_admin", "sysadmin", "鄂尔多斯市（全市）"),
    ("super_admin", "kbs_shuji", "康巴什区 区委书记"),
    ("super_admin", "kbs_quzhang", "康巴什区 区长"),
    ("district_admin", "kbs_admin", "康巴什区"),
    ("street_admin", "hbgx_admin", "哈巴格希街道"),
    ("community_admin", "kc_shuji", "康城社区 书记"),
    ("grid_worker", "kc_grid1", "康城社区 第1网格"),
    ("department_admin", "cgj_admin", "城市管理综合执法局"),
    ("department_staff", "cgj_staff", "城市管理综合执法局"),
    ("hotline_operator", "kbs_12345", "康巴什区 12345 热线"),
]
# The officials over the other street and district offices, and each department's people (code_admin, code_staff, ...).
MORE_OFFICIALS = [
    ("ds_admin", "东胜区网格中心", Role.DISTRICT_ADMIN, "ds"),
    ("qcs_admin", "青春山街道网格站", Role.STREET_ADMIN, "kbs-qcs"),
    ("jt_admin", "交通街道网格站", Role.STREET_ADMIN, "ds-jt"),
    ("ly_admin", "林荫街道网格站", Role.STREET_ADMIN, "ds-ly"),
]
DEPARTMENT_PEOPLE = [("admin", "调度员", Role.DEPARTMENT_ADMIN), ("staff", "执法队员", Role.DEPARTMENT_STAFF), ("staff2", "工作人员", Role.DEPARTMENT_STAFF)]
ROLE_ORDER = [
    Role.SYSTEM_ADMIN, Role.SUPER_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_ADMIN, Role.GRID_WORKER,
    Role.DEPARTMENT_ADMIN, Role.DEPARTMENT_STAFF,
]


def staff_logins(city_id: int) -> list[tuple[str, str, str]]:
    """Every staff login of the city, by rank: (role label, username, where or which department)."""
    rows = db.session.execute(
        select(RoleGrant.role, User.username, Region.name, Department.name, RoleGrant.title)
        .join(User, User.id == RoleGrant.user_id)
        .outerjoin(Region, Region.id == RoleGrant.region_id)
        .outerjoin(Department, Department.id == RoleGrant.department_id)
        .where(RoleGrant.city_id == city_id, User.username.is_not(None))
        .order_by(User.id)
    ).all()
    rank = {role.value: index for index, role in enumerate(ROLE_ORDER)}
    return [
        (Role(role).label, username, " ".join(part for part in (region or department or f"{CITY_NAME}（全市）", title) if part))
        for role, username, region, department, title in sorted(rows, key=lambda row: rank.get(row[0], len(rank)))
    ]


def _build(city: City, summary: DemoSummary) -> None:
    rng = random.Random(2021)
    password_hash = hash_password(DEMO_PASSWORD)
    root = add_region(city.id, None, RegionLevel.CITY, "ordos", CITY_NAME)
    by_code: dict[str, Region] = {"ordos": root}
    communities: list[Region] = []
    grids: list[Region] = []
    for (d_code, d_name, base_lng, base_lat), streets in TREE.items():
        district = by_code[d_code] = add_region(city.id, root, RegionLevel.DISTRICT, d_code, d_name)
        for s_index, ((s_code, s_name), comms) in enumerate(streets.items()):
            street = by_code[s_code] = add_region(city.id, district, RegionLevel.STREET, s_code, s_name)
            for c_index, (c_code, c_name) in enumerate(comms):
                community = by_code[c_code] = add_region(city.id, street, RegionLevel.COMMUNITY, c_code, c_name)
                communities.append(community)
                for g in range(GRIDS_PER_COMMUNITY):
                    lng = base_lng + (s_index * 2 + c_index) * GRID_SIZE_DEG * GRIDS_PER_COMMUNITY + g * GRID_SIZE_DEG
                    grid = add_region(
                        city.id, community, RegionLevel.GRID, f"{c_code}-g{g + 1}", f"{c_name}第{g + 1}网格",
                        boundary=_square(lng, base_lat, GRID_SIZE_DEG),
                    )
                    by_code[grid.code] = grid
                    grids.append(grid)

    departments = []
    for code, name, kind in DEPARTMENTS:
        department = Department(city_id=city.id, code=code, name=name, kind=kind)
        db.session.add(department)
        departments.append(department)
    db.session.flush()
    for department in departments:
        # The property company serves the Kangbashi estates only; the bureaus the whole city.
        served = by_code["kbs"] if department.kind == "property" else root
        db.session.add(DepartmentRegion(city_id=city.id, department_id=department.id, region_id=served.id))

    for code, name, route, kind, difficulty, urgent, confirm, onsite, resolve, working in CATEGORIES:
        db.session.add(
            Category(
                city_id=city.id, code=code, name=name, default_route=route, department_kind=kind,
                difficulty=difficulty, is_urgent=urgent, confirm_minutes=confirm, onsite_minutes=onsite,
                resolve_minutes=resolve, working_time=working,
            )
        )

    def staff(username: str, display_name: str, role: Role, *, region=None, department=None, title=None, phone=None):
        user = new_user(city.id, display_name, username=username, phone=phone)
        user.password_hash = password_hash
        grant_role(user, role, region=region, department=department, title=title)
        return user

    staff("sysadmin", "系统管理员", Role.SYSTEM_ADMIN)
    staff("kbs_shuji", "康巴什区委书记", Role.SUPER_ADMIN, region=by_code["kbs"], title="区委书记")
    staff("kbs_quzhang", "康巴什区区长", Role.SUPER_ADMIN, region=by_code["kbs"], title="区长")
    staff("kbs_admin", "康巴什区网格中心", Role.DISTRICT_ADMIN, region=by_code["kbs"])
    staff("hbgx_admin", "哈巴格希街道网格站", Role.STREET_ADMIN, region=by_code["kbs-hbgx"])
    staff("cgj_admin", "城管局调度员", Role.DEPARTMENT_ADMIN, department=departments[0])
    staff("cgj_staff", "城管执法队员", Role.DEPARTMENT_STAFF, department=departments[0], phone=_phone(rng))
    staff("kbs_12345", "康巴什区12345话务员", Role.HOTLINE_OPERATOR, region=by_code["kbs"], title="12345 热线")

    for community in communities:
        for post in ("党委书记", "居委会主任", "网格专干"):
            name = _name(rng)
            phone = _phone(rng)
            cadre = Cadre(
                city_id=city.id, community_id=community.id, name=name, post=post, phone=phone,
                serves=f"{community.name}党建、民生与网格管理" if post == "党委书记" else f"{community.name}居民服务",
            )
            if post == "党委书记":
                suffix = community.code.rsplit("-", 1)[-1]
                cadre.user = staff(f"{suffix}_shuji", name, Role.COMMUNITY_ADMIN, region=community, title=post, phone=phone)
            db.session.add(cadre)

    for index, grid in enumerate(grids):
        community_suffix = grid.code.split("-")[2]
        number = grid.code.rsplit("g", 1)[-1]
        staff(f"{community_suffix}_grid{number}", _name(rng), Role.GRID_WORKER, region=grid, phone=_phone(rng))
        for h in range(HOUSEHOLDS_PER_GRID):
            building, rest = divmod(h, 12)
            unit, room_index = divmod(rest, 6)
            floor = room_index + 1
            household = Household(
                city_id=city.id, grid_id=grid.id, building=f"{index % 9 + 1 + building}号楼", unit=f"{unit + 1}单元",
                floor=floor, room=f"{floor}0{rng.choice((1, 2))}",
            )
            db.session.add(household)
            surname = rng.choice(SURNAMES)
            for relation in ["户主", "配偶", "子女", "父母"][: rng.choice((1, 2, 3, 3, 4))]:
                db.session.add(
                    HouseholdMember(
                        city_id=city.id, household=household, relation=relation,
                        name=_name(rng, surname if relation in ("户主", "子女") else None),
                        phone=_phone(rng) if relation in ("户主", "配偶") else None, id_number=_id_number(rng),
                    )
                )
        for s in range(SHOPS_PER_GRID):
            category, kind = rng.choice(SHOP_KINDS)
            db.session.add(
                Shop(
                    city_id=city.id, grid_id=grid.id, name=f"{_name(rng)[0]}记{kind}", category=category,
                    address=f"{rng.choice(STREET_NAMES)}{rng.randrange(1, 300)}号", licence_no=f"92150603MA{rng.randrange(10**8):08d}",
                    licence_status=rng.choice(["valid"] * 9 + ["expired"]), owner_name=_name(rng), owner_phone=_phone(rng),
                )
            )

    demo_codes.add_things(city.id, grids, _name, _phone)
    resident = new_user(city.id, "演示居民", phone=RESIDENT_PHONE)
    grant_role(resident, Role.RESIDENT)
    first_household = db.session.scalar(select(Household).where(Household.grid_id == grids[0].id).order_by(Household.id).limit(1))
    if first_household is None:
        db.session.flush()
        first_household = db.session.scalar(select(Household).where(Household.grid_id == grids[0].id).order_by(Household.id).limit(1))
    db.session.add(HouseholdMember(city_id=city.id, household=first_household, user=resident, name="演示居民", relation="租户", phone=RESIDENT_PHONE))

    people = random.Random(2024)  # its own sequence: the people above keep their names
    for username, display_name, role, code in MORE_OFFICIALS:
        staff(username, display_name, role, region=by_code[code])
    for department in departments:
        for suffix, post, role in DEPARTMENT_PEOPLE:
            username = f"{department.code}_{suffix}"
            if department.code == "cgj" and suffix in ("admin", "staff"):
                continue  # made with the first officials above
            staff(username, _name(people), role, department=department, title=post, phone=_phone(people))
