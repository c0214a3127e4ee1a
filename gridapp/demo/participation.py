"""Residents taking part in 康城社区, seeded over the demo's last days so a visitor sees every module working.

The grid's police officer and property staff answer its direct line; some household members carry tags and a
notice reaches them; a consultation is open; residents have made suggestions (one adopted, one declined, one
waiting), checked in at a shop, rated shops and cadres (a low rating's follow-up closed by the community); the
district's 12345 operator has taken calls, one was fixed and its caller answered the follow-up SMS. Every step is the real
service call on the demo's moved clock, like the rest of the history. It runs once: a city that already has a
suggestion is left as it is. Its own seeded random sequence keeps the rest of the demo unchanged.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from gridapp.authz import Actor
from gridapp.clock import CHINA, now
from gridapp.demo.timeline import Timeline, moved_clock, photos
from gridapp.extensions import db
from gridapp.models import (
    AccountLink,
    Category,
    Consultation,
    ConsultationAnswer,
    GridContact,
    HotlineFollowUp,
    Household,
    HouseholdMember,
    MemberTag,
    Notice,
    QrCode,
    Rating,
    RatingFollowUp,
    Region,
    RoleGrant,
    Suggestion,
    User,
    VenueCheckIn,
)
from gridapp.services.accounts.users import load_actor
from gridapp.services.cases import hotline, intake
from gridapp.services.cases import workflow as case_service
from gridapp.services.codes import scanning, venue_checkins
from gridapp.services.direct_line import contacts, conversations
from gridapp.services.notices import publishing, receipts, tags
from gridapp.services.participation import consultations, ratings, suggestions
from gridapp.services.supervision import sla
from gridapp.unit_of_work import unit_of_work

COMMUNITY = "kbs-hbgx-kc"
SECRETARY = "kc_shuji"
OPERATOR = "kbs_12345"
POLICE, PROPERTY = "gaj_staff", "wygs_staff"
DAYS = 6
# member relation → the tags the community keeps for some of them
TAGS = {"父母": ("elderly", "elderly_alone"), "户主": ("veteran", "low_income"), "子女": ("child",)}
SUGGESTIONS = [
    ("建议在小区东门增设一处非机动车充电棚，减少楼道充电", "adopt", "已纳入今年民生实事，下月动工"),
    ("希望社区周末开放活动室，方便老人下棋", "answer", "活动室周六上午开放，欢迎参加"),
    ("建议把垃圾分类投放点的开放时间延长到晚上九点", "decline", "清运车夜间无法进入，暂不调整，已加装照明"),
    ("小区南门的路灯能不能换成更亮的", None, ""),
]
CALLS = [("facility_damage", "来电反映：3号楼电梯经常停运"), ("noise", "来电反映：夜间广场舞音响扰民")]


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day.astimezone(CHINA).date(), time(hour, minute), CHINA)


def seed_demo_participation(city_id: int) -> int:
    """Live the community's taking part once; returns how many steps ran (0 when it already has suggestions)."""
    if db.session.scalar(select(func.count(Suggestion.id)).where(Suggestion.city_id == city_id)):
        return 0
    end = now()
    with moved_clock(end - timedelta(days=DAYS)) as frozen:
        timeline = Timeline(frozen)
        steps = Participation(city_id, timeline, end - timedelta(days=DAYS), end).planned
        timeline.run(end)
    return steps


class Participation:
    def __init__(self, city_id: int, timeline: Timeline, start: datetime, end: datetime):
        self.city_id, self.end, self.timeline, self.rng = city_id, end, timeline, random.Random(2026)
        self.community = db.session.scalar(select(Region).where(Region.city_id == city_id, Region.code == COMMUNITY))
        self.grids = list(
            db.session.scalars(select(Region).where(Region.city_id == city_id, Region.parent_id == self.community.id).order_by(Region.code))
        )
        self.secretary = self._staff(SECRETARY)
        self.residents = self._linked_residents()
        plan = [
            (_at(start, 9), self.name_contacts),
            (_at(start, 10), self.tag_members),
            (_at(start + timedelta(days=1), 9, 30), self.notice),
            (_at(start + timedelta(days=1), 11), self.consultation),
            (_at(start + timedelta(days=1), 15), self.suggest),
            (_at(start + timedelta(days=2), 10), self.decide),
            (_at(start + timedelta(days=2), 18), self.visit_shops),
            (_at(start + timedelta(days=3), 9), self.follow_up_ratings),
            (sla.deadline(_at(start + timedelta(days=3), 10), 0, True), self.hotline_calls),  # office hours
            (_at(start + timedelta(days=4), 19), self.direct_line),
        ]
        self.planned = 0
        for when, step in plan:
            if when < end:
                timeline.at(when, step)
                self.planned += 1

    # -- the cast ------------------------------------------------------------ #
    def _staff(self, username: str) -> Actor:
        user_id = db.session.scalar(select(User.id).where(User.city_id == self.city_id, User.username == username))
        return load_actor(self.city_id, user_id)

    def _linked_residents(self) -> list[tuple[Actor, int]]:
        """Residents linked to a household member of the community: (actor, member id), in a fixed order."""
        rows = db.session.execute(
            select(AccountLink.user_id, AccountLink.record_id)
            .where(
                AccountLink.city_id == self.city_id, AccountLink.kind == "member", AccountLink.status == "confirmed",
                AccountLink.grid_id.in_([g.id for g in self.grids]), AccountLink.user_id.is_not(None),
            )
            .order_by(AccountLink.id)
        ).all()  # fmt: skip
        return [(load_actor(self.city_id, user_id), member_id) for user_id, member_id in rows]

    def _codes(self, kind: str) -> list[str]:
        return list(
            db.session.scalars(
                select(QrCode.token)
                .where(
                    QrCode.city_id == self.city_id, QrCode.kind == kind, QrCode.status == "active",
                    QrCode.region_id.in_([self.community.id, *[g.id for g in self.grids]]),
                )
                .order_by(QrCode.id)
            )
        )  # fmt: skip

    # -- the steps ----------------------------------------------------------- #
    @unit_of_work
    def name_contacts(self) -> None:
        police, property_staff = self._staff(POLICE), self._staff(PROPERTY)
        for number, grid in enumerate(self.grids, start=1):
            contacts.add(self.secretary, grid.id, "police", f"网格民警 {number} 号", police.user_id)
            contacts.add(self.secretary, grid.id, "property", "康城物业客服", property_staff.user_id)

    @unit_of_work
    def tag_members(self) -> None:
        members = db.session.scalars(
            select(HouseholdMember)
            .join(Household, Household.id == HouseholdMember.household_id)
            .where(HouseholdMember.city_id == self.city_id, Household.grid_id.in_([g.id for g in self.grids]))
            .order_by(HouseholdMember.id)
        ).all()
        for index, member in enumerate(members):
            keys = TAGS.get(member.relation, ())
            if keys and index % 7 == 0:
                tags.add_tag(self.secretary, member.id, keys[index % len(keys)])

    @unit_of_work
    def notice(self) -> None:
        notice = publishing.publish(self.secretary, {
            "region_id": self.community.id, "audience": "everyone", "tags": [], "tag_match": "any",
            "title": "冬季供暖与防滑提示",
            "body": "供暖期内如遇暖气不热，请拨打物业热线或在“直联”中联系物业；雪天请走主干道，社区已在坡道铺设防滑垫。"
                    "独居老人家中如有困难，网格员会上门看望。",
        })  # fmt: skip
        for person, _member in self.residents[::2]:
            receipts.open_notice(person, notice.id)
        publishing.publish(self.secretary, {
            "region_id": self.community.id, "audience": "households", "tags": ["elderly", "elderly_alone"],
            "tag_match": "any", "title": "高龄老人免费体检通知",
            "body": "社区卫生服务站本周六上午为 70 岁以上老人免费体检，请携带身份证，行动不便的可预约上门。",
        })  # fmt: skip

    @unit_of_work
    def consultation(self) -> None:
        row = consultations.open_consultation(self.secretary, {
            "region_id": self.community.id, "title": "电动车充电棚选址", "building": None,
            "question": "小区计划新建一处电动车充电棚，您觉得建在哪里合适？", "answer_kind": "choice",
            "options": ["东门停车场旁", "3号楼北侧空地", "南门绿化带边"], "per": "household",
            "deadline": self.end + timedelta(days=5),
        })  # fmt: skip
        for index, (person, _member) in enumerate(self.residents[:12]):
            if index % 4 != 3:
                consultations.answer(person, row.id, index % 3, None)

    @unit_of_work
    def suggest(self) -> None:
        for index, (body, _decision, _reply) in enumerate(SUGGESTIONS):
            person, _member = self.residents[index % len(self.residents)]
            suggestions.submit(person, self.community.id, body)

    @unit_of_work
    def decide(self) -> None:
        rows = db.session.scalars(
            select(Suggestion).where(Suggestion.city_id == self.city_id, Suggestion.community_id == self.community.id).order_by(Suggestion.id)
        ).all()
        for row, (_body, decision, reply) in zip(rows, SUGGESTIONS):
            if decision == "answer":
                suggestions.answer(self.secretary, row.id, reply, True)
            elif decision is not None:
                suggestions.answer(self.secretary, row.id, reply, True)
                suggestions.decide(self.secretary, row.id, decision == "adopt", reply)

    @unit_of_work
    def visit_shops(self) -> None:
        """Residents check in at a shop and rate shops and cadres; one low rating opens a follow-up."""
        shops, cadres = self._codes("shop"), self._codes("cadre")
        for index, (person, _member) in enumerate(self.residents[:8]):
            venue_checkins.check_in(person, shops[index % 2])
        stars = [5, 4, 5, 2, 4, 5]
        for index, (person, _member) in enumerate(self.residents[:6]):
            comment = "服务热情，价格实在" if stars[index] >= 4 else "缺斤少两，态度也不好"
            scanning.rate(shops[index % 3], person, stars[index], comment)
        for index, (person, _member) in enumerate(self.residents[6:10]):
            scanning.rate(cadres[index % len(cadres)], person, 5 if index % 2 == 0 else 4, "有事找书记，一找就到")

    @unit_of_work
    def follow_up_ratings(self) -> None:
        for row in db.session.scalars(ratings.follow_ups(self.secretary, "open")).all():
            ratings.close(self.secretary, row.id, "已上门核实，店主已整改并向顾客道歉，市场监管所已提醒")

    @unit_of_work
    def hotline_calls(self) -> None:
        """The operator takes two calls; both callers agree to the follow-up SMS."""
        operator = self._staff(OPERATOR)
        self.calls = []
        for index, (code, words) in enumerate(CALLS):
            category_id = db.session.scalar(select(Category.id).where(Category.city_id == self.city_id, Category.code == code))
            case = intake.submit_hotline(operator, {
                "category_id": category_id, "description": words, "grid_id": self.grids[index].id,
                "contact_name": "来电群众", "contact_phone": f"1390477{self.rng.randrange(10**4):04d}", "sms_consent": True,
            }, [])  # fmt: skip
            self.calls.append((case.id, self.grids[index].id))
        case_id, grid_id = self.calls[0]
        self.timeline.at(sla.deadline(now() + timedelta(minutes=40), 0, True), self.fix_call, case_id, grid_id)

    def fix_call(self, case_id: int, grid_id: int) -> None:
        """The grid's worker fixes the first caller's lift, the community verifies: the caller gets the SMS."""
        worker = load_actor(self.city_id, db.session.scalar(
            select(RoleGrant.user_id).where(RoleGrant.city_id == self.city_id, RoleGrant.role == "grid_worker",
                                            RoleGrant.region_id == grid_id)
        ))  # fmt: skip
        case_service.accept(worker, case_id, "已联系物业电梯维保")
        case_service.assign(worker, case_id)
        case_service.start(worker, case_id)
        case_service.resolve(worker, case_id, "维保单位已更换控制板，电梯恢复运行", photos(self.rng, "lift", 1))
        case_service.verify(self.secretary, case_id, "已电话回访，现场核实")
        self.timeline.at(now() + timedelta(hours=6), self.callers_answer)

    @unit_of_work
    def callers_answer(self) -> None:
        """Callers who got the follow-up SMS answer it."""
        waiting = db.session.scalars(
            select(HotlineFollowUp)
            .where(HotlineFollowUp.city_id == self.city_id, HotlineFollowUp.status == "sent")
            .order_by(HotlineFollowUp.id)
        ).all()
        for row in waiting:
            hotline.answer(hotline.link_token(row), True, 5, "电梯修好了，处理及时，态度很好")

    @unit_of_work
    def direct_line(self) -> None:
        person, _member = self.residents[0]
        grid, _code = conversations.resident_grid(person)
        contact = next(c for c in conversations.choices(grid) if c["kind"] == "property")
        opened = conversations.open_conversation(person, {
            "grid_id": grid.id, "kind": "property", "contact_id": contact["contact_id"],
            "body": "你好，我家暖气片不热，能派人来看看吗？",
        })  # fmt: skip
        conversations.post(self._staff(PROPERTY), opened.id, "您好，明天上午九点师傅上门，请家里留人。", [])


def participation_figures(city_id: int) -> dict[str, int]:
    """What `flask demo` says the city's residents have taken part in."""

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count(model.id)).where(model.city_id == city_id, *where))

    return {
        "contacts": count(GridContact, GridContact.is_active.is_(True)),
        "tags": count(MemberTag),
        "notices": count(Notice),
        "consultations": count(Consultation),
        "answers": count(ConsultationAnswer),
        "suggestions": count(Suggestion),
        "adopted": count(Suggestion, Suggestion.status == "adopted"),
        "check_ins": count(VenueCheckIn),
        "ratings": count(Rating),
        "follow_ups": count(RatingFollowUp),
        "hotline_answers": count(HotlineFollowUp, HotlineFollowUp.answered_at.is_not(None)),
    }
