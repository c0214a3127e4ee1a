"""The demo city's six weeks of reports, lived through the real services on the demo's clock.

Residents report with photos (by a code's token or their phone's position), grid workers
patrol, communities enter 12345 calls; grid workers accept and fix, or hand a case up and
the community posts an order for it that a department grabs, does and is paid for (2:8,
through the ledger); communities verify; residents confirm and rate, or send it back. The
scheduler's sweeps run every hour of the history, so late cases turn yellow and red
and climb the tree, unanswered whistles are marked late and silent cases close themselves.
Leaders nudge and write instructions on overdue cases each working morning.

Every case decides its story up front from its own seeded random sequence, so the city is
the same on every run. Only what was due before now happens: the last days' cases are left
where they are, waiting for someone, as in a real city.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from gridapp.authz import Actor, Role
from gridapp.clock import CHINA, now
from gridapp.demo import points as demo_points
from gridapp.demo.links import Links
from gridapp.demo.timeline import HISTORY_DAYS, Timeline, in_day, moved_clock, photos, staff_moment
from gridapp.extensions import db
from gridapp.models import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseRating,
    Category,
    City,
    Department,
    DepartmentRegion,
    Escalation,
    HouseholdMember,
    Instruction,
    Nudge,
    Order,
    QrCode,
    Redemption,
    Region,
    RoleGrant,
    Shop,
    User,
    Whistle,
    WhistleTarget,
)
from gridapp.services.accounts.users import grant_role, load_actor, new_user
from gridapp.services.cases import intake
from gridapp.services.cases import workflow as case_service
from gridapp.services.orders import workflow as orders
from gridapp.services.supervision import oversight
from gridapp.unit_of_work import unit_of_work

DEMO_CASES = 300
RESIDENTS_PER_GRID = 4
SWEEP_EVERY = timedelta(hours=1)
LEADERS = ("kbs_shuji", "kbs_quzhang")
# An order for a case in a grid worker's category goes to the kind of department that does such work.
ORDER_KINDS = {
    "garbage": "property",
    "corridor_clutter": "property",
    "neighbour_dispute": "civil_affairs",
    "other": "market_regulation",
}
BOUNTIES = {"simple": 20, "ordinary": 40, "complex": 80, "major": 120}
STARS = ([5, 4, 3, 2, 1], [58, 22, 9, 6, 5])

SAID = {
    "garbage": ["楼下垃圾堆了好几天没人清运，气味很大", "绿化带里有人倾倒建筑垃圾", "垃圾桶满了溢出来了"],
    "parking": ["电动车和私家车堵住了消防通道", "人行道上停满了车，行人只能走机动车道", "车辆长期占用盲道"],
    "street_vending": ["早市摊贩占了整条人行道", "烧烤摊晚上占道经营，油烟很大", "流动摊点堵在小区门口"],
    "facility_damage": ["单元门禁坏了，谁都能进", "路灯不亮，晚上很黑", "楼道扶手松动，老人上下楼危险"],
    "corridor_clutter": ["楼道里堆满纸箱和旧家具", "有人在楼道给电动车充电", "消防栓前堆了杂物"],
    "noise": ["夜里装修噪音扰民", "广场舞音响太大", "楼下商铺音响外放很吵"],
    "unpaid_wages": ["工地拖欠农民工工资三个月", "装修公司欠薪不还", "餐馆老板拖欠服务员工资"],
    "neighbour_dispute": ["楼上漏水，邻居不肯维修", "邻居长期占用公共走廊", "邻里因停车位发生争执"],
    "safety_hazard": ["燃气管道有异味，疑似泄漏", "广告牌松动，随时可能掉落", "电线裸露垂到地面"],
    "other": ["小区健身器材需要维护", "公告栏信息过期未更新", "井盖缺失，需要尽快处理"],
}
DONE = {
    "simple": ["已清理完毕，现场已恢复", "已劝离并清理现场"],
    "ordinary": ["已到现场处置完毕", "已协调相关方整改到位"],
    "complex": ["经多次协调已处理完毕", "已督促责任方整改，并建立回访机制"],
    "major": ["已排除隐患，现场安全", "已封控现场并完成抢修"],
}
REOPEN_NOTES = ["问题还在，没有处理好", "只处理了一半", "过了两天又恢复原样了"]


@dataclass(frozen=True)
class Kind:
    """What the history needs of a category, read once: ORM rows would expire at every commit and reload."""

    id: int
    code: str
    difficulty: str
    is_urgent: bool
    working_time: bool
    default_route: str
    department_kind: str | None
    confirm_minutes: int
    onsite_minutes: int
    resolve_minutes: int


@dataclass(frozen=True)
class Grid:
    id: int
    community_id: int
    path: str
    box: tuple[float, float, float, float]  # min lng, min lat, max lng, max lat


@dataclass(frozen=True)
class Unit:
    """A department, with the region paths it serves."""

    id: int
    name: str
    paths: tuple[str, ...]


@dataclass
class Cast:
    """Who plays which part, as Actors loaded once (their grants do not change during the history)."""

    city_id: int
    grids: list[Grid]
    categories: list[Kind]
    workers: dict[int, Actor]  # grid id → its grid worker
    secretaries: dict[int, Actor]  # community id → its admin
    residents: dict[int, list[Actor]]  # grid id → residents living there
    department_staff: dict[int, list[Actor]]  # department id → the people who grab and do
    departments: dict[str, list[Unit]]  # kind → its departments
    codes: dict[int, list[str]]  # grid id → tokens of codes posted there
    leaders: list[Actor]
    timeline: Timeline
    # residents to link: (resident, member id, grid id)
    homes: list[tuple[Actor, int, int]] = field(default_factory=list)


def seed_demo_cases(city_id: int, count: int = DEMO_CASES) -> int:
    """Live the demo's history once; returns how many reports it made (0 when the city already has cases)."""
    if db.session.scalar(select(func.count(Case.id)).where(Case.city_id == city_id)):
        return 0
    end = now()
    city_created = db.session.scalar(select(City.created_at).where(City.id == city_id))
    start = max(city_created, end - timedelta(days=HISTORY_DAYS))
    with moved_clock(start) as frozen:
        timeline = Timeline(frozen)
        cast = _cast(city_id, timeline)
        Links(cast, start, end)
        _plan(cast, start, end, count)
        timeline.run(end - timedelta(hours=2))
        demo_points.post_open_orders(city_id)
        timeline.run(end)
    return count


# --------------------------------------------------------------------------- #
# The cast
# --------------------------------------------------------------------------- #


def _actors(city_id: int, role: Role, key) -> dict:
    grants = db.session.scalars(
        select(RoleGrant).where(RoleGrant.city_id == city_id, RoleGrant.role == role.value).order_by(RoleGrant.user_id)
    )
    found: dict = {}
    for grant in grants:
        found.setdefault(key(grant), load_actor(city_id, grant.user_id))
    return found


def _cast(city_id: int, timeline: Timeline) -> Cast:
    regions = db.session.scalars(
        select(Region).where(Region.city_id == city_id, Region.level == "grid").order_by(Region.code)
    )
    grids = [Grid(g.id, g.parent_id, g.path, (g.min_lng, g.min_lat, g.max_lng, g.max_lat)) for g in regions]
    categories = [
        Kind(
            c.id,
            c.code,
            c.difficulty,
            c.is_urgent,
            c.working_time,
            c.default_route,
            c.department_kind,
            c.confirm_minutes,
            c.onsite_minutes,
            c.resolve_minutes,
        )
        for c in db.session.scalars(
            select(Category).where(Category.city_id == city_id, Category.is_active.is_(True)).order_by(Category.code)
        )
    ]
    departments: dict[str, list[Unit]] = {}
    for department in db.session.scalars(
        select(Department).where(Department.city_id == city_id).order_by(Department.code)
    ):
        paths = db.session.scalars(
            select(Region.path)
            .join(DepartmentRegion, DepartmentRegion.region_id == Region.id)
            .where(DepartmentRegion.department_id == department.id)
        )
        departments.setdefault(department.kind, []).append(Unit(department.id, department.name, tuple(paths)))
    staff: dict[int, list[Actor]] = {}
    for grant in db.session.scalars(
        select(RoleGrant)
        .where(RoleGrant.city_id == city_id, RoleGrant.role == Role.DEPARTMENT_STAFF.value)
        .order_by(RoleGrant.user_id)
    ):
        staff.setdefault(grant.department_id, []).append(load_actor(city_id, grant.user_id))
    codes: dict[int, list[str]] = {}
    for region_id, token in db.session.execute(
        select(QrCode.region_id, QrCode.token)
        .where(
            QrCode.city_id == city_id,
            QrCode.status == "active",
            QrCode.kind.in_(("place", "household_outdoor", "shop")),
        )
        .order_by(QrCode.id)
    ):
        codes.setdefault(region_id, []).append(token)
    leaders = [
        load_actor(city_id, user_id)
        for user_id in db.session.scalars(
            select(User.id).where(User.city_id == city_id, User.username.in_(LEADERS)).order_by(User.id)
        )
    ]
    cast = Cast(
        city_id=city_id,
        grids=grids,
        categories=categories,
        workers=_actors(city_id, Role.GRID_WORKER, lambda g: g.region_id),
        secretaries=_actors(city_id, Role.COMMUNITY_ADMIN, lambda g: g.region_id),
        residents={},
        department_staff=staff,
        departments=departments,
        codes=codes,
        leaders=leaders,
        timeline=timeline,
    )
    for user_id, grid_id, member_id in _enrol_residents(city_id, [g.id for g in grids]):
        person = load_actor(city_id, user_id)
        cast.residents.setdefault(grid_id, []).append(person)
        if member_id is not None:
            cast.homes.append((person, member_id, grid_id))
    return cast


@unit_of_work
def _enrol_residents(city_id: int, grid_ids: list[int]) -> list[tuple[int, int, int | None]]:
    """Heads of a few households in each grid sign up with their phone, so reports come from many
    people who live where they report: (user id, grid id, their member record, None for the demo
    resident, whose record names them already)."""
    taken = set(db.session.scalars(select(User.phone).where(User.city_id == city_id, User.phone.is_not(None))))
    demo_resident = db.session.scalar(
        select(HouseholdMember)
        .where(HouseholdMember.city_id == city_id, HouseholdMember.user_id.is_not(None))
        .order_by(HouseholdMember.id)
    )
    enrolled = [(demo_resident.user_id, demo_resident.household.grid_id, None)] if demo_resident else []
    for grid_id in grid_ids:
        heads = db.session.scalars(
            select(HouseholdMember)
            .join(HouseholdMember.household)
            .where(
                HouseholdMember.city_id == city_id,
                HouseholdMember.relation == "户主",
                HouseholdMember.phone.is_not(None),
            )
            .where(HouseholdMember.household.has(grid_id=grid_id))
            .order_by(HouseholdMember.id)
        )
        chosen = 0
        for head in heads:
            if chosen == RESIDENTS_PER_GRID:
                break
            if head.phone in taken:
                continue
            taken.add(head.phone)
            user = new_user(city_id, head.name, phone=head.phone)
            grant_role(user, Role.RESIDENT)
            db.session.flush()
            enrolled.append((user.id, grid_id, head.id))
            chosen += 1
    return enrolled


# --------------------------------------------------------------------------- #
# Planning the history
# --------------------------------------------------------------------------- #


def _plan(cast: Cast, start: datetime, end: datetime, count: int) -> None:
    rng = random.Random(6)
    busy = cast.grids[: max(1, len(cast.grids) * 3 // 4)]  # some grids are busier than others
    span = (end - timedelta(hours=3) - start).total_seconds()
    for index in range(count):
        grid = rng.choice(busy if index % 3 else cast.grids)
        life = Life(cast, index, grid, rng.choice(cast.categories))
        moment = end
        while moment >= end - timedelta(hours=2):
            moment = in_day(start + timedelta(seconds=rng.uniform(3600, span)), rng)
            if life.channel != "resident":  # staff enter patrols and calls in their own time
                moment = staff_moment(moment, 0, life.category.working_time, rng)
        cast.timeline.at(moment, life.report)
    moment = start + SWEEP_EVERY
    while moment < end:
        cast.timeline.at(moment, _sweeps, cast.city_id)
        moment += SWEEP_EVERY
    day = start.astimezone(CHINA).date() + timedelta(days=1)
    while day <= end.astimezone(CHINA).date():
        cast.timeline.at(datetime.combine(day, time(2, 0), CHINA), case_service.auto_close, cast.city_id)
        if day.weekday() < 5:
            cast.timeline.at(
                datetime.combine(day, time(9, 20), CHINA), _leaders_round, cast, random.Random(day.toordinal())
            )
        day += timedelta(days=1)


def _sweeps(city_id: int) -> None:
    """What the scheduler does every minute in production, every hour here."""
    oversight.sweep_sla(city_id)
    orders.sweep_lapses(city_id)
    orders.sweep_deadlines(city_id)
    oversight.sweep_whistles(city_id)


def _leaders_round(cast: Cast, rng: random.Random) -> None:
    """Each working morning the district's leaders look at the overdue list: a nudge or two, and
    now and then an instruction on the most escalated case."""
    nudger, instructor = cast.leaders[0], cast.leaders[-1]
    late = list(db.session.scalars(oversight.overdue(nudger).limit(20)))
    if not late:
        return
    for case in rng.sample(late, min(len(late), rng.choice((1, 1, 2)))):
        oversight.nudge(nudger, case.id, rng.choice(["请尽快处理", "群众很着急，请抓紧", ""]))
    if rng.random() < 0.4:
        oversight.instruct(
            instructor,
            late[0].id,
            rng.choice(["请街道牵头督办，本周内办结", "请相关部门联合处置，及时反馈", "请社区做好解释工作，尽快解决"]),
        )


# --------------------------------------------------------------------------- #
# One case's life
# --------------------------------------------------------------------------- #


class Life:
    """One report from intake to wherever now finds it; each step plans the next."""

    def __init__(self, cast: Cast, index: int, grid: Grid, category: Kind):
        self.cast, self.grid, self.category = cast, grid, category
        self.rng = random.Random(f"demo-case-{index}")
        self.index = index
        self.case_id: int | None = None
        self.order_id: int | None = None
        self.holder: Actor | None = None
        self.reporter: Actor | None = None
        self.worker = cast.workers[grid.id]
        self.secretary = cast.secretaries[grid.community_id]
        rng = self.rng
        self.channel = rng.choices(["resident", "patrol", "hotline"], [75, 15, 10])[0]
        department_route = category.default_route == "department"
        self.ordered = rng.random() < (0.8 if department_route else 0.1)
        self.kind = category.department_kind if department_route else ORDER_KINDS.get(category.code)
        if self.ordered and not self._department():
            self.ordered = False  # no department of that kind serves here (the property company is Kangbashi's)
        self.rejected = self.channel != "patrol" and rng.random() < 0.05
        self.reaction = rng.choices(["rate", "confirm", "reopen", "silent"], [70, 10, 9, 11])[0]
        self.order_fate = rng.choices(["grab", "lapse", "escalate"], [84, 7, 9])[0]
        self.whistled = self.ordered and rng.random() < 0.15
        self.pace = rng.choices([0.05, 0.2, 0.45, 0.7, 1.3, 2.2], [20, 28, 24, 16, 8, 4])[0]  # share of each SLA taken

    # -- helpers --------------------------------------------------------------

    def later(self, minutes: float, step, *, office: bool = False) -> None:
        """Plan a staff step `minutes` of staff time from now (urgent categories: right away, day or night)."""
        if self.category.is_urgent:
            when = now() + timedelta(minutes=minutes)
        else:
            when = staff_moment(now(), minutes, office or self.category.working_time, self.rng)
        self.cast.timeline.at(when, step)

    def resident_later(self, minutes: float, step) -> None:
        self.cast.timeline.at(in_day(now() + timedelta(minutes=minutes), self.rng), step)

    def minutes(self, low: float, high: float) -> float:
        """A while for a step no SLA times (handing up, posting, grabbing); urgent cases move in minutes."""
        return self.rng.uniform(low, high) * (0.05 if self.category.is_urgent else 1)

    def sla_minutes(self, which: str, share: float = 1.0) -> float:
        """This case's pace times `share` of the category's limit (on-site and resolving share the resolve limit)."""
        return getattr(self.category, f"{which}_minutes") * self.pace * share * self.rng.uniform(0.8, 1.2)

    def spot(self) -> tuple[float, float]:
        west, south, east, north = self.grid.box
        return self.rng.uniform(west + 0.0003, east - 0.0003), self.rng.uniform(south + 0.0003, north - 0.0003)

    def photos(self, what: str) -> list:
        return photos(self.rng, f"{what}-{self.index + 1}", self.rng.choice((1, 1, 1, 2)))

    def _department(self) -> tuple[Unit, list[Actor]] | None:
        for department in self.cast.departments.get(self.kind, []):
            if any(self.grid.path.startswith(p) for p in department.paths):
                return department, self.cast.department_staff[department.id]
        return None

    # -- intake ---------------------------------------------------------------

    def report(self) -> None:
        rng, cast = self.rng, self.cast
        data = {"category_id": self.category.id, "description": rng.choice(SAID[self.category.code])}
        if self.channel == "resident":
            self.reporter = rng.choice(cast.residents[self.grid.id])
            tokens = cast.codes.get(self.grid.id)
            if tokens and rng.random() < 0.5:
                data["code"] = rng.choice(tokens)
            else:
                data["lng"], data["lat"] = self.spot()
            case = intake.submit_report(self.reporter, data, self.photos("report"))
        elif self.channel == "patrol":
            data["lng"], data["lat"] = self.spot()
            case = intake.submit_patrol(self.worker, data, self.photos("patrol"))
        else:
            data.update(
                grid_id=self.grid.id, contact_name="来电群众", contact_phone=f"1390477{rng.randrange(10**4):04d}"
            )
            case = intake.submit_hotline(self.secretary, data, [])
        self.case_id = case.id
        if self.channel == "patrol":  # accepted and assigned to the worker at once
            self.later(self.sla_minutes("onsite", 0.4), self.check_in)
        else:
            self.later(self.sla_minutes("confirm"), self.reject if self.rejected else self.accept)

    def reject(self) -> None:
        case_service.reject(self.worker, self.case_id, self.rng.choice(["invalid", "duplicate", "not_ours"]))

    def accept(self) -> None:
        case_service.accept(self.worker, self.case_id)
        if self.ordered:
            self.later(self.minutes(5, 40), self.hand_up)
        else:
            self.later(self.rng.uniform(1, 10), self.assign)

    # -- a grid worker's own case ---------------------------------------------

    def assign(self) -> None:
        case_service.assign(self.worker, self.case_id)
        self.later(self.sla_minutes("onsite", 0.4), self.check_in)

    def check_in(self) -> None:
        lng, lat = self.spot()
        case_service.check_in(self.worker, self.case_id, lat, lng)
        self.later(self.sla_minutes("resolve", 0.6), self.resolve)

    def resolve(self) -> None:
        case_service.resolve(
            self.worker, self.case_id, self.rng.choice(DONE[self.category.difficulty]), self.photos("after")
        )
        self.later(self.rng.uniform(30, 600), self.verify, office=True)

    def verify(self) -> None:
        case_service.verify(self.secretary, self.case_id, "已电话回访，现场核实")
        self.after_verified()

    # -- an order for the case ------------------------------------------------

    def hand_up(self) -> None:
        department, _staff = self._department()
        case_service.hand_up(self.worker, self.case_id, f"需{department.name}处置，请社区下单")
        self.later(self.minutes(20, 180), self.post)

    def post(self) -> None:
        difficulty = self.category.difficulty
        hours = 4 if self.category.is_urgent else self.rng.choice((24, 48, 72))
        order = orders.post_case_order(
            self.secretary,
            self.case_id,
            bounty=BOUNTIES[difficulty],
            deadline=now() + timedelta(hours=hours),
            department_kind=self.kind,
        )
        self.order_id = order.id
        if self.whistled:
            self.later(self.rng.uniform(5, 30), self.whistle)
        if self.order_fate == "escalate":  # nobody grabs it; the sweep escalates it at the deadline
            self.cast.timeline.at(order.deadline + timedelta(minutes=45), self.assign_order)
        else:
            self.grab_later(self.minutes(10, 300))

    def grab_later(self, minutes: float) -> None:
        """A grab is followed by a start within the start window, so both fall in one stretch of staff time."""
        when = self._start_slot(minutes)
        self.cast.timeline.at(when, self.grab)

    def _start_slot(self, minutes: float) -> datetime:
        when = (
            now() + timedelta(minutes=minutes)
            if self.category.is_urgent
            else staff_moment(now(), minutes, self.category.working_time, self.rng)
        )
        if self.category.working_time:
            while staff_moment(when, 45, True, self.rng) != when + timedelta(minutes=45):
                when = staff_moment(when + timedelta(minutes=45), 0, True, self.rng)
        return when

    def grab(self) -> None:
        deadline = orders.get_order(self.cast.city_id, self.order_id).deadline
        if deadline <= now():  # the weekend came between: the sweep escalates it and the community assigns it
            self.cast.timeline.at(deadline + timedelta(minutes=45), self.assign_order)
            return
        _department, people = self._department()
        self.holder = self.rng.choice(people)
        orders.grab(self.holder, self.order_id)
        if self.order_fate == "lapse":  # never started: the sweep sends it back to the pool, someone else grabs it
            self.order_fate = "grab"
            self.grab_later(self.rng.uniform(120, 300))
        else:
            self.cast.timeline.at(now() + timedelta(minutes=self.rng.uniform(3, 35)), self.start_order)

    def assign_order(self) -> None:
        department, people = self._department()
        self.holder = self.rng.choice(people)
        when = self._start_slot(self.rng.uniform(20, 120))
        self.cast.timeline.at(when, self._assign_order_now, department)

    def _assign_order_now(self, department: Unit) -> None:
        orders.assign(
            self.secretary,
            self.order_id,
            department.id,
            now() + timedelta(days=2),
            user_id=self.holder.user_id,
            note=f"无人抢单，派给{department.name}",
        )
        self.cast.timeline.at(now() + timedelta(minutes=self.rng.uniform(3, 35)), self.start_order)

    def start_order(self) -> None:
        orders.start(self.holder, self.order_id)
        self.later(self.sla_minutes("resolve", 0.5), self.resolve_order)

    def resolve_order(self) -> None:
        orders.resolve(
            self.holder, self.order_id, self.rng.choice(DONE[self.category.difficulty]), self.photos("after")
        )
        self.later(self.rng.uniform(30, 480), self.verify_order, office=True)

    def verify_order(self) -> None:
        orders.verify(self.secretary, self.order_id, note="现场核实，处置到位")
        self.after_verified()

    def whistle(self) -> None:
        department, people = self._department()
        grade = "emergency" if self.category.is_urgent else "quick"
        whistle = oversight.blow_whistle(self.secretary, self.case_id, [department.id], grade, "请部门到现场会商")
        target_id = db.session.scalar(select(WhistleTarget.id).where(WhistleTarget.whistle_id == whistle.id))
        allowed = oversight.WHISTLE_MINUTES[grade]
        answered = allowed * self.rng.choice((0.2, 0.5, 0.8, 0.9, 1.5))  # one in five answers late
        self.cast.timeline.at(now() + timedelta(minutes=answered), self.report_in, self.rng.choice(people), target_id)

    def report_in(self, person: Actor, target_id: int) -> None:
        oversight.report_in(person, target_id, "已到现场")

    # -- the resident's word --------------------------------------------------

    def after_verified(self) -> None:
        if self.channel == "resident" and self.reaction != "silent":
            self.resident_later(self.rng.uniform(60, 3 * 24 * 60), self.react)
        # otherwise nobody objects and the daily sweep closes it after CASE_AUTO_CLOSE_DAYS

    def react(self) -> None:
        rng = self.rng
        if self.reaction == "reopen":
            self.reaction = "rate"  # the second round ends well enough
            case_service.rate(self.reporter, self.case_id, rng.choice((1, 2)), "处理不到位")
            case_service.reopen(self.reporter, self.case_id, rng.choice(REOPEN_NOTES))
            self.later(self.rng.uniform(30, 300), self.assign)
        elif self.reaction == "rate":
            stars = rng.choices(*STARS)[0]
            case_service.confirm(self.reporter, self.case_id, stars, "" if stars >= 4 else "速度有点慢")
        else:
            case_service.confirm(self.reporter, self.case_id)


def figures(city_id: int) -> dict[str, int]:
    """What the history left behind, for `flask demo` to say."""

    def count(model, *conditions) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(model.city_id == city_id, *conditions))

    return {
        "cases": count(Case),
        "closed": count(Case, Case.state == "closed"),
        "reporters": db.session.scalar(
            select(func.count(func.distinct(Case.reporter_user_id))).where(Case.city_id == city_id)
        ),
        "events": count(CaseEvent),
        "photos": count(CasePhoto),
        "orders": count(Order),
        "paid": count(Order, Order.paid_at.is_not(None)),
        "grabbing_departments": db.session.scalar(
            select(func.count(func.distinct(Order.holder_department_id))).where(Order.city_id == city_id)
        ),
        "ratings": count(CaseRating),
        "low_ratings": count(CaseRating, CaseRating.stars <= 2),
        "reopened": count(CaseEvent, CaseEvent.action == "reopen"),
        "escalations": count(Escalation),
        "nudges": count(Nudge),
        "instructions": count(Instruction),
        "whistles": count(Whistle),
        "linked_members": count(HouseholdMember, HouseholdMember.user_id.is_not(None)),
        "linked_shops": count(Shop, Shop.owner_user_id.is_not(None)),
        "redemptions": count(Redemption, Redemption.status == "confirmed"),
    }


def demo_city_id() -> int:
    from gridapp.demo.city import CITY_CODE

    return db.session.scalar(select(City.id).where(City.code == CITY_CODE))
