"""回复模板: the city's ready-made replies per category and case state, filled in for one case.

Admins write them once for the city (a template without a category or state fits every one); a
handler picks one on a case and gets its text with the case's facts in place of the placeholders,
to adapt before sending it as a note. Placeholders are checked when a template is saved, so a typo
is refused there instead of reaching a resident as "{地址}".
"""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from gridapp.authz import Actor
from gridapp.clock import CHINA
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, ReplyTemplate
from gridapp.services import idempotency
from gridapp.services.accounts.administration import ADMINISTRATORS
from gridapp.services.cases import intake, notes
from gridapp.services.cases import states as S
from gridapp.unit_of_work import unit_of_work

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _deadline(case: Case) -> str:
    """When the work is due (what a resident waits for); before acceptance, the category's time for it."""
    if case.resolve_due_at is not None:
        return case.resolve_due_at.astimezone(CHINA).strftime("%m月%d日 %H:%M")
    hours, minutes = divmod(case.category.resolve_minutes, 60)
    return f"受理后{hours}小时" if not minutes else f"受理后{case.category.resolve_minutes}分钟"


def _place(case: Case) -> str:
    return case.place_label or (case.grid.name if case.grid else case.community.name)


# What each placeholder stands for on a case.
PLACEHOLDERS = {
    "地点": _place,
    "分类": lambda case: case.category.name,
    "时限": _deadline,
    "编号": lambda case: str(case.id),
    "社区": lambda case: case.community.name,
}


def _check(city_id: int, data: dict) -> dict:
    unknown = sorted({name for name in PLACEHOLDER.findall(data.get("body", "")) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationFailed(
            f"模板中有无法填写的占位符：{'、'.join('{' + u + '}' for u in unknown)}",
            details={"body": [f"可用占位符：{' '.join('{' + p + '}' for p in PLACEHOLDERS)}"]},
        )
    if data.get("state") is not None and data["state"] not in S.ALL_STATES:
        raise ValidationFailed("案件状态不正确", details={"state": sorted(S.ALL_STATES)})
    if data.get("category_id") is not None:
        intake.active_category(city_id, data["category_id"])
    return data


def listing(actor: Actor, *, category_id: int | None = None, state: str | None = None):
    """The city's templates, newest first; a filter keeps those that fit it (the general ones included)."""
    ADMINISTRATORS.require(actor)
    stmt = select(ReplyTemplate).where(ReplyTemplate.city_id == actor.city_id)
    if category_id is not None:
        stmt = stmt.where(or_(ReplyTemplate.category_id == category_id, ReplyTemplate.category_id.is_(None)))
    if state is not None:
        stmt = stmt.where(or_(ReplyTemplate.state == state, ReplyTemplate.state.is_(None)))
    return stmt.order_by(ReplyTemplate.id.desc())


def get(actor: Actor, template_id: int) -> ReplyTemplate:
    ADMINISTRATORS.require(actor)
    template = db.session.scalar(
        select(ReplyTemplate).where(ReplyTemplate.city_id == actor.city_id, ReplyTemplate.id == template_id)
    )
    if template is None:
        raise NotFound("回复模板不存在", code="reply_template_not_found")
    return template


def create(actor: Actor, data: dict, claim=None) -> ReplyTemplate | idempotency.Replayed:
    ADMINISTRATORS.require(actor)
    data = _check(actor.city_id, data)

    def make() -> ReplyTemplate:
        template = ReplyTemplate(city_id=actor.city_id, updated_by_user_id=actor.user_id, **data)
        db.session.add(template)
        db.session.flush()
        return template

    return idempotency.create(claim, "reply_template", make, lambda template_id: get(actor, template_id))


@unit_of_work
def update(actor: Actor, template_id: int, data: dict) -> ReplyTemplate:
    template = get(actor, template_id)
    current = {"category_id": template.category_id, "state": template.state, "title": template.title, "body": template.body}
    data = _check(actor.city_id, {**current, **data})
    for name, value in data.items():
        setattr(template, name, value)
    template.updated_by_user_id = actor.user_id
    return template


@unit_of_work
def delete(actor: Actor, template_id: int) -> None:
    db.session.delete(get(actor, template_id))


def for_case(actor: Actor, case_id: int) -> list[dict]:
    """The templates that fit the case's category and state, most specific first, filled in for it."""
    case = notes.writable_case(actor, case_id)
    rows = db.session.scalars(
        select(ReplyTemplate)
        .where(
            ReplyTemplate.city_id == case.city_id,
            or_(ReplyTemplate.category_id == case.category_id, ReplyTemplate.category_id.is_(None)),
            or_(ReplyTemplate.state == case.state, ReplyTemplate.state.is_(None)),
        )
        .order_by(ReplyTemplate.category_id.is_(None), ReplyTemplate.state.is_(None), ReplyTemplate.title, ReplyTemplate.id)
    )
    return [{"id": t.id, "title": t.title, "text": fill(t.body, case)} for t in rows]


def fill(body: str, case: Case) -> str:
    return PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(1)](case) if m.group(1) in PLACEHOLDERS else m.group(0), body)
