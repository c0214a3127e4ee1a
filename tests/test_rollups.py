"""The leaders' figures from the rollups equal the same figures counted from the cases.

A property test drives random sequences of case steps (report, accept, assign, start, resolve,
verify, confirm with or without stars, rate, reopen, send back, reject, auto-close) across grids,
an off-grid spot and several China days, with time passing so clocks run late. After every step the
reconciliation finds nothing to fix (every rollup row and clock equals what the cases count for) and
the city's month reads the same both ways; after each sequence every figure the dashboard shows
(three periods, a custom one and all time, every level's children, the categories, the trend, the
heat) is read from the rollups and from the cases and must agree. Further tests: the reconciliation repairs (and logs) rows written past the
rollups, ratings removed by plain SQL leave the rollups, the CLI and the schedule.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import delete, func, select, text, update

from gridapp.authz import Role
from gridapp.clock import china_midnight, china_today
from gridapp.errors import DomainError
from gridapp.extensions import db
from gridapp.jobs.schedule import PERIODIC_JOBS
from gridapp.models import Case, CaseClock, CaseRollup, City
from gridapp.models.orders import Order
from gridapp.services.accounts.users import load_actor
from gridapp.services.cases import intake
from gridapp.services.cases import workflow as cases
from gridapp.services.orders import workflow as orders
from gridapp.services.supervision import metrics, rollups
from gridapp.services.supervision.metrics import Scope
from tests.support.cases import add_categories
from tests.support.factories import account, build_city
from tests.support.orders import fund

SEEN: Counter = Counter()  # which steps went through, so the test cannot pass vacuously


def same_figures(city_id: int, node, categories) -> None:
    """Every figure the dashboard reads, from the rollups and from the cases, for one node."""
    today = china_today()
    periods = [metrics.period(name) for name in ("today", "week", "month")]
    periods += [(china_midnight(today - timedelta(days=3)), china_midnight(today + timedelta(days=1))), (None, None)]
    for start, end in periods:
        for category_id in (None, categories[0].id):
            scope = Scope(city_id, node.path if node else None, start, end, category_id)
            assert metrics.figures(scope).as_dict() == metrics.figures(scope, from_cases=True).as_dict(), scope
            assert metrics.by_category(scope, categories) == metrics.by_category(scope, categories, from_cases=True)
            assert metrics.by_grid_counts(scope) == metrics.by_grid_counts(scope, from_cases=True)
            if node is not None and node.level != "grid":
                rolled = [(child.id, figures.as_dict()) for child, figures in metrics.by_children(scope, node)]
                counted = [(child.id, figures.as_dict()) for child, figures in metrics.by_children(scope, node, from_cases=True)]
                assert rolled == counted, (scope, node.level)
        trend_scope = Scope(city_id, node.path if node else None)
        assert metrics.trend(trend_scope) == metrics.trend(trend_scope, from_cases=True)
    for category_id in (None, categories[0].id):
        scope = Scope(city_id, node.path if node else None, category_id=category_id)
        rolled, rolled_trend = metrics.overview(scope)
        counted, counted_trend = metrics.overview(scope, from_cases=True)
        assert {name: f.as_dict() for name, f in rolled.items()} == {name: f.as_dict() for name, f in counted.items()}
        assert rolled_trend == counted_trend


class CaseLife(RuleBasedStateMachine):
    clock = None  # set by the test
    examples = 0

    def __init__(self):
        super().__init__()
        CaseLife.examples += 1
        self.city = build_city(f"roll{CaseLife.examples}")
        self.categories = sorted(add_categories(self.city).values(), key=lambda c: c.code)
        self.city_id = self.city.city.id
        users = self.city.users
        self.community_admin = load_actor(self.city_id, users[Role.COMMUNITY_ADMIN].id)  # c1's, who send work back
        second = account(self.city_id, "districtadmin2", Role.DISTRICT_ADMIN, region=self.city.d2)
        db.session.commit()
        self.district_admins = {
            self.city.d1.path: load_actor(self.city_id, users[Role.DISTRICT_ADMIN].id), self.city.d2.path: load_actor(self.city_id, second.id),
        }
        self.resident = load_actor(self.city_id, users[Role.RESIDENT].id)
        self.workers = {
            self.city.g1.id: load_actor(self.city_id, users[Role.GRID_WORKER].id),
            self.city.g4.id: load_actor(self.city_id, self.city.worker4.id),
        }
        c = self.city
        self.places = [
            intake.Where(c.g1.id, c.c1.id, c.g1.path, False), intake.Where(c.g2.id, c.c1.id, c.g2.path, False),
            intake.Where(c.g3.id, c.c2.id, c.g3.path, False), intake.Where(c.g4.id, c.c3.id, c.g4.path, False),
            intake.Where(None, c.c2.id, c.c2.path, True),  # reported off every grid
        ]
        self.nodes = [None, c.root, c.d1, c.s1, c.c1, c.c2, c.c3, c.g1, c.d2]
        self.case_ids: list[int] = []
        fund(c)
        self.department_staff = load_actor(self.city_id, users[Role.DEPARTMENT_STAFF].id)  # 城管, serving d1
        self.departments = [c.department]

    def _try(self, name, fn, *args, **kwargs):
        """Refusals are part of the game (a step the case's state does not allow); anything else fails."""
        try:
            result = fn(*args, **kwargs)
        except DomainError:
            db.session.rollback()
            return None
        SEEN[name] += 1
        return result

    def _case(self, index: int) -> int:
        return self.case_ids[-1 - index % len(self.case_ids)]

    def _official(self, case_id: int):
        """The district admin over the case: officials accept, assign and verify."""
        path = db.session.get(Case, case_id).region_path
        return next(admin for district, admin in self.district_admins.items() if path.startswith(district))

    def _handler(self, case_id: int):
        case = db.session.get(Case, case_id)
        return self.workers.get(case.grid_id, self._official(case_id))

    @rule(place=st.sampled_from([0, 0, 3, 3, 1, 2, 4]), category=st.integers(0, 2))  # mostly grids with a worker
    def report(self, place, category):
        def create():
            data = {"category_id": self.categories[category].id, "description": "路灯不亮"}
            return intake._create(self.resident, "location", self.places[place], data, [])

        case = self._try("report", lambda: _committed(create))
        if case is not None:
            self.case_ids.append(case.id)

    @rule(hours=st.sampled_from([1, 5, 13, 30, 80]))
    def time_passes(self, hours):
        self.clock.advance(timedelta(hours=hours))

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 4), accept=st.booleans())
    def triage(self, i, accept):
        case_id = self._case(i)
        if accept:
            self._try("accept", cases.accept, self._official(case_id), case_id)
        else:
            self._try("reject", cases.reject, self._official(case_id), case_id, "duplicate")

    @precondition(lambda self: self.case_ids)
    @rule(
        i=st.integers(0, 2), stages=st.sampled_from([2, 4, 6, 6, 6]), stars=st.integers(1, 5),
        ending=st.sampled_from(["confirm", "confirm_rated", "reopen", "send_back"]),
    )
    def work_it(self, i, stages, stars, ending):
        """Up to `stages` of accept → assign → start → resolve → verify → the ending, each from wherever the
        case is (a step its state or grid does not allow is refused and the next is tried)."""
        case_id = self._case(i)
        official = self._official(case_id)
        endings = {
            "confirm": lambda: cases.confirm(self.resident, case_id),
            "confirm_rated": lambda: cases.confirm(self.resident, case_id, stars),
            "reopen": lambda: cases.reopen(self.resident, case_id, "没修好"),
            "send_back": lambda: cases.send_back(self.community_admin, case_id, "照片不清楚"),
        }
        steps = [
            ("accept", lambda: cases.accept(official, case_id)),
            ("assign", lambda: cases.assign(official, case_id)),
            ("start", lambda: cases.start(self._handler(case_id), case_id)),
            ("resolve", lambda: cases.resolve_stored(self._handler(case_id), case_id, "已处理", [])),
            ("verify", lambda: cases.verify(official, case_id)),
            (ending, endings[ending]),
        ]
        if ending == "send_back":  # the community sends the work back instead of verifying it
            steps = [*steps[:4], (ending, endings[ending])]
        for name, step in steps[:stages]:
            self._try(name, step)

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 4), stars=st.integers(1, 5))
    def rate(self, i, stars):
        self._try("rate", cases.rate, self.resident, self._case(i), stars)

    @precondition(lambda self: self.case_ids)
    @rule(i=st.integers(0, 4), release=st.booleans())
    def order_it(self, i, release):
        """c1's admin posts an order for the case, 城管 grabs it (a grab is an ORM UPDATE statement, not a flush)
        and may let it go again: the department's figures follow the orders it holds."""
        ours = [case_id for case_id in reversed(self.case_ids) if db.session.get(Case, case_id).community_id == self.city.c1.id]
        if not ours:
            return
        case_id = ours[i % len(ours)]
        self._try("accept", cases.accept, self._official(case_id), case_id)  # only an accepted case is ordered
        deadline = self.clock.now() + timedelta(days=2)
        self._try("order", orders.post_case_order, self.community_admin, case_id, bounty=10, deadline=deadline, department_kind="city_management")
        order_id = db.session.scalar(select(Order.id).where(Order.city_id == self.city_id, Order.case_id == case_id).order_by(Order.id.desc()))
        if order_id is not None and self._try("grab", orders.grab, self.department_staff, order_id) and release:
            self._try("release", orders.release, self.department_staff, order_id, "人手不够")

    @rule()
    def auto_close(self):
        if self._try("auto_close", cases.auto_close, self.city_id):
            SEEN["auto_closed"] += 1

    @invariant()
    def rollups_hold_what_the_cases_count_for(self):
        """Every rollup row and clock, after every step (the reconciliation recomputes them all)."""
        db.session.rollback()
        assert rollups.reconcile(self.city_id) == 0
        db.session.rollback()
        month = Scope(self.city_id, None, *metrics.period("month"))
        assert metrics.figures(month).as_dict() == metrics.figures(month, from_cases=True).as_dict()

    def teardown(self):
        """Every figure the dashboard reads, at every level, once the sequence is played."""
        db.session.rollback()
        for node in self.nodes:
            same_figures(self.city_id, node, self.categories)
        for start, end in [metrics.period(name) for name in ("today", "week", "month")] + [(None, None)]:
            scope = Scope(self.city_id, None, start, end)
            rolled = [(d.id, f.as_dict()) for d, f in metrics.by_department(scope, self.departments)]
            assert rolled == [(d.id, f.as_dict()) for d, f in metrics.by_department(scope, self.departments, from_cases=True)]


def filled_as_expected(city_id: int) -> None:
    """The bulk load's set-based SQL (`rollups.fill`) writes exactly the rows and clocks `rollups.expected` counts."""
    connection = db.session.connection()
    want = rollups.expected(connection, city_id)
    connection.execute(delete(CaseRollup).where(CaseRollup.city_id == city_id))
    connection.execute(delete(CaseClock).where(CaseClock.city_id == city_id))
    written = rollups.fill(connection, city_id)
    have = rollups.stored(connection, city_id)
    db.session.rollback()
    assert written == len(want.rows)
    assert have.rows == dict(want.rows)
    assert have.clocks == want.clocks


def _committed(fn):
    result = fn()
    db.session.commit()
    return result


def test_random_case_steps_keep_rollups_equal_to_the_cases(app, clock):
    CaseLife.clock = clock
    SEEN.clear()
    run_state_machine_as_test(
        CaseLife,
        # Derandomized: the same sequences on every run and on both databases.
        settings=settings(
            max_examples=12, stateful_step_count=25, deadline=None, derandomize=True, database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    for city_id in db.session.scalars(select(City.id).where(City.code.like("roll%"))):
        filled_as_expected(city_id)
    for step in ("report", "accept", "reject", "assign", "resolve", "verify", "reopen", "order", "grab"):
        assert SEEN[step], SEEN
    assert SEEN["confirm"] + SEEN["confirm_rated"], SEEN


def test_sent_back_closed_then_rated_and_moved_the_rollups_follow(city, clock):
    """The steps the random walk reaches least often, in a row: send back, close, rate, a case moved by hand."""
    city_id = city.city.id
    [case_id] = _reported(city, clock, count=1)
    users = city.users
    official, worker = load_actor(city_id, users[Role.DISTRICT_ADMIN].id), load_actor(city_id, users[Role.GRID_WORKER].id)
    resident, community = load_actor(city_id, users[Role.RESIDENT].id), load_actor(city_id, users[Role.COMMUNITY_ADMIN].id)
    cases.accept(official, case_id)
    cases.assign(official, case_id)
    cases.start(worker, case_id)
    cases.resolve_stored(worker, case_id, "已处理", [])
    cases.send_back(community, case_id, "照片不清楚")
    clock.advance(timedelta(days=1))
    cases.resolve_stored(worker, case_id, "已处理", [])
    cases.verify(official, case_id)
    cases.confirm(resident, case_id)
    cases.rate(resident, case_id, 2)
    case = db.session.get(Case, case_id)
    case.region_path, case.grid_id = city.g2.path, city.g2.id  # moved to the next grid
    db.session.commit()
    assert rollups.reconcile(city_id) == 0
    for node in (None, city.c1, city.g1, city.g2):
        same_figures(city_id, node, [case.category])
    filled_as_expected(city_id)
    assert metrics.figures(Scope(city_id, city.g2.path)).as_dict()["ratings"] == 1
    assert metrics.figures(Scope(city_id, city.g1.path)).as_dict()["received"] == 0


def test_department_figures_follow_the_orders_they_hold(city, clock):
    """A grab and a release are ORM UPDATE statements, not flushes: the department rows follow them, and a
    rating while the department holds the order counts for it."""
    city_id = city.city.id
    [case_id] = _reported(city, clock, count=1)
    fund(city)
    users = city.users
    official, community = load_actor(city_id, users[Role.DISTRICT_ADMIN].id), load_actor(city_id, users[Role.COMMUNITY_ADMIN].id)
    staff = load_actor(city_id, users[Role.DEPARTMENT_STAFF].id)
    cases.accept(official, case_id)
    order = orders.post_case_order(community, case_id, bounty=10, deadline=clock.now() + timedelta(days=2), department_kind="city_management")
    month = Scope(city_id, None, *metrics.period("month"))

    def held() -> dict:
        rolled = metrics.by_department(month, [city.department])
        assert [f.as_dict() for _d, f in rolled] == [f.as_dict() for _d, f in metrics.by_department(month, [city.department], from_cases=True)]
        assert rollups.reconcile(city_id) == 0
        db.session.rollback()
        return rolled[0][1].as_dict()

    assert held()["received"] == 0
    orders.grab(staff, order.id)
    assert (held()["received"], held()["accepted"]) == (1, 1)
    orders.release(staff, order.id, "人手不够")
    assert held()["received"] == 0
    orders.grab(staff, order.id)
    orders.start(staff, order.id)
    assert held()["received"] == 1


def _reported(city, clock, count: int = 3) -> list[int]:
    categories = add_categories(city)
    resident = load_actor(city.city.id, city.users[Role.RESIDENT].id)
    ids = []
    for n in range(count):
        where = intake.Where(city.g1.id, city.c1.id, city.g1.path, False)
        ids.append(intake._create(resident, "location", where, {"category_id": categories["garbage"].id}, []).id)
        db.session.commit()
        clock.advance(timedelta(hours=9))
    return ids


def test_reconciliation_repairs_and_logs_rows_written_past_the_rollups(city, clock, caplog):
    ids = _reported(city, clock)
    city_id = city.city.id
    scope = Scope(city_id, city.c1.path)
    before = metrics.figures(scope).as_dict()
    db.session.execute(update(Case).where(Case.id == ids[0]).values(reopen_count=2, accepted_at=clock.now()))  # bypasses the flush
    db.session.execute(update(CaseRollup).where(CaseRollup.city_id == city_id).values(received=CaseRollup.received + 5))
    db.session.commit()
    assert metrics.figures(scope).as_dict() != metrics.figures(scope, from_cases=True).as_dict()
    with caplog.at_level(logging.WARNING, logger="gridapp.services.supervision.rollups"):
        fixed = rollups.reconcile(city_id)
        db.session.commit()
    assert fixed > 0
    assert any("held" in record.getMessage() for record in caplog.records)
    after = metrics.figures(scope).as_dict()
    assert after == metrics.figures(scope, from_cases=True).as_dict()
    assert (before["received"], before["accepted"], before["reopened"]) == (3, 0, 0)
    assert (after["received"], after["accepted"], after["reopened"]) == (3, 1, 1)
    assert rollups.reconcile(city_id) == 0


def test_ratings_removed_with_plain_sql_leave_the_rollups(city, clock):
    ids = _reported(city, clock, count=1)
    city_id = city.city.id
    case = db.session.get(Case, ids[0])
    case.state = "closed"
    case.closed_at = clock.now()
    db.session.commit()
    db.session.execute(
        text("INSERT INTO case_ratings (city_id, created_at, case_id, user_id, round, stars, comment) VALUES (:c, :t, :i, :u, 0, 5, '')"),
        {"c": city_id, "t": clock.now().replace(tzinfo=None), "i": case.id, "u": city.users[Role.RESIDENT].id},
    )
    db.session.commit()
    scope = Scope(city_id, city.g1.path)
    assert (metrics.figures(scope).ratings, metrics.figures(scope).satisfied) == (1, 1)
    db.session.execute(text("DELETE FROM case_ratings"))
    db.session.commit()
    assert (metrics.figures(scope).ratings, metrics.figures(scope).satisfied) == (0, 0)
    assert rollups.reconcile(city_id) == 0


def test_a_period_that_is_not_whole_days_is_counted_from_the_cases(city, clock):
    ids = _reported(city, clock)
    first = db.session.get(Case, ids[0])
    scope = Scope(city.city.id, None, first.created_at, first.created_at + timedelta(hours=10))
    assert not rollups.answers(scope.start, scope.end)
    assert metrics.figures(scope).received == 2
    assert metrics.figures(replace(scope, start=None)).received == 2


def test_flask_rollups_rebuild_and_the_schedule(app, city, clock):
    ids = _reported(city, clock)
    db.session.execute(text("DELETE FROM case_rollups"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rollups", "rebuild", "--city", city.city.code])
    assert result.exit_code == 0, result.output
    assert "已重算" in result.output
    rows = db.session.scalar(select(func.sum(CaseRollup.received)).where(CaseRollup.city_id == city.city.id, CaseRollup.region_path == "/"))
    assert rows == len(ids)
    assert "reconcile_rollups" in {periodic.name for periodic in PERIODIC_JOBS}
