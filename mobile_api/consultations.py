"""码上协商: communities and streets consult the households of an area; residents answer; results at the close."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.participation import consultations
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.consultations import (
    ConsultationAnswerBodySchema,
    ConsultationBodySchema,
    ConsultationSchema,
    ConsultationViewSchema,
    GridParticipationSchema,
    MyConsultationAnswerSchema,
)

blp = ApiBlueprint("consultations", __name__, url_prefix="/api/v1", description="码上协商：议题、作答与结果公布")

IDEMPOTENCY = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first consultation"}]


def _view(actor, row, household) -> dict:
    answer = consultations.my_answer(actor, row, household)
    mine = {"option": answer.option, "text": answer.text, "created_at": answer.created_at, "by_me": answer.user_id == actor.user_id} if answer else None
    return {"consultation": row, "eligible": household is not None, "my_answer": mine}


@blp.route("/consultations")
class Consultations(MethodView):
    @allow(consultations.ORGANISERS, scope="region_tree")
    @blp.arguments(ConsultationBodySchema)
    @blp.response(201, ConsultationSchema)
    @blp.documented("openConsultation", {401: "Not signed in", 403: "Not an official over this area", 404: "No such area",
                                         422: "Bad area, options or deadline"}, IDEMPOTENCY)
    def post(self, body):
        """Open a consultation for the households (or residents) of a grid, building, community or street."""
        actor = current_actor()
        return created(consultations.open_consultation(actor, body, request_claim(actor, body)), lambda row: row)

    @allow(consultations.ORGANISERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ConsultationSchema))
    @blp.documented("listOrganisedConsultations", {401: "Not signed in", 403: "Not an official", 422: "Bad paging"})
    def get(self, args):
        """Consultations over my part of the city, newest first."""
        return paginate(consultations.organised(current_actor()), args)


@blp.route("/consultations/mine")
class Mine(MethodView):
    @allow(consultations.PARTICIPANTS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ConsultationSchema))
    @blp.documented("listMyConsultations", {401: "Not signed in", 403: "Not a resident", 422: "Bad paging"})
    def get(self, args):
        """Consultations asking one of my households, newest first (open and closed)."""
        return paginate(consultations.for_me(current_actor()), args)


@blp.route("/consultations/<int:consultation_id>")
class One(MethodView):
    @allow(consultations.PARTIES, scope="eligible_or_region_tree")
    @blp.response(200, ConsultationViewSchema)
    @blp.documented("getConsultation", {401: "Not signed in", 403: "Not asked, nor an official over the area", 404: "No such consultation"})
    def get(self, consultation_id):
        """The consultation, my (or my household's) answer, and the results once closed."""
        actor = current_actor()
        return _view(actor, *consultations.visible(actor, consultation_id))


@blp.route("/consultations/<int:consultation_id>/answers")
class Answers(MethodView):
    @allow(consultations.PARTICIPANTS, scope="eligible")
    @blp.arguments(ConsultationAnswerBodySchema)
    @blp.response(201, MyConsultationAnswerSchema)
    @blp.documented("answerConsultation", {401: "Not signed in", 403: "Not asked", 404: "No such consultation",
                                           409: "Closed, or already answered (by me or my household)", 422: "Bad option or empty answer"})
    def post(self, body, consultation_id):
        """Answer once (per household or per resident, as the consultation says); sealed until the deadline."""
        answer = consultations.answer(current_actor(), consultation_id, body["option"], body["text"])
        return {"option": answer.option, "text": answer.text, "created_at": answer.created_at, "by_me": True}, 201


@blp.route("/consultations/<int:consultation_id>/participation")
class Participation(MethodView):
    @allow(consultations.ORGANISERS, scope="region_tree")
    @blp.response(200, GridParticipationSchema(many=True))
    @blp.documented("getConsultationParticipation", {401: "Not signed in", 403: "Not an official over the area", 404: "No such consultation"})
    def get(self, consultation_id):
        """By grid: households that answered against households asked (while it runs, too)."""
        return consultations.participation(current_actor(), consultation_id)
