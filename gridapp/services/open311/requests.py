"""Open311 GeoReport v2 over gridapp's cases: who is asking, what they may see, and filing.

Reads need no key (the spec allows public reads) and show only what may be public:
category, state, place, SLA, agency, the sanitised photos and the description, never
the reporter or a contact. Abusive reports are not shown at all. With a key, reads and
writes are kept inside the key's city and region subtree, like any other caller.
Cases are filed through the same intake as the mobile API (intake.submit_open311); a
client's comments on them (the servicerequestupdates POST) land on the timeline as notes.
The spec's words, times and XML/JSON shapes are gridapp.open311's (statuses, entries).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import and_, select

from gridapp.clock import now
from gridapp.errors import NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import ApiClient, Case, CaseEvent, Category, City, Department, Open311Request, Order
from gridapp.services import idempotency
from gridapp.services.accounts.users import default_city_code
from gridapp.services.cases import intake, timeline
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as case_workflow
from gridapp.services.open311 import api_keys
from gridapp.services.regions.tree import path_range

WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
# Steps whose note staff write for the public; a resident's words (a reopen, a rating) stay private.
PUBLIC_NOTES = frozenset(
    {"accept", "reject", "assign", "order", "start", "resolve", "verify", "merge", "auto_close", timeline.PUBLIC_NOTE,
     "recategorise"}
)  # fmt: skip


def public_note(event: CaseEvent) -> str | None:
    """Staff-only steps never reach here (timeline.public_condition); a step's public line stands for its note."""
    if event.action not in PUBLIC_NOTES:
        return None
    return timeline.public_note(event) or None


# --------------------------------------------------------------------------- #
# Callers
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Caller:
    city_id: int
    city_code: str
    client_id: int | None = None
    region_path: str | None = None
    user_id: int | None = None  # the key's service account: it files, and owns the Idempotency-Keys it sends


def caller(api_key: str | None, jurisdiction_id: str | None, *, key_required: bool = False) -> Caller:
    """The city asked about and, with a key, the key's scope. A bad key is refused even on public reads."""
    if api_key or key_required:
        client = api_keys.authenticate(api_key)
        city = db.session.get(City, client.city_id)
        if jurisdiction_id and jurisdiction_id != city.code:
            raise NotFound("jurisdiction_id 不存在", code="jurisdiction_not_found", details={"jurisdiction_id": [jurisdiction_id]})
        return Caller(city.id, city.code, client.id, client.region.path if client.region else None, client.user_id)
    if not jurisdiction_id:
        try:
            jurisdiction_id = default_city_code(current_app.config)
        except NotFound:
            raise ValidationFailed("请提供 jurisdiction_id（城市代码）", details={"jurisdiction_id": ["required"]}) from None
    city = db.session.scalar(select(City).where(City.code == jurisdiction_id))
    if city is None:
        raise NotFound("jurisdiction_id 不存在", code="jurisdiction_not_found", details={"jurisdiction_id": [jurisdiction_id]})
    return Caller(city.id, city.code)


# --------------------------------------------------------------------------- #
# Services (our report categories)
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    order: int
    description: str
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str | None = None


# What every category asks beyond the common fields: our intake's anonymity choice.
ATTRIBUTES = (
    Attribute(
        "anonymous", "singlevaluelist", False, 1,
        "是否匿名反映：匿名时处理人员看不到反映人姓名和电话，也不会回电。",
        (("false", "否"), ("true", "是")),
    ),
)  # fmt: skip


def services(who: Caller) -> list[Category]:
    return list(db.session.scalars(intake.categories(who.city_id)))


def service(who: Caller, service_code: str) -> Category:
    category = db.session.scalar(
        select(Category).where(Category.city_id == who.city_id, Category.code == service_code, Category.is_active.is_(True))
    )
    if category is None:
        raise NotFound("service_code 不存在", code="service_not_found", details={"service_code": [service_code]})
    return category


def _attribute_values(raw: dict[str, list[str]]) -> dict[str, object]:
    """attribute[code]=value (or attribute[code][]=v1&…): checked against the definition; unknown codes are ignored."""
    values: dict[str, object] = {}
    for attribute in ATTRIBUTES:
        given = [v for v in raw.get(attribute.code, []) if v != ""]
        if not given:
            if attribute.required:
                raise ValidationFailed(f"缺少属性 {attribute.code}", details={f"attribute[{attribute.code}]": ["required"]})
            continue
        allowed = {key for key, _name in attribute.values}
        if allowed and any(v not in allowed for v in given):
            raise ValidationFailed(f"属性 {attribute.code} 的取值不正确", details={f"attribute[{attribute.code}]": sorted(allowed)})
        if attribute.datatype != "multivaluelist" and len(given) > 1:
            raise ValidationFailed(f"属性 {attribute.code} 只能取一个值", details={f"attribute[{attribute.code}]": ["single"]})
        values[attribute.code] = given if attribute.datatype == "multivaluelist" else given[0]
    return values


# --------------------------------------------------------------------------- #
# Creating requests
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Created:
    case: Case
    account_id: str | None
    replayed: bool = False


def _full_name(given: str | None, family: str | None) -> str | None:
    """张 + 三 reads 张三 (family name first, no space); John + Smith reads John Smith."""
    if given and family and not (given + family).isascii():
        return f"{family}{given}"
    return " ".join(part for part in (given, family) if part) or None


def create_request(
    who: Caller, form: dict, attributes: dict[str, list[str]], uploads, claim=None, also: Callable[[Case], None] | None = None
) -> Created:
    """File a case for an Open311 client through the mobile API's intake; its extra contact fields stay private here.

    Not a unit of work itself: intake stores the photos before its own, which also records the request here
    and runs `also` on the new case (a pushed-in work order's link).
    """
    client = db.session.scalar(select(ApiClient).where(ApiClient.city_id == who.city_id, ApiClient.id == who.client_id))
    category = service(who, form["service_code"])
    values = _attribute_values(attributes)
    anonymous = values.get("anonymous") == "true"
    name = _full_name(form.get("first_name"), form.get("last_name"))
    if anonymous and (name or form.get("phone") or form.get("email")):
        raise ValidationFailed("匿名反映不需要填写联系方式", details={"anonymous": ["with_contact"]})
    data = {
        "category_id": category.id,
        "description": form.get("description") or "",
        "lat": form.get("lat"),
        "lng": form.get("lng"),
        "code": form.get("address_id"),
        "address": form.get("address_string"),
        "anonymous": anonymous,
        "contact_name": name,
        "contact_phone": form.get("phone"),
    }
    # Never fetched (it could point anywhere), but staff see the client's link on the first step.
    link = f"，附图链接：{form['media_url']}" if form.get("media_url") else ""
    data["intake_note"] = f"Open311 接口提交（{client.name}）{link}"

    def recorded(case: Case) -> None:
        db.session.add(
            Open311Request(
                city_id=who.city_id, case_id=case.id, api_client_id=client.id, token=secrets.token_hex(16),
                email=form.get("email"), device_id=form.get("device_id"), account_id=form.get("account_id"),
                media_url=form.get("media_url"),
            )
        )  # fmt: skip
        if also is not None:
            also(case)

    actor = api_keys.actor_for(client)
    result = intake.submit_open311(actor, data, uploads, claim, within=who.region_path, recorded=recorded)
    if isinstance(result, idempotency.Replayed):
        return Created(result.resource, form.get("account_id"), replayed=True)
    return Created(result, form.get("account_id"))


# --------------------------------------------------------------------------- #
# Reading requests
# --------------------------------------------------------------------------- #


def _visible(who: Caller):
    stmt = select(Case).where(Case.city_id == who.city_id, Case.abusive.is_(False))
    if who.region_path:
        stmt = stmt.where(path_range(Case.region_path, who.region_path))
    return stmt


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The spec's default: the most recent 90 days; a range may not span more than that."""
    if start and end:
        if end < start:
            raise ValidationFailed("end_date 不能早于 start_date", details={"end_date": ["before_start"]})
        if end - start > WINDOW:
            raise ValidationFailed("查询时间范围不能超过 90 天", details={"end_date": ["span_over_90_days"]})
        return start, end
    if start:
        return start, start + WINDOW
    end = end or now()
    return end - WINDOW, end


def requests(
    who: Caller, *, ids: list[int] | None = None, service_codes: list[str] | None = None, start=None, end=None,
    states: frozenset[str] | None = None, page: int = 1, page_size: int = MAX_RESULTS,
) -> list[Case]:  # fmt: skip
    """Newest first, optionally only in `states`. A list of ids overrides every other filter, as the spec says."""
    stmt = _visible(who)
    if ids is not None:
        stmt = stmt.where(Case.id.in_(ids))
    else:
        start, end = window(start, end)
        stmt = stmt.where(Case.created_at >= start, Case.created_at <= end)
        if service_codes:
            codes = select(Category.id).where(Category.city_id == who.city_id, Category.code.in_(service_codes))
            stmt = stmt.where(Case.category_id.in_(codes))
        if states is not None:
            stmt = stmt.where(Case.state.in_(sorted(states)))
    stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(page_size).offset((page - 1) * page_size)
    return list(db.session.scalars(stmt))


def request_by_id(who: Caller, case_id: int) -> Case:
    case = db.session.scalar(_visible(who).where(Case.id == case_id))
    if case is None:
        raise NotFound("service_request_id 不存在", code="request_not_found", details={"service_request_id": [case_id]})
    return case


def request_id_for_token(who: Caller, token: str) -> int:
    row = db.session.scalar(select(Open311Request).where(Open311Request.city_id == who.city_id, Open311Request.token == token))
    if row is None or (who.region_path and db.session.scalar(_visible(who).where(Case.id == row.case_id)) is None):
        raise NotFound("token 不存在", code="token_not_found", details={"token": [token]})
    return row.case_id


def _events(city_id: int, case_ids: list[int]) -> dict[int, list[CaseEvent]]:
    found: dict[int, list[CaseEvent]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        stmt = (
            select(CaseEvent)
            .where(CaseEvent.city_id == city_id, CaseEvent.case_id.in_(case_ids), timeline.public_condition())
            .order_by(CaseEvent.id)
        )
        for event in db.session.scalars(stmt):
            found[event.case_id].append(event)
    return found


def _departments(city_id: int, case_ids: list[int]) -> dict[int, str]:
    """The department holding each case's latest grabbed order."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        select(Order.case_id, Department.name)
        .join(Department, and_(Department.city_id == Order.city_id, Department.id == Order.holder_department_id))
        .where(Order.city_id == city_id, Order.case_id.in_(case_ids))
        .order_by(Order.id)
    )
    return {case_id: name for case_id, name in rows}


def expected_at(case: Case) -> datetime:
    """The SLA due time: set on acceptance; before that, counted from the report."""
    if case.resolve_due_at is not None:
        return case.resolve_due_at
    return (case.accepted_at or case.created_at) + timedelta(minutes=case.category.resolve_minutes)


def _agency(case: Case, department: str | None) -> str:
    if department:
        return department
    if case.grid is not None:
        return f"{case.community.name}{case.grid.name}"
    return case.community.name


@dataclass(frozen=True)
class Published:
    """A case as Open311 may show it: who answers for it, its latest step, its times and its report photos."""

    case: Case
    agency: str
    last_move: CaseEvent | None
    updated_at: datetime
    expected_at: datetime
    photos: list


def published(who: Caller, cases: list[Case]) -> list[Published]:
    ids = [case.id for case in cases]
    events, departments = _events(who.city_id, ids), _departments(who.city_id, ids)
    found = []
    for case in cases:
        history = events[case.id]
        moves = [e for e in history if e.action in S.TRANSITIONS]
        found.append(
            Published(
                case=case,
                agency=_agency(case, departments.get(case.id)),
                last_move=moves[-1] if moves else None,
                updated_at=history[-1].created_at if history else case.created_at,
                expected_at=expected_at(case),
                photos=[p for p in case.photos if p.kind == "before"],
            )
        )
    return found


# --------------------------------------------------------------------------- #
# Updates (the servicerequestupdates extension)
# --------------------------------------------------------------------------- #


def updates(
    who: Caller, *, start=None, end=None, ids: list[int] | None = None, page: int = 1, page_size: int = MAX_RESULTS
) -> list[tuple[Case, CaseEvent]]:
    """Every event on visible cases in the window, oldest first, with its case."""
    start, end = window(start, end)
    visible = _visible(who).with_only_columns(Case.id)
    if ids is not None:
        visible = visible.where(Case.id.in_(ids))
    stmt = (
        select(CaseEvent)
        .where(
            CaseEvent.city_id == who.city_id, CaseEvent.case_id.in_(visible), CaseEvent.created_at >= start,
            CaseEvent.created_at <= end, timeline.public_condition(),
        )
        .order_by(CaseEvent.created_at, CaseEvent.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    events = list(db.session.scalars(stmt))
    cases = {
        case.id: case
        for case in db.session.scalars(select(Case).where(Case.city_id == who.city_id, Case.id.in_({e.case_id for e in events})))
    }
    return [(cases[event.case_id], event) for event in events]


# What the extension's POST leaves on the timeline: a note that moves nothing.
CLIENT_UPDATE = "client_update"


@dataclass(frozen=True)
class PostedUpdate:
    event: CaseEvent
    replayed: bool = False


def _client_update_note(client: ApiClient, form: dict) -> str:
    """The client's words for staff, with its status and link; the commenter's name and e-mail are not kept."""
    note = f"{client.name}：{form['description']}"
    if form.get("status"):
        note += f"（客户端状态：{form['status'].lower()}）"
    if form.get("media_url"):  # never fetched, as with requests
        note += f"，附图链接：{form['media_url']}"
    return note


def post_update(who: Caller, form: dict, claim=None) -> PostedUpdate:
    """A comment an Open311 client posts back on a request its key may see: a note on the case's
    timeline that never changes the case's state. The client's `update_id` makes it idempotent
    (a resend answers the first update; the same id with other content is refused)."""
    client = db.session.scalar(select(ApiClient).where(ApiClient.city_id == who.city_id, ApiClient.id == who.client_id))
    case = request_by_id(who, form["service_request_id"])
    if form.get("update_id"):
        fields = sorted((name, str(value)) for name, value in form.items() if name not in ("api_key", "jurisdiction_id"))
        claim = idempotency.claim(who.city_id, who.user_id, form["update_id"], "open311 servicerequestupdates", idempotency.fingerprint(fields))
    actor = api_keys.actor_for(client)

    def make() -> CaseEvent:
        return case_workflow.add_event(case, CLIENT_UPDATE, actor, case.state, _client_update_note(client, form))

    def load(event_id: int) -> CaseEvent:
        return db.session.scalar(select(CaseEvent).where(CaseEvent.city_id == who.city_id, CaseEvent.id == event_id))

    try:
        result = idempotency.create(claim, "case_event", make, load)
    except ValidationFailed as exc:
        if exc.code != "idempotency_key_reused" or not form.get("update_id"):
            raise
        raise ValidationFailed("该 update_id 已用于内容不同的补充说明", details={"update_id": [form["update_id"]]}) from None
    if isinstance(result, idempotency.Replayed):
        return PostedUpdate(result.resource, replayed=True)
    return PostedUpdate(result)
