"""Cases for staff and residents: lists, the timeline, patrol and hotline intake, and every transition."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.authz import SIGNED_IN
from gridapp.pagination import paginate
from gridapp.services.cases import intake, moderation, notes, recategorise, reply_templates
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import workflow as cases
from gridapp.services.orders import workflow as orders
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import acted, created, request_claim, uploads
from mobile_api.blueprint import IDEMPOTENCY_HEADER
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.cases import (
    AssignSchema,
    CaseDetailSchema,
    CaseListArgsSchema,
    CaseNoteInSchema,
    CaseRatingSchema,
    CaseSchema,
    CheckInSchema,
    ConfirmSchema,
    EventSchema,
    FilledReplySchema,
    FollowSchema,
    HotlineFormSchema,
    MergeSchema,
    ModerationEntrySchema,
    ModerationSchema,
    NoteSchema,
    PatrolFormSchema,
    RateSchema,
    RecategoriseSchema,
    RejectSchema,
    ReopenSchema,
    ResolveFormSchema,
)
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.orders import CaseOrderCreateSchema, OrderViewSchema

blp = MultipartBlueprint("cases", __name__, url_prefix="/api/v1/cases", description="案件：受理、派遣、处置、核实、办结")

SECURITY = [{"bearer": []}]
ERRORS = {
    403: "not staff over this case (another grid's worker, a resident)",
    404: "no such case",
    409: "the case is finished (closed, rejected or merged) or ordered in its community",
    422: "invalid input",
}

documented = blp.documenting(ERRORS)


def _summary(case):
    return case_views.summary(current_actor(), case)


@blp.route("")
class CaseList(MethodView):
    @allow(cases.READERS, scope="region_tree")
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.response(200, page_of(CaseSchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Cases under the caller's part of the region tree, newest first."""
        actor = current_actor()
        filters = {k: args.get(k) for k in ("state", "grid_id", "category_id", "abusive", "sort")}
        page = paginate(cases.staff_list(actor, **filters), args)
        page["items"] = [case_views.summary(actor, case) for case in page["items"]]
        return page


@blp.route("/<int:case_id>")
class CaseItem(MethodView):
    @allow(SIGNED_IN, scope="reporter_follower_or_region_tree")
    @blp.response(200, CaseDetailSchema)
    @blp.doc(security=SECURITY)
    def get(self, case_id):
        """A case with its timeline (every event, with before/after photos) and ratings."""
        actor = current_actor()
        return case_views.detail(actor, cases.visible_case(actor, case_id))


@blp.route("/patrol")
class Patrol(MethodView):
    @allow(intake.PATROLLERS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CaseSchema))
    @blp.documented("listMyPatrols", {403: "not a grid worker", 422: "invalid page arguments"})
    def get(self, args):
        """My patrol reports (巡查上报), newest first, each with how far it got."""
        actor = current_actor()
        page = paginate(intake.my_patrols(actor), args)
        page["items"] = [case_views.summary(actor, case) for case in page["items"]]
        return page

    @allow(intake.PATROLLERS, scope="own_grids")
    @blp.arguments(PatrolFormSchema, location="files")
    @blp.response(201, CaseSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, form):
        """巡查上报: a grid worker's own finding, accepted and assigned to them at once (1-9 photos)."""
        actor = current_actor()
        photos = uploads(form.pop("photos"))
        return created(intake.submit_patrol(actor, form, photos, request_claim(actor, form, photos)), _summary)


@blp.route("/hotline")
class Hotline(MethodView):
    @allow(intake.HOTLINE, scope="region_tree")
    @blp.arguments(HotlineFormSchema, location="files")
    @blp.response(201, CaseSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, form):
        """12345: staff enter a caller's report; the caller's number is kept and shown only masked to others."""
        actor = current_actor()
        photos = uploads(form.pop("photos"))
        return created(intake.submit_hotline(actor, form, photos, request_claim(actor, form, photos)), _summary)


@blp.route("/<int:case_id>/order")
class CaseOrder(MethodView):
    @allow(orders.COMMUNITY, scope="own_community")
    @blp.arguments(CaseOrderCreateSchema)
    @blp.response(201, OrderViewSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body, case_id):
        """社区下单 for the case: posts its order (as POST /api/v1/orders, for the case's community, category and
        place) and moves the case to "ordered", together; answers the order."""
        actor = current_actor()
        claim = request_claim(actor, {**body, "case_id": case_id})
        return created(orders.post_case_order_once(actor, claim, case_id, **body), lambda order: order)


def _action(path: str, schema, doc: str, run) -> None:
    """One POST route per action, each with its own body schema and the policy the service's table gives it."""

    def post(self, body, case_id):
        return _summary(run(current_actor(), case_id, body))

    post.__doc__ = doc
    post = blp.doc(security=SECURITY)(post)
    post = blp.response(200, CaseSchema)(post)
    post = blp.arguments(schema)(post)
    post = allow(cases.PERMISSIONS[path.replace("-", "_")], scope="case_region_tree")(post)
    blp.route(f"/<int:case_id>/{path}")(type(f"Case{path.title().replace('-', '')}", (MethodView,), {"post": post}))


_action("accept", NoteSchema, "受理 (submitted → accepted); sets the SLA due times from the category.",
        lambda a, i, b: cases.accept(a, i, b["note"]))
_action("reject", RejectSchema, "不予受理 with a reason: invalid, duplicate, not_ours.",
        lambda a, i, b: cases.reject(a, i, b["reason"], b["note"]))
_action("assign", AssignSchema, "派给网格员 (officials choose; a grid worker takes it themselves).",
        lambda a, i, b: cases.assign(a, i, b.get("handler_user_id"), b["note"]))
_action("start", NoteSchema, "开始处理 (the handler, or officials).",
        lambda a, i, b: cases.start(a, i, b["note"]))
_action("check-in", CheckInSchema, "到场签到: on site now, with the phone's location (starts the work).",
        lambda a, i, b: cases.check_in(a, i, b["lat"], b["lng"], b["note"]))
_action("hand-up", NoteSchema, "提请社区下单: the grid worker asks the community admins to post an order.",
        lambda a, i, b: cases.hand_up(a, i, b["note"]))
_action("verify", NoteSchema, "社区核实 a resolved case.",
        lambda a, i, b: cases.verify(a, i, b["note"]))
_action("confirm", ConfirmSchema, "The reporter confirms a verified case (closed), optionally rating it.",
        lambda a, i, b: cases.confirm(a, i, b.get("stars"), b["comment"]))
_action("reopen", ReopenSchema, "The reporter is not satisfied: back to the handler (counts against them).",
        lambda a, i, b: cases.reopen(a, i, b["note"]))
_action("merge", MergeSchema, "Merge a repeat into the surviving case; its reporters follow that one.",
        lambda a, i, b: cases.merge(a, i, b["into_case_id"], b["note"]))
_action("abusive", NoteSchema, "Mark as an abusive report (rejected if not yet accepted).",
        lambda a, i, b: cases.mark_abusive(a, i, b["note"]))
_action("follow", FollowSchema, "Follow an offered similar case instead of sending a repeat.",
        lambda a, i, b: intake.follow_instead(a, i, b))


@blp.route("/<int:case_id>/resolve")
class Resolve(MethodView):
    @allow(cases.PERMISSIONS["resolve"], scope="case_handler")
    @blp.arguments(ResolveFormSchema, location="files")
    @blp.response(200, CaseSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, form, case_id):
        """处置完成 with 1-9 after-photos (multipart). A resend under the same Idempotency-Key (an offline draft whose
        answer was lost) answers the case as the first send left it, with `Idempotent-Replayed: true`."""
        actor, photos = current_actor(), uploads(form.pop("photos"))
        claim = request_claim(actor, {**form, "case_id": case_id}, photos)
        return acted(cases.resolve(actor, case_id, form["note"], photos, form["upload_ids"], claim), _summary)


@blp.route("/<int:case_id>/rate")
class Rate(MethodView):
    @allow(cases.PERMISSIONS["rate"], scope="reporter")
    @blp.arguments(RateSchema)
    @blp.response(201, CaseRatingSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, case_id):
        """多多评: 1-5 stars and a comment on this round of handling (once per round)."""
        return cases.rate(current_actor(), case_id, body["stars"], body["comment"])


@blp.route("/<int:case_id>/moderation")
class Moderation(MethodView):
    @allow(moderation.MODERATORS, scope="case_region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ModerationEntrySchema))
    @blp.doc(security=SECURITY)
    def get(self, args, case_id):
        """Every moderation edit of the case, oldest first, with the text before each (moderators only)."""
        return paginate(moderation.history(current_actor(), case_id), args)

    @allow(moderation.MODERATORS, scope="case_region_tree")
    @blp.arguments(ModerationSchema)
    @blp.response(200, CaseDetailSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, case_id):
        """Redact the report's text or hide / show its photos; the original is kept and every edit logged."""
        actor = current_actor()
        case = moderation.moderate(
            actor, case_id, body["reason"], description=body.get("description"),
            hide_photo_ids=body["hide_photo_ids"], show_photo_ids=body["show_photo_ids"],
        )
        return case_views.detail(actor, case)


@blp.route("/<int:case_id>/recategorise")
class Recategorise(MethodView):
    @allow(recategorise.RECATEGORISERS, scope="case_grid_or_region_tree")
    @blp.arguments(RecategoriseSchema)
    @blp.response(200, CaseSchema)
    @documented("recategoriseCase", 403, 404, 409, 422)
    def post(self, body, case_id):
        """Correct the category and/or place: the grid, handler and SLA follow; the change is on the timeline."""
        case = recategorise.recategorise(
            current_actor(), case_id, category_id=body.get("category_id"), place=body.get("place"), note=body["note"]
        )
        return _summary(case)


@blp.route("/<int:case_id>/notes")
class Notes(MethodView):
    @allow(notes.WRITERS, scope="case_region_tree")
    @blp.arguments(CaseNoteInSchema)
    @blp.response(201, EventSchema)
    @documented("addCaseNote", 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body, case_id):
        """A note on the case: internal (staff over the case only) or a public update (the reporter and
        followers read it and are told)."""
        actor = current_actor()
        event = notes.add_note(actor, case_id, body["body"], body["public"], request_claim(actor, {**body, "case_id": case_id}))
        return created(event, lambda e: case_views.event(actor, cases.get_case(actor.city_id, e.case_id), e, e.note))


@blp.route("/<int:case_id>/reply-templates")
class CaseReplies(MethodView):
    @allow(notes.WRITERS, scope="case_region_tree")
    @blp.response(200, FilledReplySchema(many=True))
    @documented("listCaseReplyTemplates", 403, 404)
    def get(self, case_id):
        """The reply templates that fit the case's category and state, with its place, category and time limit filled in."""
        return reply_templates.for_case(current_actor(), case_id)
