"""Account links and points spent in the demo's history, through services.links and services.points.

In its first days residents who signed up ask to be linked to their household's record and
shopkeepers to their shop (the phone they signed in with matches the registry), and the grid
worker confirms each in office hours. From the second week residents spend the points their
reports earned at linked shops, and grid workers and department staff their share of bounties;
the shop's owner confirms each redemption within minutes.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from gridapp.authz import Actor, Role
from gridapp.clock import CHINA, now
from gridapp.demo.timeline import staff_moment
from gridapp.extensions import db
from gridapp.models import Shop, User
from gridapp.services.accounts.users import grant_role, load_actor, new_user
from gridapp.services.links import workflow as links
from gridapp.services.points import ledger
from gridapp.services.points import residents as points
from gridapp.unit_of_work import unit_of_work

SHOPS_WITH_OWNERS = 1  # per grid: shopkeepers who signed up and linked their shop
REDEMPTIONS_PER_DAY = (2, 5)
SPENDS = (5, 10, 10, 15, 20, 30)


@unit_of_work
def enrol_owners(city_id: int, grid_ids: list[int]) -> list[tuple[int, int, int]]:
    """The first shopkeepers of each grid sign up with the phone the registry has for them:
    (user id, shop id, grid id)."""
    taken = set(db.session.scalars(select(User.phone).where(User.city_id == city_id, User.phone.is_not(None))))
    owners = []
    for grid_id in grid_ids:
        shops = db.session.scalars(
            select(Shop)
            .where(Shop.city_id == city_id, Shop.grid_id == grid_id, Shop.owner_phone.is_not(None))
            .order_by(Shop.id)
        )
        for shop in [s for s in shops if s.owner_phone not in taken][:SHOPS_WITH_OWNERS]:
            taken.add(shop.owner_phone)
            user = new_user(city_id, shop.owner_name, phone=shop.owner_phone)
            grant_role(user, Role.RESIDENT)
            db.session.flush()
            owners.append((user.id, shop.id, grid_id))
    return owners


class Links:
    """The links asked for and confirmed, and the shops that take points once their owner is linked."""

    def __init__(self, cast, start: datetime, end: datetime):
        self.cast, self.end = cast, end
        self.rng = random.Random(2025)
        self.shops: dict[int, tuple[int, Actor]] = {}  # community id → a linked shop and its owner
        owners = enrol_owners(cast.city_id, [g.id for g in cast.grids])
        community_of = {g.id: g.community_id for g in cast.grids}
        first_days = [
            start + timedelta(hours=self.rng.uniform(2, 24 * 9)) for _ in range(len(cast.homes) + len(owners))
        ]
        moments = iter(sorted(first_days))
        for person, member_id, grid_id in cast.homes:
            cast.timeline.at(next(moments), self.ask, person, "member", member_id, grid_id, None)
        for user_id, shop_id, grid_id in owners:
            owner = load_actor(cast.city_id, user_id)
            cast.timeline.at(next(moments), self.ask, owner, "shop", shop_id, grid_id, community_of[grid_id])
        day = start.astimezone(CHINA).date() + timedelta(days=10)
        while day < end.astimezone(CHINA).date():
            for _ in range(self.rng.randint(*REDEMPTIONS_PER_DAY)):
                cast.timeline.at(_daytime(day, self.rng), self.spend)
            day += timedelta(days=1)

    def ask(self, person: Actor, kind: str, record_id: int, grid_id: int, community_id: int | None) -> None:
        link = links.request_link(person, kind, record_id, "本人手机号已登记")
        worker = self.cast.workers[grid_id]
        when = staff_moment(now(), self.rng.uniform(30, 900), True, self.rng)
        self.cast.timeline.at(when, self.confirm, worker, link.id, community_id, record_id, person)

    def confirm(self, worker: Actor, link_id: int, community_id: int | None, shop_id: int, owner: Actor) -> None:
        links.confirm(worker, link_id, "已电话核实")
        if community_id is not None:
            self.shops.setdefault(community_id, (shop_id, owner))

    def spend(self) -> None:
        """Someone with points buys something at a linked shop of their community; the owner confirms."""
        rng, cast = self.rng, self.cast
        if not self.shops:
            return
        grid = rng.choice(cast.grids)
        shop_id, owner = self.shops.get(grid.community_id) or self.shops[rng.choice(sorted(self.shops))]
        if rng.random() < 0.75 and cast.residents.get(grid.id):
            payer, person = "resident", rng.choice(cast.residents[grid.id])
        else:
            staff = [cast.workers[grid.id], *(p for people in cast.department_staff.values() for p in people)]
            payer, person = "staff", rng.choice(staff)
        balance = ledger.balance_of(cast.city_id, payer, person.user_id)
        spend = min(balance, rng.choice(SPENDS))
        if spend <= 0 or person.user_id == owner.user_id:
            return
        redemption = points.request_redemption(
            person, shop_id, spend, rng.choice(["兑换日用品", "兑换水果", "兑换理发", ""]), payer
        )
        cast.timeline.at(now() + timedelta(minutes=rng.uniform(1, 8)), self.settle, owner, redemption.id)

    def settle(self, owner: Actor, redemption_id: int) -> None:
        points.confirm_redemption(owner, redemption_id)


def _daytime(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(9, 0), CHINA) + timedelta(minutes=rng.uniform(0, 11 * 60))
