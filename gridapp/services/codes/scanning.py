"""Scanning a code: one service behind both doors (the H5 page and the JSON API).

Every scan of a live code is logged (code, time, scanner or nobody, browser) and
counted on the code, in batches (scan_log.py). Revoked and replaced codes answer Gone
and unknown tokens NotFound before anything is logged or shown. Anonymous scans are
answered from memory while the code and everything its view shows are unchanged
(anonymous_views.py), so the hot path of a passer-by's scan touches no database.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gridapp.authz import Actor
from gridapp.clock import now
from gridapp.errors import Conflict, Forbidden, RateLimited, ValidationFailed
from gridapp.extensions import db
from gridapp.models import ContactRequest, HouseholdAccessLog, HouseholdMember, QrCode, Rating
from gridapp.services.codes import anonymous_views, entities, move_requests, scan_log, visits
from gridapp.services.codes import scan_rules as scan_views
from gridapp.services.codes.issuing import live_code
from gridapp.services.links import households as members
from gridapp.services.notifications.inbox import notify
from gridapp.services.participation import ratings as rating_follow_ups
from gridapp.services.regions.tree import get_region, grid_workers
from gridapp.unit_of_work import unit_of_work

# Anti-harassment: one request per scanner and code in this window, and a daily cap.
CONTACT_WINDOW = timedelta(minutes=10)
CONTACT_DAILY_CAP = 10


def _context(token: str, actor: Actor | None):
    code = live_code(token)
    if actor is not None and actor.city_id != code.city_id:
        actor = None  # a session from another city means nothing here
    entity = entities.get_entity(code.city_id, code.entity_type, code.entity_id, active_only=False)
    region_id = entities.region_id_of("user", entity) if code.entity_type == "user" else code.region_id
    region = get_region(code.city_id, region_id) if region_id is not None else None
    return code, actor, entity, region


def scan(token: str, actor: Actor | None, *, channel: str, user_agent: str | None = None) -> dict:
    """The view of a code for whoever scans it (read-only: an anonymous view is shared by every scan)."""
    if actor is None:
        return anonymous_scan(token, channel=channel, user_agent=user_agent).view
    return _signed_in_scan(token, actor, channel=channel, user_agent=user_agent)


def anonymous_scan(token: str, *, channel: str, user_agent: str | None = None) -> anonymous_views.AnonymousView:
    """A scan by nobody in particular: this server's copy of the view while it is current, and the scan counted."""
    copy = anonymous_views.cached(token) or _anonymous_view(token)
    scan_log.record(copy.city_id, copy.code_id, user_id=None, viewer="anonymous", channel=channel, user_agent=user_agent)
    return copy


def _anonymous_view(token: str) -> anonymous_views.AnonymousView:
    stamp = anonymous_views.stamp(live_code(token).city_id)
    code, _actor, entity, region = _context(token, None)
    view = scan_views.build(code, entity, region, "anonymous", None)
    copy = anonymous_views.keep(token, code, view, stamp)
    db.session.rollback()  # only read: end the transaction rather than hold a snapshot (or SQLite's lock)
    return copy


@unit_of_work
def _signed_in_scan(token: str, actor: Actor, *, channel: str, user_agent: str | None) -> dict:
    code, actor, entity, region = _context(token, actor)
    standing = scan_views.standing(actor, code, entity, region)
    view = scan_views.build(code, entity, region, standing, actor)
    if "household" in view and standing != "member":
        household_id = view["household"]["id"]
        db.session.add(HouseholdAccessLog(city_id=code.city_id, household_id=household_id, user_id=actor.user_id, action="read", via="scan"))
        if standing == "grid_worker":
            visit = visits.open_visit(code.city_id, household_id, actor.user_id, code.id)
            view["visit"] = {"id": visit.id, "notes": visit.notes, "photos": visit.photos}
            view["actions"].append({"action": "visit", "label": "记录入户走访", "href": None, "login_required": False})
    user_id = actor.user_id if actor else None  # a session from another city scans as nobody
    scan_log.record(code.city_id, code.id, user_id=user_id, viewer=standing, channel=channel, user_agent=user_agent)
    return view


@unit_of_work
def rate(token: str, actor: Actor, stars: int, comment: str | None = None) -> dict:
    code, actor_, entity, _region = _context(token, actor)
    if actor_ is None:
        raise Forbidden("请先登录所在城市的账号")
    if code.entity_type not in ("shop", "cadre"):
        raise ValidationFailed("该二维码不支持评价")
    if scan_views.is_member(actor, code, entity):
        raise Forbidden("不能评价自己")
    rating = db.session.scalar(
        select(Rating).where(
            Rating.city_id == code.city_id, Rating.target_type == code.entity_type, Rating.target_id == entity.id,
            Rating.user_id == actor.user_id,
        )
    )
    if rating is None:
        rating = Rating(city_id=code.city_id, target_type=code.entity_type, target_id=entity.id, user_id=actor.user_id)
        db.session.add(rating)
    rating.stars, rating.comment = stars, comment
    db.session.flush()
    rating_follow_ups.rated(rating)
    return scan_views.rating_of(code.city_id, code.entity_type, entity.id)


def _check_rate(code: QrCode, actor: Actor) -> None:
    since = now() - CONTACT_WINDOW
    recent = db.session.scalar(
        select(func.count()).where(
            ContactRequest.city_id == code.city_id, ContactRequest.user_id == actor.user_id,
            ContactRequest.code_id == code.id, ContactRequest.created_at >= since,
        )
    )
    today = db.session.scalar(
        select(func.count()).where(
            ContactRequest.city_id == code.city_id, ContactRequest.user_id == actor.user_id,
            ContactRequest.created_at >= now() - timedelta(days=1),
        )
    )
    if recent or today >= CONTACT_DAILY_CAP:
        raise RateLimited("请求过于频繁，请稍后再试", details={"retry_after_seconds": int(CONTACT_WINDOW.total_seconds())})


@unit_of_work
def contact(token: str, actor: Actor, message: str | None = None) -> dict:
    """Ask the person behind a code to act, without showing anyone's phone to the scanner.

    E-bike: the owner is asked to move it. Outdoor code: the grid worker is asked to get
    in touch. Cadre code: the cadre is. The recipient gets the scanner's name and phone,
    since asking is consent to be called back; the scanner gets nobody's number."""
    code, actor_, entity, region = _context(token, actor)
    if actor_ is None:
        raise Forbidden("请先登录所在城市的账号")
    _check_rate(code, actor)
    label = entities.place_label(code.kind, entity, region)
    caller = db.session.get(entities.MODELS["user"], actor.user_id)
    note = f"（留言：{message}）" if message else ""
    if code.kind == "ebike":
        if scan_views.is_member(actor, code, entity):
            raise ValidationFailed("这是您自己的车辆")
        kind, recipients = "move", []
        title, body = "请您挪车", f"有人请您挪动停放在{region.name if region else ''}的电动车 {entity.plate_no}{note}"
    elif code.kind == "household_outdoor":
        kind, recipients = "contact", [w.id for w in grid_workers(region)] if region else []
        title, body = "居民请求联系", f"{caller.display_name}（{caller.phone or '未留电话'}）在{label}请您联系{note}"
    elif code.kind == "cadre" and entity.user_id:
        kind, recipients = "contact", [entity.user_id]
        title, body = "居民请求联系", f"{caller.display_name}（{caller.phone or '未留电话'}）请您联系{note}"
    else:
        raise ValidationFailed("该二维码不支持此操作")
    if not recipients and code.kind != "ebike":
        raise Conflict("暂时无人接收，请稍后再试")
    request = ContactRequest(city_id=code.city_id, code_id=code.id, user_id=actor.user_id, kind=kind, message=message)
    db.session.add(request)
    if code.kind == "ebike":
        move_requests.ask_owner(entity, request, title, body)
    else:
        notify(code.city_id, recipients, f"code_{kind}", title, body)
    return {"sent": True, "kind": kind}


@unit_of_work
def update_my_member_record(token: str, actor: Actor, phone: str) -> dict:
    """A member changes their own phone on the household record from the indoor code (services.links.households)."""
    code, actor_, household, region = _context(token, actor)
    if actor_ is None or code.kind != "household_indoor" or not scan_views.is_member(actor, code, household):
        raise Forbidden("只有本户成员可以更新本户信息")
    member = db.session.scalar(
        select(HouseholdMember).where(
            HouseholdMember.city_id == code.city_id, HouseholdMember.household_id == household.id,
            HouseholdMember.user_id == actor.user_id,
        )
    )
    return members.correct(actor, member, {"phone": phone})
