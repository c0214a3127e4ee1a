"""Scanning codes from the mini-program, and the actions a scan offers."""
from __future__ import annotations

import json

from flask import Response, request
from flask.views import MethodView

from gridapp.authz import SIGNED_IN
from gridapp.pagination import paginate
from gridapp.services.codes import household_reads, visits
from gridapp.services.codes import scan_rules as scan_views
from gridapp.services.codes import scanning as scans
from gridapp.web import rate_limits
from gridapp.web.access import allow, current_actor, public
from gridapp.web.idempotency import uploads
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.scan import (
    ContactBodySchema,
    ContactSentSchema,
    HouseholdReadSchema,
    HouseholdRecordSchema,
    MemberUpdateSchema,
    RatingBodySchema,
    RatingSchema,
    ScanViewSchema,
    VisitFormSchema,
    VisitHistorySchema,
    VisitSchema,
)

blp = ApiBlueprint("scan", __name__, url_prefix="/api/v1", description="扫码：二维码内容与可办事项")


@blp.route("/scan/<token>")
class Scan(MethodView):
    @public(scope="code_view_rules")
    @blp.response(200, ScanViewSchema)
    def get(self, token):
        """What this code shows to the caller (anonymous when no token is sent); 404 unknown, 410 withdrawn."""
        agent, actor = request.headers.get("User-Agent"), current_actor()
        if actor is not None:
            return scans.scan(token, actor, channel="api", user_agent=agent)
        copy = scans.anonymous_scan(token, channel="api", user_agent=agent)
        if "api" not in copy.renderings:  # dumped once per copy: the same view gives the same JSON
            copy.renderings["api"] = json.dumps(ScanViewSchema().dump(copy.view), ensure_ascii=False).encode()
        return Response(copy.renderings["api"], mimetype="application/json")


rate_limits.skip_limits("scan.Scan")  # a scan is never limited: nothing is written while answering it


@blp.route("/scan/<token>/rating")
class Rate(MethodView):
    @allow(SIGNED_IN, scope="signed_in_scanner")
    @blp.arguments(RatingBodySchema)
    @blp.response(200, RatingSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body, token):
        """Rate the shop or cadre of this code (again replaces your earlier stars)."""
        return scans.rate(token, current_actor(), body["stars"], body["comment"])


@blp.route("/scan/<token>/contact")
class Contact(MethodView):
    @allow(SIGNED_IN, scope="signed_in_scanner")
    @blp.arguments(ContactBodySchema)
    @blp.response(202, ContactSentSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body, token):
        """Ask the bike's owner to move it, or the grid worker / cadre to get in touch; no phone is shown. Rate-limited."""
        return scans.contact(token, current_actor(), body["message"])


@blp.route("/scan/<token>/me")
class MemberSelf(MethodView):
    @allow(SIGNED_IN, scope="household_member")
    @blp.arguments(MemberUpdateSchema)
    @blp.response(200, HouseholdRecordSchema)
    @blp.doc(security=[{"bearer": []}])
    def patch(self, body, token):
        """A household member updates their own phone from the indoor code."""
        return scans.update_my_member_record(token, current_actor(), body["phone"])


@blp.route("/me/household-reads")
class MyHouseholdReads(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(HouseholdReadSchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """Who read or changed the records of my households, and when (staff names masked), newest first."""
        return household_reads.my_household_reads(current_actor(), args)


@blp.route("/visits/<int:visit_id>")
class VisitNotes(MethodView):
    @allow(scan_views.VISITORS, scope="own_visit")
    @blp.arguments(VisitFormSchema, location="form", content_type="multipart/form-data")
    @blp.response(200, VisitSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, form, visit_id):
        """Notes and photos (multipart `photos`, up to 9) for a visit opened by scanning."""
        photos = uploads(request.files.getlist("photos"))
        return visits.record_visit(current_actor(), visit_id, form["notes"], photos, form["upload_ids"])


@blp.route("/households/<int:household_id>/visits")
class HouseholdVisits(MethodView):
    @allow(visits.HISTORY_READERS, scope="household_grid_or_subtree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(VisitHistorySchema))
    @blp.documented(
        "listHouseholdVisits",
        {403: "not a worker of the household's grid nor an official over it", 404: "no such household", 422: "invalid page arguments"},
    )
    def get(self, args, household_id):
        """A household's visits (入户走访), newest first: who visited, when, their notes and photos. The read is logged."""
        return paginate(visits.history(current_actor(), household_id).visits, args)
