"""Referrals both ways between our cases and petitions and the courts (诉调), police (警调) and petition bureaus
(访调): the other body's case number, its status and the deadline, every change kept."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.referrals import workflow as referrals
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.referrals import (
    ReferralArgsSchema,
    ReferralChangeSchema,
    ReferralCreateSchema,
    ReferralEventSchema,
    ReferralSchema,
)

blp = ApiBlueprint("referrals", __name__, url_prefix="/api/v1", description="诉调、警调、访调对接：转出与接收")

IDEMPOTENCY_HEADER = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128},
                       "description": "A retry with the same key answers the first referral"}]  # fmt: skip
ERROR_TEXT = {
    401: "Not signed in", 403: "Role or region not allowed for the subject", 404: "No such referral, case or petition",
    409: "The referral is finished or cannot move to that status", 422: "Bad input; nothing changed",
}


def documented(operation_id: str, *statuses: int, parameters=()):
    return blp.documented(operation_id, {status: ERROR_TEXT[status] for status in statuses}, parameters)


@blp.route("/referrals")
class Referrals(MethodView):
    @allow(referrals.MANAGERS, scope="subject_region_tree")
    @blp.arguments(ReferralArgsSchema, location="query")
    @blp.response(200, page_of(ReferralSchema))
    @documented("listReferrals", 401, 403, 404, 422)
    def get(self, args):
        """The referrals of the subjects the caller may act on, newest first."""
        return paginate(referrals.listed(current_actor(), args), args)

    @allow(referrals.MANAGERS, scope="subject_region_tree")
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201, ReferralSchema)
    @documented("createReferral", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Record a case or petition sent to (out) or received from (in) a court, the police or a petition bureau."""
        actor = current_actor()
        return created(referrals.create(actor, body, request_claim(actor, body)), lambda row: row)


@blp.route("/referrals/<int:referral_id>")
class Referral(MethodView):
    @allow(referrals.MANAGERS, scope="subject_region_tree")
    @blp.response(200, ReferralSchema)
    @documented("getReferral", 401, 403, 404)
    def get(self, referral_id):
        return referrals.visible(current_actor(), referral_id)

    @allow(referrals.MANAGERS, scope="subject_region_tree")
    @blp.arguments(ReferralChangeSchema)
    @blp.response(200, ReferralSchema)
    @documented("changeReferral", 401, 403, 404, 409, 422)
    def patch(self, body, referral_id):
        """Move the status on (accepted, completed, returned, withdrawn) and/or record the other body's number,
        status or a new deadline."""
        return referrals.update(current_actor(), referral_id, body)


@blp.route("/referrals/<int:referral_id>/events")
class Events(MethodView):
    @allow(referrals.MANAGERS, scope="subject_region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ReferralEventSchema))
    @documented("listReferralEvents", 401, 403, 404, 422)
    def get(self, args, referral_id):
        return paginate(referrals.events(current_actor(), referral_id), args)
