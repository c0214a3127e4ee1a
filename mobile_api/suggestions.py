"""码上纳谏: residents suggest, the community's cadres answer and decide; each community's public list has no authors."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.participation import suggestions
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.suggestions import (
    AnswerBodySchema,
    DecisionBodySchema,
    PublicSuggestionSchema,
    ReviewArgsSchema,
    SuggestionBodySchema,
    SuggestionSchema,
)

blp = ApiBlueprint("suggestions", __name__, url_prefix="/api/v1", description="码上纳谏：居民建议、社区答复与采纳")

IDEMPOTENCY = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first suggestion"}]
NOT_CADRE = "Not a cadre over this community"


@blp.route("/suggestions")
class Suggestions(MethodView):
    @allow(suggestions.AUTHORS, scope="self")
    @blp.arguments(SuggestionBodySchema)
    @blp.response(201, SuggestionSchema)
    @blp.documented("sendSuggestion", {401: "Not signed in", 403: "Not a resident", 404: "No such community",
                                       422: "Not a community, or the text is too short or long"}, IDEMPOTENCY)
    def post(self, body):
        """Send a suggestion (not a problem to fix: that is 随手拍) to a community."""
        actor = current_actor()
        return created(suggestions.submit(actor, body["community_id"], body["body"], request_claim(actor, body)), lambda row: row)


@blp.route("/suggestions/mine")
class MySuggestions(MethodView):
    @allow(suggestions.AUTHORS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(SuggestionSchema))
    @blp.documented("listMySuggestions", {401: "Not signed in", 403: "Not a resident", 422: "Bad paging"})
    def get(self, args):
        """My suggestions with their answers (private ones too) and outcomes, newest first."""
        return paginate(suggestions.mine(current_actor()), args)


@blp.route("/suggestions/review")
class Review(MethodView):
    @allow(suggestions.CADRES, scope="region_tree")
    @blp.arguments(ReviewArgsSchema, location="query")
    @blp.response(200, page_of(SuggestionSchema))
    @blp.documented("listSuggestionsToReview", {401: "Not signed in", 403: "Not a cadre", 422: "Bad status or paging"})
    def get(self, args):
        """Suggestions to the communities in my part of the city: open ones first, newest first."""
        return paginate(suggestions.to_review(current_actor(), args.pop("status")), args)


@blp.route("/suggestions/<int:suggestion_id>")
class OneSuggestion(MethodView):
    @allow(suggestions.PARTIES, scope="author_or_region_tree")
    @blp.response(200, SuggestionSchema)
    @blp.documented("getSuggestion", {401: "Not signed in", 403: "Neither its author nor a cadre over it", 404: "No such suggestion"})
    def get(self, suggestion_id):
        """One suggestion with its history."""
        return suggestions.visible(current_actor(), suggestion_id)


@blp.route("/suggestions/<int:suggestion_id>/answer")
class Answer(MethodView):
    @allow(suggestions.CADRES, scope="region_tree")
    @blp.arguments(AnswerBodySchema)
    @blp.response(200, SuggestionSchema)
    @blp.documented("answerSuggestion", {401: "Not signed in", 403: NOT_CADRE, 404: "No such suggestion",
                                         409: "Already decided", 422: "Bad input"})
    def post(self, body, suggestion_id):
        """Answer (again, until decided): in public, the suggestion and answer join the community's list."""
        return suggestions.answer(current_actor(), suggestion_id, body["answer"], body["public"])


@blp.route("/suggestions/<int:suggestion_id>/decision")
class Decision(MethodView):
    @allow(suggestions.CADRES, scope="region_tree")
    @blp.arguments(DecisionBodySchema)
    @blp.response(200, SuggestionSchema)
    @blp.documented("decideSuggestion", {401: "Not signed in", 403: NOT_CADRE, 404: "No such suggestion",
                                         409: "Already decided", 422: "Bad input"})
    def post(self, body, suggestion_id):
        """Adopt (the author earns POINTS_SUGGESTION_ADOPTED through the ledger) or decline; final."""
        return suggestions.decide(current_actor(), suggestion_id, body["adopted"], body["note"])


@blp.route("/communities/<int:community_id>/suggestions")
class CommunityList(MethodView):
    @allow(suggestions.READERS, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PublicSuggestionSchema))
    @blp.documented("listCommunitySuggestions", {401: "Not signed in", 404: "No such community", 422: "Not a community, or bad paging"})
    def get(self, args, community_id):
        """The community's public list: suggestions answered in public, with answers and outcomes, and no authors."""
        return paginate(suggestions.public_list(current_actor(), community_id), args)
