"""Risk and care: risk tiers routed to teams, the key-person register (read audited), visits, poverty watch."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.care import register, risk
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.care import (
    CareChangeSchema,
    CareCloseSchema,
    CareCreateSchema,
    CareDetailSchema,
    CareListArgsSchema,
    CareReadSchema,
    CareRecordSchema,
    CareSignalCreateSchema,
    CareVisitCreateSchema,
    RiskListArgsSchema,
    RiskRateSchema,
    RiskRatingEventSchema,
    RiskRatingSchema,
    RiskRouteSchema,
    RiskRoutesSchema,
)
from mobile_api.schemas.common import PageArgsSchema, page_of

blp = ApiBlueprint("care", __name__, url_prefix="/api/v1", description="风险分级与重点人员关爱")

IDEMPOTENCY_HEADER = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}}]
ERROR_TEXT = {
    401: "Not signed in", 403: "Role or scope not allowed", 404: "No such record, rating or subject",
    409: "Already registered, closed, or the observation is not over", 422: "Bad input; nothing changed",
}


def documented(operation_id: str, *statuses: int, parameters=()):
    return blp.documented(operation_id, {status: ERROR_TEXT[status] for status in statuses}, parameters)


@blp.route("/risk/ratings")
class RiskRatings(MethodView):
    @allow(risk.READERS, scope="region_tree_or_team")
    @blp.arguments(RiskListArgsSchema, location="query")
    @blp.response(200, page_of(RiskRatingSchema))
    @documented("listRiskRatings", 401, 403, 422)
    def get(self, args):
        """Risk tiers the caller sees: their part of the tree, or what is routed to their team; red first."""
        page = paginate(risk.listed(current_actor(), args.get("tier"), args.get("subject_kind")), args)
        return {**page, "items": [risk.view(r) for r in page["items"]]}

    @allow(risk.RATERS, scope="region_tree")
    @blp.arguments(RiskRateSchema)
    @blp.response(200, RiskRatingSchema)
    @documented("rateRisk", 401, 403, 404, 422)
    def post(self, body):
        """Set a household's, person's or case's tier; a change is routed to the tier's team and appended as an event."""
        return risk.view(risk.rate(current_actor(), body["subject_kind"], body["subject_id"], body["tier"], body["note"]))


@blp.route("/risk/ratings/<int:rating_id>/events")
class RiskRatingEvents(MethodView):
    @allow(risk.READERS, scope="region_tree_or_team")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(RiskRatingEventSchema))
    @documented("listRiskRatingEvents", 401, 403, 404, 422)
    def get(self, args, rating_id):
        """Every tier change: who, when, from, to, why, which team."""
        return paginate(risk.events(current_actor(), rating_id), args)


@blp.route("/risk/routes")
class RiskRoutes(MethodView):
    @allow(risk.ROUTE_MANAGERS, scope="city")
    @blp.response(200, RiskRoutesSchema)
    @documented("getRiskRoutes", 401, 403)
    def get(self):
        """Which team each tier goes to in this city (a role over the place, or a department)."""
        return risk.routes(current_actor().city_id)


@blp.route("/risk/routes/<tier>")
class RiskRoute(MethodView):
    @allow(risk.ROUTE_MANAGERS, scope="city")
    @blp.arguments(RiskRouteSchema)
    @blp.response(200, RiskRoutesSchema)
    @documented("setRiskRoute", 401, 403, 422)
    def put(self, body, tier):
        """Send a tier to a role or to a department (exactly one); audited with the city's setup."""
        return risk.set_route(current_actor(), tier, body.get("role"), body.get("department_id"))


@blp.route("/care/records")
class CareRecords(MethodView):
    @allow(register.READERS, scope="grid_keepers_designated_or_masked")
    @blp.arguments(CareListArgsSchema, location="query")
    @blp.response(200, page_of(CareRecordSchema))
    @documented("listCareRecords", 401, 403, 422)
    def get(self, args):
        """Key persons and households under watch the caller may read, most overdue first; every row's read is logged."""
        return register.page(current_actor(), args, args)

    @allow(register.KEEPERS, scope="own_grids")
    @blp.arguments(CareCreateSchema)
    @blp.response(201, CareDetailSchema)
    @documented("registerCareRecord", 401, 403, 409, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Put a household member on the key-person register, or a household on poverty watch."""
        actor = current_actor()
        record = register.register(actor, body, request_claim(actor, body))
        return created(record, lambda row: register.detail(actor, row.id))


@blp.route("/care/records/<int:record_id>")
class CareRecord(MethodView):
    @allow(register.READERS, scope="grid_keepers_designated_or_masked")
    @blp.response(200, CareDetailSchema)
    @documented("getCareRecord", 401, 403, 404)
    def get(self, record_id):
        """One record with its visits (and, read whole, its signals and events); the read is logged."""
        return register.detail(current_actor(), record_id)

    @allow(register.KEEPERS, scope="own_grids")
    @blp.arguments(CareChangeSchema)
    @blp.response(200, CareRecordSchema)
    @documented("changeCareRecord", 401, 403, 404, 409, 422)
    def patch(self, body, record_id):
        """Change the visit cadence (the next due date moves), the guardian or the note."""
        return register.change(current_actor(), record_id, body)


@blp.route("/care/records/<int:record_id>/close")
class CareClose(MethodView):
    @allow(register.KEEPERS, scope="own_grids")
    @blp.arguments(CareCloseSchema)
    @blp.response(200, CareRecordSchema)
    @documented("closeCareRecord", 401, 403, 404, 409, 422)
    def post(self, body, record_id):
        """Take a record off the list (销号); a household on poverty watch only after its observation (409 before)."""
        return register.close(current_actor(), record_id, body["reason"])


@blp.route("/care/records/<int:record_id>/signals")
class CareSignals(MethodView):
    @allow(register.KEEPERS, scope="own_grids")
    @blp.arguments(CareSignalCreateSchema)
    @blp.response(200, CareRecordSchema)
    @documented("addCareSignal", 401, 403, 404, 409, 422)
    def post(self, body, record_id):
        """A poverty-relapse signal; the household's observation starts again from it. Answers the record."""
        return register.add_signal(current_actor(), record_id, body["kind"], body["note"])


@blp.route("/care/records/<int:record_id>/visits")
class CareVisits(MethodView):
    @allow(register.VISITORS, scope="own_grids")
    @blp.arguments(CareVisitCreateSchema)
    @blp.response(200, CareRecordSchema)
    @documented("recordCareVisit", 401, 403, 404, 409, 422)
    def post(self, body, record_id):
        """The grid worker's home visit: notes and photos (uploaded first, named by id); the next visit falls due a
        cadence from now. Sent again within two hours (a retry), it adds to the same visit. Answers the record."""
        return register.record_visit(current_actor(), record_id, body["notes"], [], body["upload_ids"])


@blp.route("/care/records/<int:record_id>/reads")
class CareReads(MethodView):
    @allow(register.KEEPERS, scope="own_grids")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CareReadSchema))
    @documented("listCareReads", 401, 403, 404, 422)
    def get(self, args, record_id):
        """Who read the record, whole or masked, and through what; newest first."""
        return paginate(register.reads(current_actor(), record_id), args)
