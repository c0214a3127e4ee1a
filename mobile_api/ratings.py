"""Ratings that count: shop and cadre ratings for the community (and market regulation), low ones followed up."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.participation import ratings
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import page_of
from mobile_api.schemas.ratings import (
    CloseBodySchema,
    FollowUpArgsSchema,
    FollowUpSchema,
    RatingArgsSchema,
    RatingRowSchema,
    RatingSummarySchema,
    SummaryArgsSchema,
)

blp = ApiBlueprint("ratings", __name__, url_prefix="/api/v1", description="评价：商户与干部评价、差评回访")


@blp.route("/ratings")
class Ratings(MethodView):
    @allow(ratings.READERS, scope="region_tree_or_market_regulation")
    @blp.arguments(RatingArgsSchema, location="query")
    @blp.response(200, page_of(RatingRowSchema))
    @blp.documented("listRatings", {401: "Not signed in", 403: "Role not allowed", 422: "Bad filter or paging"})
    def get(self, args):
        """Ratings of shops or cadres in my part of the city with their comments, newest first (raters masked)."""
        target, low = args.pop("target_type"), args.pop("low_only")
        page = paginate(ratings.ratings(current_actor(), target, low), args)
        return {**page, "items": ratings.rating_rows(page["items"])}


@blp.route("/ratings/summary")
class Summary(MethodView):
    @allow(ratings.READERS, scope="region_tree_or_market_regulation")
    @blp.arguments(SummaryArgsSchema, location="query")
    @blp.response(200, RatingSummarySchema)
    @blp.documented("getRatingSummary", {401: "Not signed in", 403: "Role not allowed", 422: "Bad filter"})
    def get(self, args):
        """Average stars, count, low ratings and open follow-ups over what I may read."""
        return ratings.summary(current_actor(), args["target_type"])


@blp.route("/rating-follow-ups")
class FollowUps(MethodView):
    @allow(ratings.FOLLOWERS, scope="region_tree")
    @blp.arguments(FollowUpArgsSchema, location="query")
    @blp.response(200, page_of(FollowUpSchema))
    @blp.documented("listRatingFollowUps", {401: "Not signed in", 403: "Not an official", 422: "Bad filter or paging"})
    def get(self, args):
        """Follow-ups of low ratings in my part of the city, newest first."""
        return paginate(ratings.follow_ups(current_actor(), args.pop("status")), args)


@blp.route("/rating-follow-ups/<int:follow_up_id>/close")
class Close(MethodView):
    @allow(ratings.FOLLOWERS, scope="region_tree")
    @blp.arguments(CloseBodySchema)
    @blp.response(200, FollowUpSchema)
    @blp.documented("closeRatingFollowUp", {401: "Not signed in", 403: "Not an official over it", 404: "No such follow-up",
                                            409: "Already closed", 422: "Bad input"})
    def post(self, body, follow_up_id):
        """Close a follow-up with what the call-back found."""
        return ratings.close(current_actor(), follow_up_id, body["outcome"])
