"""One intake behind every channel: a scanned code, a free report with the phone's location,
a grid worker's patrol, and a 12345 hotline call entered by staff.

Each channel only decides where the case belongs (grid, community, place) and who
reported it; the rest is shared: photos checked and stored before the transaction
(and removed again if it fails), the Idempotency-Key honoured, the first event
written, the grid's workers told.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from gridapp.authz import Actor, Permission, Role, covers, require_region
from gridapp.errors import Forbidden, NotFound, ValidationFailed
from gridapp.extensions import db
from gridapp.models import Case, Category, HotlineFollowUp, Region, RoleGrant
from gridapp.services import idempotency
from gridapp.services import photos as photo_service
from gridapp.services import uploads as photo_uploads
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as case_service
from gridapp.services.notifications.push import notify_and_push
from gridapp.services.regions import addresses, coordinates, geo
from gridapp.services.regions.tree import get_region, grid_workers
from gridapp.services.setup import categories as category_rules

PATROLLERS = Permission("cases.patrol", {Role.GRID_WORKER}, "a grid worker reports what they find in their own grids")
HOTLINE = Permission(
    "cases.hotline", case_service.OFFICIALS | {Role.HOTLINE_OPERATOR},
    "12345 operators (for their city or district) and the officials over the place enter a caller's report",
)


@dataclass(frozen=True)
class Where:
    """Where a report belongs, resolved before anything is written."""

    grid_id: int | None
    community_id: int
    region_path: str
    outside_grid: bool
    code_id: int | None = None
    place_label: str | None = None


def active_category(city_id: int, category_id: int) -> Category:
    category = db.session.scalar(
        select(Category).where(Category.city_id == city_id, Category.id == category_id, Category.is_active.is_(True))
    )
    if category is None:
        raise ValidationFailed("问题类别不存在", details={"category_id": ["unknown"]})
    return category


def routed_department_kind(category: Category) -> str | None:
    """A department's category reaches the community's triage already marked for that kind of department."""
    return category.department_kind if category.default_route == "department" else None


def categories(city_id: int):
    return select(Category).where(Category.city_id == city_id, Category.is_active.is_(True)).order_by(Category.id)


def _where_grid(grid: Region, **extra) -> Where:
    if grid.retired_at is not None:
        raise ValidationFailed(f"{grid.name}已撤销，请改用现场定位或拨打 12345 反映", code="region_retired")
    return Where(grid.id, grid.parent_id, grid.path, False, **extra)


def where_point(city_id: int, lng: float, lat: float, **extra) -> Where:
    placed = geo.place_point(city_id, lng, lat)
    if placed.grid is not None:
        return _where_grid(placed.grid, **extra)
    return Where(None, placed.community.id, placed.community.path, True, **extra)


def where_code(actor: Actor, token: str, lat: float | None, lng: float | None) -> Where:
    from gridapp.services.codes.issuing import locate_code

    located = locate_code(token)  # NotFound / Gone for unknown or withdrawn codes
    if located.city_id != actor.city_id:
        raise NotFound("二维码不存在", code="code_not_found")
    extra = {"code_id": located.code_id, "place_label": located.place_label}
    if located.grid_id is not None:
        return _where_grid(get_region(actor.city_id, located.grid_id), **extra)
    if lat is not None and lng is not None:
        return where_point(actor.city_id, lng, lat, **extra)
    if located.region_id is not None:  # a cadre's code names their community
        community = get_region(actor.city_id, located.region_id)
        if community.retired_at is not None:
            raise ValidationFailed(f"{community.name}已撤销，请拨打 12345 反映", code="region_retired")
        return Where(None, community.id, community.path, False, **extra)
    raise ValidationFailed("请允许获取位置后再提交", details={"location": ["required"]})


def _resident_where(actor: Actor, data: dict) -> tuple[str, Where]:
    lat, lng = data.get("lat"), data.get("lng")
    if data.get("code"):
        return "code", where_code(actor, data["code"], lat, lng)
    if lat is None or lng is None:
        raise ValidationFailed("请允许获取位置，或扫描现场二维码后再提交", details={"location": ["required"]})
    return "location", where_point(actor.city_id, lng, lat)


def _patrol_where(actor: Actor, data: dict) -> Where:
    """A worker reports in their own grids: by position, or by naming one of them."""
    paths = actor.region_paths(PATROLLERS)
    if data.get("lat") is not None and data.get("lng") is not None:
        where = where_point(actor.city_id, data["lng"], data["lat"])
    elif data.get("grid_id") is not None:
        where = _where_grid(get_region(actor.city_id, data["grid_id"]))
    elif len(paths) == 1:
        where = _where_grid(get_region(actor.city_id, int(paths[0].strip("/").split("/")[-1])))
    else:
        raise ValidationFailed("请提供位置或网格", details={"location": ["required"]})
    if where.grid_id is None or not covers(paths, where.region_path):
        raise Forbidden("巡查上报只能报送本人负责的网格")
    return where


def _hotline_where(actor: Actor, data: dict) -> Where:
    """Placed by a map pin, a grid, or the caller's words found in the registry's addresses."""
    HOTLINE.require(actor)
    if data.get("lat") is not None and data.get("lng") is not None:
        where = where_point(actor.city_id, data["lng"], data["lat"])
    elif data.get("grid_id") is None and data.get("address"):
        spot = addresses.locate(actor.city_id, data["address"], None)
        where = Where(spot.grid_id, spot.community_id, spot.region_path, False)
    elif data.get("grid_id") is not None:
        region = get_region(actor.city_id, data["grid_id"])
        if region.level != "grid":
            raise ValidationFailed("请选择网格", details={"grid_id": ["not_a_grid"]})
        where = _where_grid(region)
    else:
        raise ValidationFailed("请提供来电反映的位置或所属网格", details={"location": ["required"]})
    require_region(actor, actor.city_id, where.region_path, roles=HOTLINE)
    return where


def submit_report(actor: Actor, data: dict, uploads: list[photo_service.Upload], claim=None):
    """A resident's report from a scanned code (`code`) or with the phone's position (`lat`, `lng`)."""
    case_service.RESIDENTS.require(actor)
    data = coordinates.located(data)
    if data.get("anonymous") and (data.get("contact_name") or data.get("contact_phone")):
        raise ValidationFailed("匿名反映不需要填写联系方式", details={"contact_phone": ["anonymous"]})
    return _intake(
        actor, data, uploads, claim, photos_required=True, locate=lambda: _resident_where(actor, data), screen=_resident_screen,
    )


def _resident_screen(category: Category, data: dict) -> dict:
    """A resident's report stops at an emergency category's notice, and answers the category's questions."""
    category_rules.refuse_urgent(category)
    return {**data, "answers": category_rules.checked_answers(category, data.get("answers"))}


def _open311_screen(category: Category, data: dict) -> dict:
    category_rules.refuse_urgent(category)
    return data


def submit_patrol(actor: Actor, data: dict, uploads: list[photo_service.Upload], claim=None):
    """A grid worker's patrol finding: accepted and assigned to that worker at once."""
    data = coordinates.located(data)
    return _intake(actor, data, uploads, claim, photos_required=True, locate=lambda: ("patrol", _patrol_where(actor, data)))


def submit_for_grid(actor: Actor, grid: Region, data: dict, uploads: list[photo_service.Upload], claim=None, *, note: str):
    """A report by someone who serves part of a grid without being its worker (a building or unit head,
    services.neighbourhood.heads): placed in that grid like a resident's report, its origin on the timeline."""
    data = coordinates.located(data)
    return _intake(
        actor, {**data, "intake_note": note}, uploads, claim, photos_required=True,
        locate=lambda: ("location", _where_grid(grid)), screen=_resident_screen,
    )


def file_conversation(actor: Actor, grid: Region, data: dict, stored, *, note: str, follower_user_id: int) -> Case:
    """A direct-line conversation (services.direct_line) filed by the staff member who answered it, inside
    their unit of work: a patrol-style case in the conversation's grid, with its text and photos, noting
    its origin on the timeline and followed by the resident. The grid's own worker takes it at once;
    the police officer or property staff hand it to the grid's workers."""
    case = _create(actor, "patrol", _where_grid(grid), {**data, "intake_note": note}, stored)
    case_service._add_follower(case, follower_user_id)
    return case


def my_patrols(actor: Actor):
    """The worker's own patrol findings, newest first: what they filed on their rounds and how far each got."""
    PATROLLERS.require(actor)
    return (
        select(Case)
        .where(Case.city_id == actor.city_id, Case.reporter_user_id == actor.user_id, Case.channel == "patrol")
        .order_by(Case.created_at.desc(), Case.id.desc())
    )


def patrol_grids(actor: Actor) -> list[Region]:
    """The grids a worker patrols: one to name when the phone cannot tell where they are."""
    PATROLLERS.require(actor)
    return [get_region(actor.city_id, g.region_id) for g in actor.grants if g.role in PATROLLERS and g.region_id is not None]


def submit_hotline(actor: Actor, data: dict, uploads: list[photo_service.Upload], claim=None):
    """Staff enter a 12345 call for a caller without an account here; the caller's number stays private."""
    data = coordinates.located(data)
    return _intake(actor, data, uploads, claim, photos_required=False, locate=lambda: ("hotline", _hotline_where(actor, data)))


def submit_open311(
    actor: Actor, data: dict, uploads: list[photo_service.Upload], claim=None, *, within: str | None = None,
    recorded: Callable[[Case], None] | None = None,
):  # fmt: skip
    """An Open311 client files for a person without an account here: placed by a code's token
    (`code`), a position, or a written address found in the registry (services.regions.addresses),
    kept inside the key's subtree `within`; contact details stay private.
    `recorded(case)` adds the client's own record of the request in the same unit of work."""
    return _intake(
        actor, data, uploads, claim, photos_required=False,
        locate=lambda: ("open311", _open311_where(actor, data, within)),
        replay=lambda case_id: case_service.get_case(actor.city_id, case_id), recorded=recorded, screen=_open311_screen,
    )  # fmt: skip


def _open311_where(actor: Actor, data: dict, within: str | None) -> Where:
    lat, lng = data.get("lat"), data.get("lng")
    if data.get("code"):
        where = where_code(actor, data["code"], lat, lng)
    elif lat is not None and lng is not None:
        where = where_point(actor.city_id, lng, lat)
    elif data.get("address"):
        spot = addresses.locate(actor.city_id, data["address"], within)
        where = Where(spot.grid_id, spot.community_id, spot.region_path, False)
    else:
        raise ValidationFailed("请提供经纬度、二维码编号或文字地址", details={"location": ["required"]})
    if within is not None and not covers([within], where.region_path):
        raise Forbidden("该位置不在接口密钥的服务范围内", code="outside_key_scope")
    return where


def _intake(actor, data, uploads, claim, *, photos_required, locate, replay=None, recorded=None, screen=None):
    """Checks first (no writes), files next (outside any transaction), rows last (one unit of work).

    A retry with a known Idempotency-Key is answered before any photo work. `screen(category, data)`
    is the channel's own check of what the category asks (returning the data to file).
    """
    replay = replay or (lambda case_id: case_service.visible_case(actor, case_id))
    earlier = idempotency.replay(claim, replay)
    if earlier is not None:
        return earlier
    category = active_category(actor.city_id, data["category_id"])
    if screen is not None:
        data = screen(category, data)
    channel, where = locate()
    return photo_service.stored_then(
        uploads,
        lambda stored: idempotency.create(claim, "case", lambda: _create(actor, channel, where, data, stored, recorded), replay),
        required=photos_required, uploaded=len(data.get("upload_ids") or []),
    )


def _create(actor: Actor, channel: str, where: Where, data: dict, stored, recorded=None) -> Case:
    category = active_category(actor.city_id, data["category_id"])
    resident = channel in ("code", "location")
    case = Case(
        city_id=actor.city_id,
        channel=channel,
        state=S.SUBMITTED,
        category_id=category.id,
        grid_id=where.grid_id,
        community_id=where.community_id,
        region_path=where.region_path,
        outside_grid=where.outside_grid,
        code_id=where.code_id,
        place_label=where.place_label or data.get("address"),
        description=data.get("description") or "",
        lat=data.get("lat"),
        lng=data.get("lng"),
        address=data.get("address"),
        answers_json=json.dumps(data["answers"], ensure_ascii=False) if data.get("answers") else None,
        department_kind=routed_department_kind(category),
        reporter_user_id=actor.user_id if channel not in ("hotline", "open311") else None,
        entered_by_user_id=None if resident else actor.user_id,
        anonymous=bool(data.get("anonymous")),
        contact_name=data.get("contact_name"),
        contact_phone=data.get("contact_phone"),
    )
    db.session.add(case)
    db.session.flush()
    note = {"hotline": "12345 热线来电登记", "patrol": "网格员巡查上报", "open311": "Open311 接口提交"}.get(channel, "")
    # A channel may say more about where the report came from (an Open311 client's media link).
    note = data.get("intake_note") or note
    event = case_service.add_event(case, "submit", actor, None, note)
    case_service.attach_photos(case, event, "before", [*stored, *photo_uploads.claim(actor, data.get("upload_ids") or [])])
    if channel == "patrol" and covers(actor.region_paths(PATROLLERS), where.region_path):
        case_service.accept(actor, case.id)
        case_service.assign(actor, case.id)
    else:
        _tell_the_grid(case, actor)
    if channel == "hotline" and data.get("sms_consent"):
        db.session.add(HotlineFollowUp(city_id=case.city_id, case_id=case.id, round=0, status="waiting"))
    if recorded is not None:
        recorded(case)
    return case


def _tell_the_grid(case: Case, actor: Actor) -> None:
    """Who hears of a new case follows its category's route: the grid's workers for a grid worker's category,
    the community's admins (its triage) for a department's or an off-grid case, both for an urgent one."""
    category = case.category
    triage = case.grid_id is None or category.default_route == "department"
    people = [] if case.grid_id is None or (triage and not category.is_urgent) else [u.id for u in grid_workers(case.grid)]
    if triage or category.is_urgent:
        people += list(
            db.session.scalars(
                select(RoleGrant.user_id).where(
                    RoleGrant.city_id == case.city_id,
                    RoleGrant.role == Role.COMMUNITY_ADMIN.value,
                    RoleGrant.region_id == case.community_id,
                )
            )
        )
    people = list(dict.fromkeys(p for p in people if p != actor.user_id))
    if people:
        title = f"{'【紧急】' if category.is_urgent else ''}新{'的网格外' if case.outside_grid else ''}案件：{category.name}"
        notify_and_push(case.city_id, people, "case_new", title, case.description[:60], ("case", case.id))


def _code_id(actor: Actor, token: str | None) -> int | None:
    if not token:
        return None
    from gridapp.services.codes.issuing import locate_code

    located = locate_code(token)
    if located.city_id != actor.city_id:
        raise NotFound("二维码不存在", code="code_not_found")
    return located.code_id


def similar_for_reporter(actor: Actor, category_id: int, where: dict) -> list[Case]:
    """Before sending: open reports of the same thing here, offered as "already reported — follow it instead?".

    `where` is the spot as the report would send it: `code`, or `lat`/`lng` in `coord_system`."""
    case_service.RESIDENTS.require(actor)
    active_category(actor.city_id, category_id)
    where = coordinates.located(where)
    code_id = _code_id(actor, where.get("code"))
    return case_service.similar(actor.city_id, category_id, code_id=code_id, lat=where.get("lat"), lng=where.get("lng"))


def follow_instead(actor: Actor, case_id: int, where: dict) -> Case:
    """Follow one of the cases `similar_for_reporter` offered for the same `where`."""
    case_service.RESIDENTS.require(actor)
    where = coordinates.located(where)
    code_id = _code_id(actor, where.get("code"))
    return case_service.follow(actor, case_id, code_id=code_id, lat=where.get("lat"), lng=where.get("lng"))
