"""Below and beside the grid: the grid worker appoints building, unit and ten-household heads, who see and report in
their own charge; officials plan patrols on a cadence and follow each period's coverage. (The grid's police officer
and judge are named with its contacts: /api/v1/direct-line/contacts, kinds police and judge.)"""
from __future__ import annotations

import json

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.cases import presentation as case_views
from gridapp.services.neighbourhood import heads, patrols
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim, uploads
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.cases import CaseSchema
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.neighbourhood import (
    CoverageArgsSchema,
    CoverageSchema,
    HeadArgsSchema,
    HeadChargesSchema,
    HeadCreateSchema,
    HeadReportFormSchema,
    HeadSchema,
    NeighbourhoodEventSchema,
    PatrolPlanChangeSchema,
    PatrolPlanCreateSchema,
    PatrolPlanSchema,
    PatrolRoundCreateSchema,
    PatrolRoundSchema,
)

blp = MultipartBlueprint("neighbourhood", __name__, url_prefix="/api/v1", description="楼栋长、单元长、十户长与巡查计划")

IDEMPOTENCY_HEADER = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}}]
ERROR_TEXT = {
    401: "Not signed in", 403: "Role or scope not allowed", 404: "No such appointment, plan or grid",
    409: "Already appointed", 422: "Bad input; nothing changed",
}


def documented(operation_id: str, *statuses: int, parameters=()):
    return blp.documented(operation_id, {status: ERROR_TEXT[status] for status in statuses}, parameters)


def _events(page: dict) -> dict:
    items = [{"id": e.id, "created_at": e.created_at, "actor_user_id": e.actor_user_id, "action": e.action,
              "before": json.loads(e.before_json) if e.before_json else None, "after": json.loads(e.after_json)}
             for e in page["items"]]
    return {**page, "items": items}


@blp.route("/neighbourhood/heads")
class Heads(MethodView):
    @allow(heads.APPOINTERS, scope="own_grids")
    @blp.arguments(HeadArgsSchema, location="query")
    @blp.response(200, page_of(HeadSchema))
    @documented("listNeighbourhoodHeads", 401, 403, 404, 422)
    def get(self, args):
        """A grid's building, unit and ten-household heads, active first."""
        return paginate(heads.listed(current_actor(), args["grid_id"]), args)

    @allow(heads.APPOINTERS, scope="own_grids")
    @blp.arguments(HeadCreateSchema)
    @blp.response(201, HeadSchema)
    @documented("appointNeighbourhoodHead", 401, 403, 404, 409, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Appoint a resident head of a building, a unit (building + unit) or up to 20 households of the grid."""
        actor = current_actor()
        return created(heads.appoint(actor, body, request_claim(actor, body)), lambda row: row)


@blp.route("/neighbourhood/heads/<int:head_id>/end")
class HeadEnd(MethodView):
    @allow(heads.APPOINTERS, scope="own_grids")
    @blp.response(200, HeadSchema)
    @documented("endNeighbourhoodHead", 401, 403, 404)
    def post(self, head_id):
        """End an appointment; the role goes with the resident's last appointment of its kind in the grid."""
        return heads.end(current_actor(), head_id)


@blp.route("/neighbourhood/heads/<int:head_id>/events")
class HeadEvents(MethodView):
    @allow(heads.APPOINTERS, scope="own_grids")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(NeighbourhoodEventSchema))
    @documented("listNeighbourhoodHeadEvents", 401, 403, 404, 422)
    def get(self, args, head_id):
        """The appointment's history: who appointed or ended it, when, before and after."""
        return _events(paginate(heads.events(current_actor(), head_id), args))


@blp.route("/neighbourhood/my-charge")
class MyCharge(MethodView):
    @allow(heads.HEADS, scope="own_charge")
    @blp.response(200, HeadChargesSchema)
    @documented("getMyNeighbourhoodCharge", 401, 403)
    def get(self):
        """The head's appointments, each with its households (the door, how many live there, names masked)."""
        return {"items": heads.my_charge(current_actor())}


@blp.route("/neighbourhood/my-charge/<int:head_id>/reports")
class ChargeReports(MethodView):
    @allow(heads.HEADS, scope="own_charge")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CaseSchema))
    @documented("listMyChargeReports", 401, 403, 422)
    def get(self, args, head_id):
        """The head's reports in the grids they serve, newest first."""
        actor = current_actor()
        page = paginate(heads.my_reports(actor), args)
        return {**page, "items": [case_views.summary(actor, case) for case in page["items"]]}

    @allow(heads.HEADS, scope="own_charge")
    @blp.arguments(HeadReportFormSchema, location="files")
    @blp.response(201, CaseSchema)
    @documented("reportFromMyCharge", 401, 403, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, form, head_id):
        """Report a problem in the head's charge (1-9 photos); it lands in the grid like a resident's report,
        marked on its timeline as the head's."""
        actor = current_actor()
        photos = uploads(form.pop("photos"))
        result = heads.report(actor, head_id, form, photos, request_claim(actor, form, photos))
        return created(result, lambda case: case_views.summary(actor, case))


@blp.route("/patrol-plans")
class PatrolPlans(MethodView):
    @allow(patrols.PATROLLERS, scope="region_tree_or_own_plans")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PatrolPlanSchema))
    @documented("listPatrolPlans", 401, 403, 422)
    def get(self, args):
        """Plans over the caller's part of the tree and the ones they walk, active first."""
        return paginate(patrols.listed(current_actor()), args)

    @allow(patrols.PLANNERS, scope="region_tree")
    @blp.arguments(PatrolPlanCreateSchema)
    @blp.response(201, PatrolPlanSchema)
    @documented("createPatrolPlan", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Plan the patrols of a community (weekly by default), street (monthly) or district (quarterly)."""
        actor = current_actor()
        return created(patrols.create(actor, body, request_claim(actor, body)), lambda row: row)


@blp.route("/patrol-plans/<int:plan_id>")
class PatrolPlan(MethodView):
    @allow(patrols.PATROLLERS, scope="region_tree_or_own_plans")
    @blp.response(200, PatrolPlanSchema)
    @documented("getPatrolPlan", 401, 403, 404)
    def get(self, plan_id):
        return patrols.visible(current_actor(), plan_id)

    @allow(patrols.PLANNERS, scope="region_tree")
    @blp.arguments(PatrolPlanChangeSchema)
    @blp.response(200, PatrolPlanSchema)
    @documented("changePatrolPlan", 401, 403, 404, 422)
    def patch(self, body, plan_id):
        """Rename, change the cadence or patroller, or stop the plan (is_active false); appended to its history."""
        return patrols.change(current_actor(), plan_id, body)


@blp.route("/patrol-plans/<int:plan_id>/rounds")
class PatrolRounds(MethodView):
    @allow(patrols.PATROLLERS, scope="region_tree_or_own_plans")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PatrolRoundSchema))
    @documented("listPatrolRounds", 401, 403, 404, 422)
    def get(self, args, plan_id):
        return paginate(patrols.rounds(current_actor(), plan_id), args)

    @allow(patrols.PATROLLERS, scope="region_tree_or_own_plans")
    @blp.arguments(PatrolRoundCreateSchema)
    @blp.response(201, PatrolRoundSchema)
    @documented("addPatrolRound", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body, plan_id):
        """A grid (and optionally one of its public places) walked on the plan's patrol."""
        actor = current_actor()
        return created(patrols.add_round(actor, plan_id, body, request_claim(actor, body)), lambda row: row)


@blp.route("/patrol-plans/<int:plan_id>/coverage")
class PatrolCoverage(MethodView):
    @allow(patrols.PATROLLERS, scope="region_tree_or_own_plans")
    @blp.arguments(CoverageArgsSchema, location="query")
    @blp.response(200, CoverageSchema)
    @documented("getPatrolCoverage", 401, 403, 404, 422)
    def get(self, args, plan_id):
        """Which grids under the plan were patrolled in this period (or `back` periods ago), and which not."""
        return patrols.coverage(current_actor(), plan_id, args["back"])
