"""Venue check-in (店铺/场所登记码): a visitor checks in by scanning; officials look up visitors, each look audited."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.codes import venue_checkins
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.venues import LookupBodySchema, LookupResultSchema, LookupSchema, VenueCheckInSchema

blp = ApiBlueprint("venues", __name__, url_prefix="/api/v1", description="场所登记：扫码登记与访客查询（留痕）")

IDEMPOTENCY = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first check-in"}]


@blp.route("/scan/<token>/check-in")
class CheckIn(MethodView):
    @allow(venue_checkins.VISITORS, scope="signed_in_scanner")
    @blp.response(201, VenueCheckInSchema)
    @blp.documented("checkInAtVenue", {401: "Not signed in", 403: "A code of another city", 404: "Unknown code", 410: "Code withdrawn",
                                       422: "Not a shop or place code"}, IDEMPOTENCY)
    def post(self, token):
        """Check in at the shop or place of this code; scanning again within 30 minutes answers the same check-in.
        Kept CHECKIN_RETENTION_DAYS, then deleted."""
        actor = current_actor()
        return created(venue_checkins.check_in(actor, token, request_claim(actor, {"token": token})), lambda row: row)


@blp.route("/me/check-ins")
class MyCheckIns(MethodView):
    @allow(venue_checkins.VISITORS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(VenueCheckInSchema))
    @blp.documented("listMyCheckIns", {401: "Not signed in", 422: "Bad paging"})
    def get(self, args):
        """My check-ins, newest first (only those retention has not removed yet)."""
        return paginate(venue_checkins.mine(current_actor()), args)


@blp.route("/me/check-ins/<int:checkin_id>")
class MyCheckIn(MethodView):
    @allow(venue_checkins.VISITORS, scope="self")
    @blp.response(204)
    @blp.documented("deleteMyCheckIn", {401: "Not signed in", 404: "Not one of my check-ins"})
    def delete(self, checkin_id):
        """Delete one of my check-ins now (it is gone for every later lookup)."""
        venue_checkins.delete_mine(current_actor(), checkin_id)


@blp.route("/venues/visitor-lookups")
class Lookups(MethodView):
    @allow(venue_checkins.LOOKERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(LookupSchema))
    @blp.documented("listVenueLookups", {401: "Not signed in", 403: "Not an official", 422: "Bad paging"})
    def get(self, args):
        """The audit: every lookup of visitors at venues in my part of the city, newest first."""
        return paginate(venue_checkins.lookups(current_actor()), args)

    @allow(venue_checkins.LOOKERS, scope="region_tree")
    @blp.arguments(LookupBodySchema)
    @blp.response(201, LookupResultSchema)
    @blp.documented("lookUpVenueVisitors", {401: "Not signed in", 403: "Not an official over this venue", 404: "Unknown code",
                                            410: "Code withdrawn", 422: "Not a venue code, no reason, or a bad window"})
    def post(self, body):
        """Who checked in at the venue of `code` in a window within retention, with a reason; the lookup is
        appended to the audit before the visitors are answered."""
        lookup, visitors = venue_checkins.look_up(current_actor(), body["code"], body["reason"], body["since"], body["until"])
        return {"lookup": lookup, "visitors": visitors}, 201
