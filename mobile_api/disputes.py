"""矛盾纠纷调解: residents ask for mediation, centres take and assign, mediators hold sessions, step up (3-2-1), make the
agreement that the parties sign on the phone; judicial confirmation or onward; follow-up visits; ratings. The roster."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.disputes import presentation, roster, workflow
from gridapp.services.disputes.access import CENTRES, HANDLERS, READERS, RESIDENTS, involved
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import page_of
from mobile_api.schemas.disputes import (
    ChooseMediatorBodySchema,
    DisputeAgreementBodySchema,
    DisputeAssignBodySchema,
    DisputeBodySchema,
    DisputeFollowUpBodySchema,
    DisputeJudicialBodySchema,
    DisputeListArgsSchema,
    DisputeNoteBodySchema,
    DisputeOptionsSchema,
    DisputePartySchema,
    DisputeRatingBodySchema,
    DisputeReferralBodySchema,
    DisputeSchema,
    DisputeSessionBodySchema,
    DisputeSessionSchema,
    DisputeSignatureBodySchema,
    DisputeStepUpBodySchema,
    DisputeViewSchema,
    MediatorBodySchema,
    MediatorListArgsSchema,
    MediatorPatchSchema,
    MediatorRecordArgsSchema,
    MediatorRecordSchema,
    MediatorSchema,
    MyDisputeRatingSchema,
)

blp = ApiBlueprint("disputes", __name__, url_prefix="/api/v1", description="矛盾纠纷调解：点单、接单、派单、办单、评单；调解员名册")

IDEMPOTENCY = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first one"}]
SEEN = {401: "Not signed in", 403: "Not a party, its mediator or a centre over it", 404: "No such dispute"}
HANDLING = {401: "Not signed in", 403: "Not the centre over it or its mediator", 404: "No such dispute"}


def _view(dispute_id: int) -> dict:
    return presentation.view(current_actor(), dispute_id)


@blp.route("/disputes")
class Disputes(MethodView):
    @allow(RESIDENTS, scope="self")
    @blp.arguments(DisputeBodySchema)
    @blp.response(201, DisputeSchema)
    @blp.documented("requestDispute", {401: "Not signed in", 403: "Not a resident", 404: "No such community or mediator",
                                       409: "The chosen mediator takes no cases now", 422: "Bad community, kind, parties or no consent"}, IDEMPOTENCY)
    def post(self, body):
        """点单: ask for mediation of a dispute in a community, naming the other party; optionally choose a mediator."""
        actor = current_actor()
        return created(workflow.request(actor, body, request_claim(actor, body)), lambda row: row)

    @allow(READERS, scope="party_mediator_or_region_tree")
    @blp.arguments(DisputeListArgsSchema, location="query")
    @blp.response(200, page_of(DisputeSchema))
    @blp.documented("listDisputes", {401: "Not signed in", 403: "No role in disputes", 422: "Bad paging or status"})
    def get(self, args):
        """The disputes I am a party to, mediate, or that lie under my centre, newest first."""
        return paginate(involved(current_actor(), args["status"]), args)


@blp.route("/disputes/options")
class Options(MethodView):
    @allow(READERS, scope="city")
    @blp.response(200, DisputeOptionsSchema)
    @blp.documented("getDisputeOptions", {401: "Not signed in", 403: "No role in disputes"})
    def get(self):
        """Dispute kinds, difficulties and the city's communities, for the forms."""
        return presentation.options(current_actor())


@blp.route("/disputes/<int:dispute_id>")
class One(MethodView):
    @allow(READERS, scope="party_mediator_or_region_tree")
    @blp.response(200, DisputeViewSchema)
    @blp.documented("getDispute", SEEN)
    def get(self, dispute_id):
        """The dispute with its parties (contacts masked by who asks), sessions, 3-2-1 count and timeline."""
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/mediator")
class Choose(MethodView):
    @allow(RESIDENTS, scope="party")
    @blp.arguments(ChooseMediatorBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("chooseDisputeMediator", {**SEEN, 409: "Already assigned, or the mediator takes no cases now", 422: "Not a mediator serving it"})
    def post(self, body, dispute_id):
        """A party chooses the mediator they ask for (until one is assigned)."""
        workflow.choose_mediator(current_actor(), dispute_id, body["mediator_id"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/take")
class Take(MethodView):
    @allow(CENTRES, scope="region_tree")
    @blp.arguments(DisputeNoteBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("takeDispute", {**HANDLING, 409: "Not waiting to be taken"})
    def post(self, body, dispute_id):
        """接单: the centre takes the request."""
        workflow.take(current_actor(), dispute_id, body["note"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/assign")
class Assign(MethodView):
    @allow(CENTRES, scope="region_tree")
    @blp.arguments(DisputeAssignBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("assignDispute", {**HANDLING, 409: "Not taken yet, the same mediator, or the mediator takes no cases now",
                                      422: "Not a mediator of this level serving it"})
    def post(self, body, dispute_id):
        """派单: assign a mediator of the dispute's level, and its difficulty (which sets the mediator's bonus)."""
        workflow.assign(current_actor(), dispute_id, body["mediator_id"], body["difficulty"], body["note"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/parties/<int:party_id>/consent")
class Consent(MethodView):
    @allow(READERS, scope="party_or_handler")
    @blp.response(200, DisputePartySchema)
    @blp.documented("consentToDispute", {**SEEN, 409: "Already finished", 422: "Not a party of this dispute"})
    def post(self, dispute_id, party_id):
        """A party consents to mediation, or its mediator records consent given in person."""
        actor = current_actor()
        party = workflow.consent(actor, dispute_id, party_id)
        return next(p for p in presentation.view(actor, dispute_id)["parties"] if p["id"] == party.id)


@blp.route("/disputes/<int:dispute_id>/sessions")
class Sessions(MethodView):
    @allow(HANDLERS, scope="mediator_or_region_tree")
    @blp.arguments(DisputeSessionBodySchema)
    @blp.response(201, DisputeSessionSchema)
    @blp.documented("recordDisputeSession", {**HANDLING, 409: "A party has not consented, or not being mediated", 422: "Bad time or summary"})
    def post(self, body, dispute_id):
        """办单: record a mediation session at the dispute's level."""
        return workflow.record_session(current_actor(), dispute_id, body), 201


@blp.route("/disputes/<int:dispute_id>/step-up")
class StepUp(MethodView):
    @allow(HANDLERS, scope="mediator_or_region_tree")
    @blp.arguments(DisputeStepUpBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("stepUpDispute", {**HANDLING, 409: "Too few sessions at this level (3-2-1), already at the county, or not being mediated",
                                      422: "Not a mediator of the next level serving it"})
    def post(self, body, dispute_id):
        """三二一: send it up one level (village → township after 3 sessions, township → county after 2)."""
        workflow.step_up(current_actor(), dispute_id, body["note"], body["mediator_id"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/agreement")
class Agreement(MethodView):
    @allow(HANDLERS, scope="mediator_or_region_tree")
    @blp.arguments(DisputeAgreementBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("draftDisputeAgreement", {**HANDLING, 409: "No session yet, or a party has signed"})
    def post(self, body, dispute_id):
        """Make (or remake, before anyone signs) the agreement from the template."""
        workflow.draft_agreement(current_actor(), dispute_id, body["terms"], body["performance"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/agreement.pdf")
class AgreementPdf(MethodView):
    @allow(READERS, scope="party_mediator_or_region_tree")
    @blp.response(200, content_type="application/pdf")
    @blp.documented("getDisputeAgreementPdf", {**SEEN, 409: "No agreement yet"})
    def get(self, dispute_id):
        """The agreement as a PDF: signed by every party once they have, else the draft with the signatures so far."""
        row, pdf = workflow.agreement_pdf(current_actor(), dispute_id)
        return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="agreement-{row.id}.pdf"'})


@blp.route("/disputes/<int:dispute_id>/parties/<int:party_id>/signature")
class Signature(MethodView):
    @allow(READERS, scope="party_or_handler")
    @blp.arguments(DisputeSignatureBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("signDisputeAgreement", {**SEEN, 409: "No agreement to sign, already signed, or no consent",
                                             422: "Not a party, or the image is blank or not a PNG"})
    def post(self, body, dispute_id, party_id):
        """A party signs the agreement (drawn on their phone, or on the mediator's in person); the last one settles it."""
        workflow.sign(current_actor(), dispute_id, party_id, body["image"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/judicial-confirmation")
class Judicial(MethodView):
    @allow(HANDLERS, scope="mediator_or_region_tree")
    @blp.arguments(DisputeJudicialBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("confirmDisputeJudicially", {**HANDLING, 409: "Not signed"})
    def post(self, body, dispute_id):
        """司法确认: the court and its case number."""
        workflow.confirm_judicially(current_actor(), dispute_id, body["organisation"], body["number"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/referral")
class Referral(MethodView):
    @allow(HANDLERS, scope="mediator_or_region_tree")
    @blp.arguments(DisputeReferralBodySchema)
    @blp.response(200, DisputeViewSchema)
    @blp.documented("referDispute", {**HANDLING, 409: "Not being mediated"})
    def post(self, body, dispute_id):
        """On to a court or legal aid without an agreement, with that body's case number."""
        workflow.refer(current_actor(), dispute_id, body["body"], body["organisation"], body["number"], body["note"])
        return _view(dispute_id)


@blp.route("/disputes/<int:dispute_id>/follow-ups")
class FollowUps(MethodView):
    @allow(HANDLERS, scope="mediator_or_region_tree")
    @blp.arguments(DisputeFollowUpBodySchema)
    @blp.response(201, DisputeSessionSchema)
    @blp.documented("recordDisputeFollowUp", {**HANDLING, 409: "Not signed"})
    def post(self, body, dispute_id):
        """回访: whether the agreement is kept; kept closes the dispute."""
        return workflow.follow_up(current_actor(), dispute_id, body), 201


@blp.route("/disputes/<int:dispute_id>/rating")
class Rating(MethodView):
    @allow(RESIDENTS, scope="party")
    @blp.arguments(DisputeRatingBodySchema)
    @blp.response(201, MyDisputeRatingSchema)
    @blp.documented("rateDispute", {**SEEN, 409: "Not finished, or already rated"})
    def post(self, body, dispute_id):
        """评单: a party rates the mediation once; it counts for the mediator's record."""
        return workflow.rate(current_actor(), dispute_id, body["stars"], body["comment"]), 201


@blp.route("/mediators")
class Mediators(MethodView):
    @allow(roster.ROSTER_READERS, scope="city")
    @blp.arguments(MediatorListArgsSchema, location="query")
    @blp.response(200, page_of(MediatorSchema))
    @blp.documented("listMediators", {401: "Not signed in", 404: "No such region", 422: "Bad filter or paging"})
    def get(self, args):
        """The roster: active mediators, filtered by the region they serve, specialty, tier and availability."""
        return paginate(roster.listing(current_actor(), args["region_id"], args["kind"], args["tier"], args["available"]), args)

    @allow(CENTRES, scope="region_tree")
    @blp.arguments(MediatorBodySchema)
    @blp.response(201, MediatorSchema)
    @blp.documented("addMediator", {401: "Not signed in", 403: "Not a centre over the mediator's node", 409: "Already on the roster",
                                    422: "Not a mediator account, or unknown specialty"}, IDEMPOTENCY)
    def post(self, body):
        """Put a mediator account on the roster; its tier is its node's level."""
        actor = current_actor()
        return created(roster.add(actor, body, request_claim(actor, body)), lambda row: row)


@blp.route("/mediators/<int:mediator_id>")
class OneMediator(MethodView):
    @allow(HANDLERS, scope="self_or_region_tree")
    @blp.arguments(MediatorPatchSchema)
    @blp.response(200, MediatorSchema)
    @blp.documented("updateMediator", {401: "Not signed in", 403: "Neither the mediator nor a centre over them", 404: "No such mediator",
                                       422: "Unknown specialty"})
    def patch(self, body, mediator_id):
        """The mediator changes their availability, specialties and introduction; the centre also takes them off the roster."""
        return roster.update(current_actor(), mediator_id, body)


@blp.route("/mediators/<int:mediator_id>/record")
class Record(MethodView):
    @allow(HANDLERS, scope="self_or_region_tree")
    @blp.arguments(MediatorRecordArgsSchema, location="query")
    @blp.response(200, MediatorRecordSchema)
    @blp.documented("getMediatorRecord", {401: "Not signed in", 403: "Neither the mediator nor a centre over them", 404: "No such mediator",
                                          422: "Bad year"})
    def get(self, args, mediator_id):
        """A year's record: disputes concluded and settled, success rate, ratings, grade and bonus points."""
        row, figures = roster.record(current_actor(), mediator_id, args["year"])
        return {"mediator": row, **figures}
