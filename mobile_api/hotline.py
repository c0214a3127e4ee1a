"""12345 follow-up (回访): the operator's own calls, the caller's link (no sign-in), the satisfaction figures."""
from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView

from gridapp.pagination import paginate, paginate_list
from gridapp.services.cases import hotline
from gridapp.services.cases import states as S
from gridapp.services.regions.tree import get_region
from gridapp.services.supervision.metrics import period
from gridapp.web.access import allow, current_actor, public
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import ErrorSchema, PageArgsSchema, page_of
from mobile_api.schemas.hotline import (
    HotlineAnswerSchema,
    HotlineCallerViewSchema,
    HotlineCallSchema,
    HotlineSatisfactionArgsSchema,
    HotlineSatisfactionSchema,
)

blp = ApiBlueprint("hotline", __name__, url_prefix="/api/v1/hotline", description="12345 热线：坐席登记、短信回访、满意度")

LINK_ERRORS = {404: "the link is unknown or was altered", 410: "the link has expired"}


def _call(case, follow_up) -> dict:
    status = follow_up.status if follow_up is not None else None
    return {
        "id": case.id, "created_at": case.created_at, "category": {"id": case.category.id, "name": case.category.name},
        "place_label": case.place_label, "description": case.description, "contact_phone": case.contact_phone,
        "state": case.state, "state_label": S.STATE_LABELS[case.state], "follow_up": status,
        "follow_up_label": hotline.STATUS_LABELS[status] if status else "未同意回访",
        "stars": follow_up.stars if follow_up is not None else None,
    }  # fmt: skip


@blp.route("/calls")
class Calls(MethodView):
    @allow(hotline.OPERATORS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(HotlineCallSchema))
    @blp.documented("listMyHotlineCalls", {403: "not a 12345 operator", 422: "invalid page arguments"})
    def get(self, args):
        """The calls I took, newest first, each with its state and the caller's follow-up answer."""
        actor = current_actor()
        page = paginate(hotline.my_calls(actor), args)
        follow_ups = hotline.latest_follow_ups(actor.city_id, [case.id for case in page["items"]])
        page["items"] = [_call(case, follow_ups.get(case.id)) for case in page["items"]]
        return page


def _public(operation_id: str, errors: dict[int, str]):
    def decorate(view):
        for status, description in errors.items():
            view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
        return blp.doc(operationId=operation_id, security=[])(view)

    return decorate


@blp.route("/follow-ups/<token>")
class FollowUp(MethodView):
    @public("follow_up_link")
    @blp.response(200, HotlineCallerViewSchema)
    @_public("getHotlineFollowUp", LINK_ERRORS)
    def get(self, token):
        """The caller's view through the SMS link: the case's public steps and whether they may answer."""
        return hotline.caller_view(token)


@blp.route("/follow-ups/<token>/answer")
class Answer(MethodView):
    @public("follow_up_link")
    @blp.arguments(HotlineAnswerSchema)
    @blp.response(200, HotlineCallerViewSchema)
    @_public("answerHotlineFollowUp", {**LINK_ERRORS, 409: "already answered", 422: "stars or comment missing"})
    def post(self, body, token):
        """The caller answers once: solved (closes the case, with 1-5 stars) or not solved (sends it back)."""
        return hotline.answer(token, body["satisfied"], body.get("stars"), body["comment"])


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @allow(hotline.FIGURE_READERS, scope="region_tree")
    @blp.arguments(HotlineSatisfactionArgsSchema, location="query")
    @blp.response(200, page_of(HotlineSatisfactionSchema))
    @blp.documented("getHotlineSatisfaction", {403: "not a leader over the region", 422: "invalid arguments"})
    def get(self, args):
        """12345 satisfaction from the callers' answers: the region first, then each of its children."""
        actor = current_actor()
        start, end = period(args.pop("period"))
        rows = hotline.satisfaction(actor, get_region(actor.city_id, args.pop("region_id")), start, end)
        items = [{"region": {"id": node.id, "name": node.name}, **asdict(figure)} for node, figure in rows]
        return paginate_list(items, args)
