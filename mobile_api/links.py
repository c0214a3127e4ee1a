"""Account links (账号关联): a resident asks to be linked to their household member, shop, e-bike or stall
record; the grid's worker or the community's admin confirms; linked members read their household and
correct their own details; linked owners read their shop's redemptions and ratings."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate, paginate_list
from gridapp.services.links import households, owners
from gridapp.services.links import workflow as links
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import IDEMPOTENCY_HEADER, ApiBlueprint
from mobile_api.schemas.common import ErrorSchema, PageArgsSchema, page_of
from mobile_api.schemas.links import (
    CandidateSchema,
    DecisionSchema,
    InvitationSchema,
    LinkEventSchema,
    LinkRequestSchema,
    LinkSchema,
    MemberCorrectionSchema,
    OwnedRecordSchema,
    OwnerRatingSchema,
    OwnerRedemptionSchema,
    RedemptionArgsSchema,
    ReviewArgsSchema,
)
from mobile_api.schemas.scan import HouseholdRecordSchema

blp = ApiBlueprint(
    "links", __name__, url_prefix="/api/v1",
    description="账号关联：居民与家庭成员、店主与店铺、车主与电动车、摊主与摊位",
)

SECURITY = [{"bearer": []}]
ERROR_TEXT = {
    401: "Not signed in", 403: "Role or scope not allowed", 404: "No such link or record",
    409: "The record is taken, or the link is not in a state for this", 422: "Bad input; nothing changed",
}


def errors(*statuses: int):
    """Declare the error answers a route may give, in the one error shape."""
    def decorate(fn):
        for status in statuses:
            fn = blp.alt_response(status, schema=ErrorSchema, description=ERROR_TEXT[status])(fn)
        return fn
    return decorate


def _views(page: dict) -> dict:
    actor = current_actor()
    return {**page, "items": [links.view(actor, link) for link in page["items"]]}


@blp.route("/links/candidates")
class Candidates(MethodView):
    @allow(links.HOLDERS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CandidateSchema))
    @errors(401, 403, 422)
    @blp.doc(security=SECURITY, operationId="listLinkCandidates")
    def get(self, args):
        """The registry records carrying the caller's signed-in phone that they may ask to be linked to."""
        return paginate_list(links.candidates(current_actor()), args)


@blp.route("/links")
class Links(MethodView):
    @allow(links.HOLDERS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(LinkSchema))
    @errors(401, 403, 422)
    @blp.doc(security=SECURITY, operationId="listMyLinks")
    def get(self, args):
        """The caller's links, requests and the invitations sent to their phone, newest first."""
        return _views(paginate(links.mine(current_actor()), args))

    @allow(links.HOLDERS, scope="self")
    @blp.arguments(LinkRequestSchema)
    @blp.response(201, LinkSchema)
    @errors(401, 403, 404, 409, 422)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER, operationId="requestLink")
    def post(self, body):
        """Ask to be linked to a record whose registry phone is the caller's; the grid worker or community confirms."""
        actor = current_actor()
        link = links.request_link(actor, body["kind"], body["record_id"], body["note"], request_claim(actor, body))
        return created(link, lambda row: links.view(actor, row))


@blp.route("/links/invitations")
class Invitations(MethodView):
    @allow(links.HOLDERS, scope="household_head")
    @blp.arguments(InvitationSchema)
    @blp.response(201, LinkSchema)
    @errors(401, 403, 404, 409, 422)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER, operationId="inviteHouseholdMember")
    def post(self, body):
        """A linked household head invites a member of the household by phone; the member accepts."""
        actor = current_actor()
        link = links.invite_member(actor, body["member_id"], body["phone"], request_claim(actor, body))
        return created(link, lambda row: links.view(actor, row))


@blp.route("/links/review")
class Review(MethodView):
    @allow(links.REVIEWERS, scope="region_tree")
    @blp.arguments(ReviewArgsSchema, location="query")
    @blp.response(200, page_of(LinkSchema))
    @errors(401, 403, 422)
    @blp.doc(security=SECURITY, operationId="listLinksToReview")
    def get(self, args):
        """Links in the caller's grids (grid worker) or community (community admin), by status, oldest first."""
        return _views(paginate(links.review_queue(current_actor(), args["status"]), args))


@blp.route("/links/<int:link_id>")
class Link(MethodView):
    @allow(links.READERS, scope="link_person_or_region_tree")
    @blp.response(200, LinkSchema)
    @errors(401, 403, 404)
    @blp.doc(security=SECURITY, operationId="getLink")
    def get(self, link_id):
        """One link, for its person, whoever asked for it, or the staff who decide on it."""
        actor = current_actor()
        return links.view(actor, links.visible_link(actor, link_id))


@blp.route("/links/<int:link_id>/events")
class LinkEvents(MethodView):
    @allow(links.READERS, scope="link_person_or_region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(LinkEventSchema))
    @errors(401, 403, 404, 422)
    @blp.doc(security=SECURITY, operationId="listLinkEvents")
    def get(self, args, link_id):
        """The audit trail of a link: who did what when, the status and fields before and after."""
        page = paginate(links.events(current_actor(), link_id), args)
        return {**page, "items": [links.event_view(event) for event in page["items"]]}


def _step(name: str, permission, service, summary: str, operation_id: str, scope: str, with_note: bool):
    """One state change of a link as a POST route answering the link as the caller sees it."""
    if with_note:
        @allow(permission, scope=scope)
        @blp.arguments(DecisionSchema)
        @blp.response(200, LinkSchema)
        @errors(401, 403, 404, 409, 422)
        @blp.doc(security=SECURITY, operationId=operation_id, summary=summary)
        def post(self, body, link_id):
            actor = current_actor()
            return links.view(actor, service(actor, link_id, body["note"]))
    else:
        @allow(permission, scope=scope)
        @blp.response(200, LinkSchema)
        @errors(401, 403, 404, 409)
        @blp.doc(security=SECURITY, operationId=operation_id, summary=summary)
        def post(self, link_id):
            actor = current_actor()
            return links.view(actor, service(actor, link_id))
    blp.route(f"/links/<int:link_id>/{name}")(type(f"Link{name.title()}", (MethodView,), {"post": post}))


_step("confirm", links.REVIEWERS, links.confirm, "The grid worker or community admin confirms a pending request",
      "confirmLink", "region_tree", True)
_step("refuse", links.REVIEWERS, links.refuse, "The grid worker or community admin refuses a pending request",
      "refuseLink", "region_tree", True)
_step("unlink", links.READERS, links.unlink, "The linked person, or staff over the grid, ends a link",
      "unlink", "link_person_or_region_tree", True)
_step("accept", links.HOLDERS, links.accept, "The invited member accepts the household head's invitation",
      "acceptLinkInvitation", "invitee", False)
_step("decline", links.HOLDERS, links.decline, "The invited member declines the invitation",
      "declineLinkInvitation", "invitee", False)
_step("cancel", links.HOLDERS, links.cancel, "Whoever asked or invited withdraws before a decision",
      "cancelLink", "requester", False)


@blp.route("/me/households")
class MyHouseholds(MethodView):
    @allow(links.HOLDERS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(HouseholdRecordSchema))
    @errors(401, 403, 422)
    @blp.doc(security=SECURITY, operationId="listMyHouseholds")
    def get(self, args):
        """The households the caller is a linked member of, each as its indoor record."""
        return paginate_list(households.my_households(current_actor()), args)


@blp.route("/me/households/<int:household_id>")
class MyHousehold(MethodView):
    @allow(links.HOLDERS, scope="household_member")
    @blp.response(200, HouseholdRecordSchema)
    @errors(401, 403)
    @blp.doc(security=SECURITY, operationId="getMyHousehold")
    def get(self, household_id):
        """The indoor record of a household the caller is a linked member of."""
        return households.my_household(current_actor(), household_id)


@blp.route("/me/household-members/<int:member_id>")
class MyMemberRecord(MethodView):
    @allow(links.HOLDERS, scope="household_member")
    @blp.arguments(MemberCorrectionSchema)
    @blp.response(200, HouseholdRecordSchema)
    @errors(401, 403, 404, 422)
    @blp.doc(security=SECURITY, operationId="correctMyMemberDetails")
    def patch(self, body, member_id):
        """A linked member corrects their own name or phone on the household record (audited)."""
        return households.correct_my_details(current_actor(), member_id, body)


@blp.route("/me/owned")
class MyOwned(MethodView):
    @allow(links.HOLDERS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(OwnedRecordSchema))
    @errors(401, 403, 422)
    @blp.doc(security=SECURITY, operationId="listMyOwnedRecords")
    def get(self, args):
        """The shops, e-bikes and stalls linked to the caller (shops with their rating)."""
        return paginate_list(owners.my_records(current_actor()), args)


@blp.route("/me/shops/<int:shop_id>/redemptions")
class MyShopRedemptions(MethodView):
    @allow(links.HOLDERS, scope="shop_owner")
    @blp.arguments(RedemptionArgsSchema, location="query")
    @blp.response(200, page_of(OwnerRedemptionSchema))
    @errors(401, 403, 422)
    @blp.doc(security=SECURITY, operationId="listMyShopRedemptions")
    def get(self, args, shop_id):
        """Redemptions at the caller's shop by status (pending: waiting for the owner to confirm), newest first."""
        page = paginate(owners.redemptions(current_actor(), shop_id, args["status"]), args)
        return {**page, "items": [owners.redemption_view(r) for r in page["items"]]}


@blp.route("/me/shops/<int:shop_id>/ratings")
class MyShopRatings(MethodView):
    @allow(links.HOLDERS, scope="shop_owner")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(OwnerRatingSchema))
    @errors(401, 403, 422)
    @blp.doc(security=SECURITY, operationId="listMyShopRatings")
    def get(self, args, shop_id):
        """What people rated the caller's shop, newest first; raters' names masked."""
        page = paginate(owners.ratings(current_actor(), shop_id), args)
        return {**page, "items": [owners.rating_view(r) for r in page["items"]]}
