"""Supervision (督办): nudges, instructions, whistles and report-ins, the overdue list, unit scores."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.clock import month_of, now
from gridapp.pagination import paginate
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import workflow as cases
from gridapp.services.regions.tree import visible_region
from gridapp.services.supervision import oversight as supervision
from gridapp.services.supervision import scores, sla
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import IDEMPOTENCY_HEADER, ApiBlueprint
from mobile_api.schemas.cases import CaseSchema
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.supervision import (
    InstructionBodySchema,
    InstructionSchema,
    NudgeBodySchema,
    NudgeSchema,
    OverdueArgsSchema,
    ReportInBodySchema,
    ScoreArgsSchema,
    ScoreSchema,
    SupervisionSchema,
    WhistleBodySchema,
    WhistleSchema,
    WhistleTargetSchema,
)

blp = ApiBlueprint("supervision", __name__, url_prefix="/api/v1", description="督办：超时预警、拍一拍、批示、吹哨报到、单位积分")

SECURITY = [{"bearer": []}]


def _as_is(row):
    return row  # the response schema serialises it


@blp.route("/cases/<int:case_id>/supervision")
class CaseSupervision(MethodView):
    @allow(cases.READERS, scope="case_region_tree")
    @blp.response(200, SupervisionSchema)
    @blp.doc(security=SECURITY)
    def get(self, case_id):
        """The case's SLA clock, instructions (newest first), whistles with report-ins, and nudge count."""
        actor = current_actor()
        case = cases.visible_case(actor, case_id)
        return {
            "sla": sla.view(case),
            "instructions": supervision.instructions(case),
            "whistles": supervision.whistles(case),
            "nudges": supervision.nudge_count(case),
        }


@blp.route("/cases/<int:case_id>/nudge")
class CaseNudge(MethodView):
    @allow(supervision.NUDGERS, scope="case_region_tree")
    @blp.arguments(NudgeBodySchema)
    @blp.response(201, NudgeSchema)
    @blp.alt_response(409, description="案件已办结，无需催办 (`invalid_transition`)")
    @blp.alt_response(429, description="该案件一小时内被拍一拍的次数已达上限 (`nudge_limit`, details.retry_after 秒)")
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body, case_id):
        """拍一拍: remind the case's current handler (a notification, a timeline step, counted on their record).

        At most NUDGE_LIMIT_PER_CASE_HOUR nudges per case in any hour, from everyone together.
        """
        actor = current_actor()
        claim = request_claim(actor, {"case_id": case_id, **body})
        return created(supervision.nudge(actor, case_id, body["note"], claim), _as_is)


@blp.route("/cases/<int:case_id>/instructions")
class CaseInstructions(MethodView):
    @allow(supervision.INSTRUCTORS, scope="case_region_tree")
    @blp.arguments(InstructionBodySchema)
    @blp.response(201, InstructionSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body, case_id):
        """批示: a written instruction pushed to the handler and the community, shown first on the case."""
        actor = current_actor()
        claim = request_claim(actor, {"case_id": case_id, **body})
        return created(supervision.instruct(actor, case_id, body["text"], claim), _as_is)


@blp.route("/cases/<int:case_id>/whistles")
class CaseWhistles(MethodView):
    @allow(supervision.WHISTLERS, scope="case_region_tree")
    @blp.arguments(WhistleBodySchema)
    @blp.response(201, WhistleSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body, case_id):
        """吹哨: call departments serving the place to report in by the grade's deadline."""
        actor = current_actor()
        claim = request_claim(actor, {"case_id": case_id, "department_ids": sorted(body["department_ids"]), "grade": body["grade"], "note": body["note"]})
        whistle = supervision.blow_whistle(actor, case_id, body["department_ids"], body["grade"], body["note"], claim)
        return created(whistle, _as_is)


@blp.route("/whistle-targets")
class MyReportIns(MethodView):
    @allow(supervision.REPORTERS_IN, scope="own_department")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(WhistleTargetSchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Whistles the caller's departments must still report in to, soonest deadline first."""
        return paginate(supervision.my_report_ins(current_actor()), args)


@blp.route("/whistle-targets/<int:target_id>/report-in")
class ReportIn(MethodView):
    @allow(supervision.REPORTERS_IN, scope="own_department")
    @blp.arguments(ReportInBodySchema)
    @blp.response(200, WhistleTargetSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, target_id):
        """报到: the department answers the whistle (after the deadline it counts as late)."""
        return supervision.report_in(current_actor(), target_id, body["note"])


@blp.route("/supervision/overdue")
class Overdue(MethodView):
    @allow(supervision.OVERDUE_READERS, scope="region_tree")
    @blp.arguments(OverdueArgsSchema, location="query")
    @blp.response(200, page_of(CaseSchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Overdue cases under the caller's part of the tree (or one visible node), most escalated first."""
        actor = current_actor()
        region = visible_region(actor, args.pop("region_id")) if args.get("region_id") else None
        page = paginate(supervision.overdue(actor, region), args)
        page["items"] = [case_views.summary(actor, case) for case in page["items"]]
        return page


@blp.route("/supervision/scores")
class Scores(MethodView):
    @allow(scores.READERS, scope="city")
    @blp.arguments(ScoreArgsSchema, location="query")
    @blp.response(200, ScoreSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """The departments' unit scores for a month, ranked (computed hourly by the scheduler)."""
        return scores.ranking_for(current_actor(), args.get("month") or month_of(now()))
