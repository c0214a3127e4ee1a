"""The GeoReport v2 methods: parse the spec's parameters, call one service, spell its answer as entries, render XML or JSON."""
from __future__ import annotations

from flask import current_app, request

from gridapp.errors import NotFound
from gridapp.open311 import entries, params, statuses
from gridapp.open311.blueprint import bp
from gridapp.open311.render import render
from gridapp.services.open311 import requests as open311
from gridapp.services.open311 import work_orders
from gridapp.storable import storable_text
from gridapp.web.access import public
from gridapp.web.idempotency import REPLAYED_HEADER, request_claim, uploads

FMT = "<any(xml,json):fmt>"


def _caller(args: dict, *, key_required: bool = False) -> open311.Caller:
    return open311.caller(args.get("api_key"), args.get("jurisdiction_id"), key_required=key_required)


@bp.get(f"/discovery.{FMT}")
@public(scope="open311_discovery")
def discovery(fmt):
    return render(fmt, "discovery", entries.discovery(current_app.config["PUBLIC_BASE_URL"]))


@bp.get(f"/v2/services.{FMT}")
@public(scope="open311_read")
def services(fmt):
    who = _caller(params.load(params.Open311Args, request.args))
    return render(fmt, "services", [entries.service_entry(c) for c in open311.services(who)])


@bp.get(f"/v2/services/<service_code>.{FMT}")
@public(scope="open311_read")
def service_definition(service_code, fmt):
    who = _caller(params.load(params.Open311Args, request.args))
    if not storable_text(service_code):
        raise NotFound("service_code 不存在", code="service_not_found")
    return render(fmt, "service_definition", entries.service_definition(open311.service(who, service_code)))


@bp.post(f"/v2/requests.{FMT}")
@public(scope="open311_api_key")
def create_request(fmt):
    form = params.load(params.CreateForm, params.with_query_key(request.form, request.args))
    who = _caller(form, key_required=True)
    photos = uploads(request.files.getlist("media"))
    attributes = params.attributes(request.form)
    claim = request_claim(who, dict(form, attributes=attributes), photos)
    created = open311.create_request(who, form, attributes, photos, claim)
    headers = {REPLAYED_HEADER: "true"} if created.replayed else {}
    return render(fmt, "service_requests", [entries.created_entry(created)], status=201, headers=headers)


@bp.post(f"/v2/work_orders.{FMT}")
@public(scope="open311_api_key")
def push_work_order(fmt):
    """Our extension for 12345 platforms: a re-push of the same order_no answers the same request (200)."""
    form = params.load(params.WorkOrderForm, params.with_query_key(request.form, request.args))
    who = _caller(form, key_required=True)
    pushed = work_orders.push(who, form, params.attributes(request.form), uploads(request.files.getlist("media")))
    entry = {"service_request_id": str(pushed.case.id), "order_no": pushed.work_order.order_no}
    return render(fmt, "service_requests", [entry], status=200 if pushed.replayed else 201)


@bp.get(f"/v2/requests.{FMT}")
@public(scope="open311_read")
def requests(fmt):
    args = params.load(params.RequestsArgs, request.args)
    who = _caller(args)
    found = open311.requests(
        who, ids=args.get("service_request_id"), service_codes=args.get("service_code"), start=args.get("start_date"),
        end=args.get("end_date"), states=statuses.states_for(args.get("status")), page=args["page"],
        page_size=args["page_size"],
    )  # fmt: skip
    return render(fmt, "service_requests", [entries.request_entry(p) for p in open311.published(who, found)])


@bp.get(f"/v2/requests/<service_request_id>.{FMT}")
@public(scope="open311_read")
def request_item(service_request_id, fmt):
    who = _caller(params.load(params.Open311Args, request.args))
    case_id = params.request_id(service_request_id)
    if case_id is None:
        raise NotFound("service_request_id 不存在", code="request_not_found")
    case = open311.request_by_id(who, case_id)
    return render(fmt, "service_requests", [entries.request_entry(p) for p in open311.published(who, [case])])


@bp.get(f"/v2/tokens/<token>.{FMT}")
@public(scope="open311_read")
def token(token, fmt):
    who = _caller(params.load(params.Open311Args, request.args))
    if not storable_text(token):
        raise NotFound("token 不存在", code="token_not_found")
    case_id = open311.request_id_for_token(who, token)
    return render(fmt, "service_requests", [entries.token_entry(case_id, token)])


@bp.get(f"/v2/servicerequestupdates.{FMT}")
@public(scope="open311_read")
def updates(fmt):
    args = params.load(params.PagedArgs, request.args)
    who = _caller(args)
    found = open311.updates(
        who, start=args.get("start_date"), end=args.get("end_date"), ids=args.get("service_request_id"),
        page=args["page"], page_size=args["page_size"],
    )  # fmt: skip
    return render(fmt, "service_requests_updates", [entries.update_entry(case, event) for case, event in found])


@bp.post(f"/v2/servicerequestupdates.{FMT}")
@public(scope="open311_api_key")
def post_update(fmt):
    form = params.load(params.UpdateForm, params.with_query_key(request.form, request.args))
    who = _caller(form, key_required=True)
    posted = open311.post_update(who, form, request_claim(who, form))
    headers = {REPLAYED_HEADER: "true"} if posted.replayed else {}
    return render(fmt, "service_request_updates", [entries.posted_update_entry(posted.event)], status=201, headers=headers)
