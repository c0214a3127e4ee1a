"""会商研判: review meetings and their action items, each with an owner and a deadline, closed only with evidence."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.review_meetings import meetings
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.review_meetings import (
    ActionItemArgsSchema,
    ActionItemBodySchema,
    ActionItemEvidenceBodySchema,
    ActionItemReviewBodySchema,
    ActionItemSchema,
    ReviewMeetingBodySchema,
    ReviewMeetingDetailSchema,
    ReviewMeetingSchema,
)

blp = ApiBlueprint("review_meetings", __name__, url_prefix="/api/v1", description="会商研判：会议记录、交办事项与台账销号")

IDEMPOTENCY = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first meeting"}]


@blp.route("/review-meetings")
class Meetings(MethodView):
    @allow(meetings.CONVENERS, scope="region_tree")
    @blp.arguments(ReviewMeetingBodySchema)
    @blp.response(201, ReviewMeetingDetailSchema)
    @blp.documented("recordReviewMeeting", {401: "Not signed in", 403: "Not an official over the node", 404: "No such node or subject",
                                            422: "Bad input: a meeting in the future, an unknown owner, a deadline in the past"}, IDEMPOTENCY)
    def post(self, body):
        """Record a meeting held at a node in my part of the city, with its action items (owner and deadline each)."""
        actor = current_actor()
        return created(meetings.record(actor, body, request_claim(actor, body)), lambda row: row)

    @allow(meetings.CONVENERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ReviewMeetingSchema))
    @blp.documented("listReviewMeetings", {401: "Not signed in", 403: "Not an official", 422: "Bad paging"})
    def get(self, args):
        """Meetings held in my part of the city, newest first, with their items' state."""
        return paginate(meetings.in_scope(current_actor()), args)


@blp.route("/review-meetings/<int:meeting_id>")
class OneMeeting(MethodView):
    @allow(meetings.OWNERS, scope="owner_or_region_tree")
    @blp.response(200, ReviewMeetingDetailSchema)
    @blp.documented("getReviewMeeting", {401: "Not signed in", 403: "Neither an official over it nor an item's owner", 404: "No such meeting"})
    def get(self, meeting_id):
        """One meeting with its items, their evidence and the history."""
        return meetings.visible(current_actor(), meeting_id)


@blp.route("/review-meetings/<int:meeting_id>/items")
class Items(MethodView):
    @allow(meetings.CONVENERS, scope="region_tree")
    @blp.arguments(ActionItemBodySchema)
    @blp.response(201, ActionItemSchema)
    @blp.documented("addActionItem", {401: "Not signed in", 403: "Not its convener or an official over it", 404: "No such meeting",
                                      422: "An unknown owner or a deadline in the past"})
    def post(self, body, meeting_id):
        """Add an action item to a meeting."""
        return meetings.add_item(current_actor(), meeting_id, body)


@blp.route("/action-items/mine")
class MyItems(MethodView):
    @allow(meetings.OWNERS, scope="self")
    @blp.arguments(ActionItemArgsSchema, location="query")
    @blp.response(200, page_of(ActionItemSchema))
    @blp.documented("listMyActionItems", {401: "Not signed in", 403: "Not staff", 422: "Bad status or paging"})
    def get(self, args):
        """Action items I own, myself or through my department: unfinished first, soonest deadline first."""
        return paginate(meetings.my_items(current_actor(), args.pop("status")), args)


@blp.route("/action-items/<int:item_id>/evidence")
class Evidence(MethodView):
    @allow(meetings.OWNERS, scope="owner")
    @blp.arguments(ActionItemEvidenceBodySchema)
    @blp.response(200, ActionItemSchema)
    @blp.documented("submitActionItemEvidence", {401: "Not signed in", 403: "Not its owner", 404: "No such item",
                                                 409: "Not open", 422: "No evidence text or photo, or unusable uploads"})
    def post(self, body, item_id):
        """Hand in what was done with at least one photo; the item waits for its convener to close it (销号)."""
        return meetings.submit_evidence(current_actor(), item_id, body["evidence"], body["upload_ids"])


@blp.route("/action-items/<int:item_id>/review")
class Review(MethodView):
    @allow(meetings.CONVENERS, scope="region_tree")
    @blp.arguments(ActionItemReviewBodySchema)
    @blp.response(200, ActionItemSchema)
    @blp.documented("reviewActionItem", {401: "Not signed in", 403: "Not its convener or an official over it", 404: "No such item",
                                         409: "No evidence waiting", 422: "Sending back needs a reason"})
    def post(self, body, item_id):
        """销号 (accept: true) on the evidence handed in, or send it back with a reason."""
        return meetings.review(current_actor(), item_id, body["accept"], body["note"])
