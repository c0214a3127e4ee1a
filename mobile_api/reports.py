"""The resident's side of 随手拍: send a report with photos, see repeats first, follow one's own reports."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_limiter.util import get_remote_address

from gridapp.extensions import limiter
from gridapp.pagination import paginate
from gridapp.services.cases import intake
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import workflow as cases
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim, uploads
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.cases import CaseBriefSchema, CaseSchema, ReportFormSchema, SimilarArgsSchema
from mobile_api.schemas.common import PageArgsSchema, page_of

blp = MultipartBlueprint("reports", __name__, url_prefix="/api/v1/reports", description="随手拍：居民反映问题")


def per_resident() -> str:
    actor = current_actor()
    return f"user:{actor.city_id}:{actor.user_id}" if actor else get_remote_address()


@blp.route("")
class Reports(MethodView):
    @allow(cases.RESIDENTS, scope="self")
    @limiter.limit(lambda: current_app.config["REPORT_LIMIT_PER_USER"], key_func=per_resident, scope="reports-user")
    @limiter.limit(lambda: current_app.config["REPORT_LIMIT_PER_IP"], key_func=get_remote_address, scope="reports-ip")
    @blp.arguments(ReportFormSchema, location="files")
    @blp.response(201, CaseSchema, headers={"Idempotent-Replayed": {"description": "true when this answers a retry", "schema": {"type": "string"}}})
    @blp.doc(security=[{"bearer": []}], parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 128}}])
    def post(self, form):
        """Send a report: from a scanned code (`code`) or with the phone's position (`lat`/`lng`), with 1-9 photos.

        Send an `Idempotency-Key` header (a random UUID per report): a retry with the same key
        returns the same report instead of filing a second one.
        """
        actor = current_actor()
        photos = uploads(form.pop("photos"))
        result = intake.submit_report(actor, form, photos, request_claim(actor, form, photos))
        return created(result, lambda case: case_views.summary(actor, case))


@blp.route("/mine")
class MyReports(MethodView):
    @allow(cases.RESIDENTS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CaseSchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """Reports the caller sent or follows, newest first."""
        actor = current_actor()
        page = paginate(cases.mine(actor), args)
        page["items"] = [case_views.summary(actor, case) for case in page["items"]]
        return page


@blp.route("/similar")
class SimilarReports(MethodView):
    @allow(cases.RESIDENTS, scope="self")
    @blp.arguments(SimilarArgsSchema, location="query")
    @blp.response(200, CaseBriefSchema(many=True))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """Open reports of the same category at this code or nearby: offer to follow one instead of sending a repeat."""
        found = intake.similar_for_reporter(current_actor(), args.pop("category_id"), args)
        return [case_views.brief(case) for case in found]
