"""信访: petition officers and agents (代办员) look petitioners up, register petitions and repeat visits; officers
move petitions on their statutory clocks, record hearings and open a petitioner's full identity with a reason.
Every read of a petition or petitioner is audited. Leaders read the figures only."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.petitions import access, figures, intake, reading, workflow
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.petitions import (
    PetitionActionSchema,
    PetitionerIdentitySchema,
    PetitionerLookupResultSchema,
    PetitionerLookupSchema,
    PetitionEventSchema,
    PetitionExtensionApprovalSchema,
    PetitionExtensionSchema,
    PetitionFigureArgsSchema,
    PetitionFiguresSchema,
    PetitionHearingCreateSchema,
    PetitionHearingSchema,
    PetitionIntakeSchema,
    PetitionListArgsSchema,
    PetitionReadArgsSchema,
    PetitionReadEntrySchema,
    PetitionReadLogArgsSchema,
    PetitionRevealSchema,
    PetitionSchema,
    PetitionVisitSchema,
)

blp = ApiBlueprint("petitions", __name__, url_prefix="/api/v1", description="信访：登记、查重、办理时限、积案听证与查阅留痕")

IDEMPOTENCY_HEADER = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128},
                       "description": "A retry with the same key answers the first registration"}]  # fmt: skip
ERROR_TEXT = {
    401: "Not signed in", 403: "Role or region not allowed", 404: "No such petition or region",
    409: "Not allowed in the petition's current state, or its window has passed", 422: "Bad input; nothing changed",
}


def documented(operation_id: str, *statuses: int, parameters=()):
    return blp.documented(operation_id, {status: ERROR_TEXT[status] for status in statuses}, parameters)


def _identity(body: dict) -> intake.Identity:
    return intake.Identity.of(body.get("name"), body.get("id_number"), body.get("phone"))


@blp.route("/petitioners/lookup")
class Lookup(MethodView):
    @allow(access.INTAKE, scope="region_tree")
    @blp.arguments(PetitionerLookupSchema)
    @blp.response(200, PetitionerLookupResultSchema)
    @documented("lookUpPetitioner", 401, 403, 422)
    def post(self, body):
        """Find a petitioner by ID number or phone before registering (初访快速录入，重访直接调出); audited."""
        return intake.lookup(current_actor(), _identity(body), body["reason"])


@blp.route("/petitions")
class Petitions(MethodView):
    @allow(access.READERS, scope="region_tree_or_own_entries")
    @blp.arguments(PetitionListArgsSchema, location="query")
    @blp.response(200, page_of(PetitionSchema))
    @documented("listPetitions", 401, 403, 422)
    def get(self, args):
        """Officers: the petitions of their region; agents: those they entered. Newest first; the read is audited."""
        filters = {k: args.get(k) for k in ("state", "open", "overdue", "backlog", "purpose")}
        return reading.page(current_actor(), filters, {"page": args["page"], "per_page": args["per_page"]})

    @allow(access.INTAKE, scope="region_tree")
    @blp.arguments(PetitionIntakeSchema)
    @blp.response(201, PetitionVisitSchema)
    @documented("registerPetition", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Register a new matter (region_id, title, content) or the same matter lodged again (petition_id): one
        batch of people_count person-times at a level; level-skipping is worked out here."""
        actor = current_actor()
        matter = {k: body.get(k) for k in ("petition_id", "region_id", "title", "content")}
        visit = {k: body.get(k) for k in ("channel", "level", "people_count", "appointment_at", "note")}
        return created(intake.register(actor, _identity(body), matter, visit, request_claim(actor, body)), lambda row: row)


@blp.route("/petitions/<int:petition_id>")
class Petition(MethodView):
    @allow(access.READERS, scope="region_tree_or_own_entries")
    @blp.arguments(PetitionReadArgsSchema, location="query")
    @blp.response(200, PetitionSchema)
    @documented("getPetition", 401, 403, 404, 422)
    def get(self, args, petition_id):
        """The petition with its petitioner masked; the read and its purpose are audited."""
        return reading.view(current_actor(), petition_id, args["purpose"])


@blp.route("/petitions/<int:petition_id>/identity")
class Identity(MethodView):
    @allow(access.OFFICERS, scope="region_tree")
    @blp.arguments(PetitionRevealSchema)
    @blp.response(200, PetitionerIdentitySchema)
    @documented("revealPetitioner", 401, 403, 404, 422)
    def post(self, body, petition_id):
        """The petitioner's full name, ID number and phone, for an officer over the petition; audited with the reason."""
        return reading.reveal(current_actor(), petition_id, body["reason"])


@blp.route("/petitions/<int:petition_id>/actions")
class Actions(MethodView):
    @allow(access.OFFICERS, scope="region_tree")
    @blp.arguments(PetitionActionSchema)
    @blp.response(200, PetitionSchema)
    @documented("actOnPetition", 401, 403, 404, 409, 422)
    def post(self, body, petition_id):
        """accept / decline (with the notice) / answer / request_review / review / request_rereview / rereview /
        close / mark_backlog; each restarts the statutory clock of the state it leads to."""
        return workflow.act(current_actor(), petition_id, body["action"], body["note"])


@blp.route("/petitions/<int:petition_id>/extension")
class Extension(MethodView):
    @allow(access.OFFICERS, scope="region_tree")
    @blp.arguments(PetitionExtensionSchema)
    @blp.response(200, PetitionSchema)
    @documented("requestPetitionExtension", 401, 403, 404, 409, 422)
    def post(self, body, petition_id):
        """Ask for more days to handle (all extensions together at most PETITION_EXTENSION_MAX_DAYS)."""
        return workflow.request_extension(current_actor(), petition_id, body["days"], body["reason"])


@blp.route("/petitions/<int:petition_id>/extension/approval")
class ExtensionApproval(MethodView):
    @allow(access.OFFICERS, scope="region_tree")
    @blp.arguments(PetitionExtensionApprovalSchema)
    @blp.response(200, PetitionSchema)
    @documented("approvePetitionExtension", 401, 403, 404, 409, 422)
    def post(self, body, petition_id):
        """Another officer over the petition approves the extension asked for; the handling clock moves on."""
        return workflow.approve_extension(current_actor(), petition_id, body["note"])


@blp.route("/petitions/<int:petition_id>/hearings")
class Hearings(MethodView):
    @allow(access.READERS, scope="region_tree_or_own_entries")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PetitionHearingSchema))
    @documented("listPetitionHearings", 401, 403, 404, 422)
    def get(self, args, petition_id):
        """The hearings (听证) held on the petition, oldest first; audited."""
        return reading.hearings(current_actor(), petition_id, args)

    @allow(access.OFFICERS, scope="region_tree")
    @blp.arguments(PetitionHearingCreateSchema)
    @blp.response(201, PetitionHearingSchema)
    @documented("recordPetitionHearing", 401, 403, 404, 409, 422)
    def post(self, body, petition_id):
        """Record a hearing held on a petition being handled or reviewed (usually a long-running case, 积案)."""
        return workflow.record_hearing(current_actor(), petition_id, body), 201


@blp.route("/petitions/<int:petition_id>/events")
class Events(MethodView):
    @allow(access.READERS, scope="region_tree_or_own_entries")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PetitionEventSchema))
    @documented("listPetitionEvents", 401, 403, 404, 422)
    def get(self, args, petition_id):
        """Every change, oldest first: who, when, from which state to which, and the note; audited."""
        return reading.events(current_actor(), petition_id, args)


@blp.route("/petitions/<int:petition_id>/visits")
class Visits(MethodView):
    @allow(access.READERS, scope="region_tree_or_own_entries")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PetitionVisitSchema))
    @documented("listPetitionVisits", 401, 403, 404, 422)
    def get(self, args, petition_id):
        """Each lodging of the matter (批次): channel, level, person-times, repeat, level-skipping; audited."""
        return reading.lodgings(current_actor(), petition_id, args)


@blp.route("/petitions/reads")
class Reads(MethodView):
    @allow(access.OFFICERS, scope="region_tree")
    @blp.arguments(PetitionReadLogArgsSchema, location="query")
    @blp.response(200, page_of(PetitionReadEntrySchema))
    @documented("listPetitionReads", 401, 403, 404, 422)
    def get(self, args):
        """The append-only audit of reads of the region's petitions and petitioners, newest first."""
        return paginate(reading.read_log(current_actor(), args.get("petition_id")), args)


@blp.route("/petitions/figures")
class Figures(MethodView):
    @allow(figures.VIEWERS, scope="region_tree")
    @blp.arguments(PetitionFigureArgsSchema, location="query")
    @blp.response(200, PetitionFiguresSchema)
    @documented("getPetitionFigures", 401, 403, 404, 422)
    def get(self, args):
        """Batches and person-times by level, repeat share, level-skipping, first-time resolution, overdue and 积案,
        for a region over a window; no personal data."""
        return figures.summary(current_actor(), args.get("region_id"), args.get("since"), args.get("until"))
