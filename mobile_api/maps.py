"""Maps for residents: where a spot lies, a community's grids as a base map, and its recent reports."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.cases import presentation as case_views
from gridapp.services.cases import public_map
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import ErrorSchema, PageArgsSchema, page_of
from mobile_api.schemas.maps import FeatureCollectionSchema, PlacementSchema, ReportPinSchema, SpotArgsSchema

blp = ApiBlueprint("maps", __name__, url_prefix="/api/v1/map", description="地图：网格边界与社区近期反映")
SECURITY = [{"bearer": []}]


@blp.route("/place")
class Place(MethodView):
    @allow(public_map.VIEWERS, scope="city")
    @blp.arguments(SpotArgsSchema, location="query")
    @blp.response(200, PlacementSchema)
    @blp.alt_response(422, schema=ErrorSchema, description="Bad position, or outside every grid of the city")
    @blp.doc(security=SECURITY, operationId="placeSpot")
    def get(self, args):
        """The grid (or the nearest community, outside every grid) a report from this spot would go to."""
        placed = public_map.place(current_actor(), args["lng"], args["lat"], args["coord_system"])
        return {"community": placed.community, "grid": placed.grid, "outside_grid": placed.outside_grid}


@blp.route("/communities/<int:community_id>/boundaries")
class CommunityBoundaries(MethodView):
    @allow(public_map.VIEWERS, scope="city")
    @blp.response(200, FeatureCollectionSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such community in the caller's city")
    @blp.doc(security=SECURITY, operationId="communityBoundaries")
    def get(self, community_id):
        """The community's outline and its grids' as GeoJSON: the base map when no tile layer is configured."""
        return public_map.boundaries(current_actor(), community_id)


@blp.route("/communities/<int:community_id>/reports")
class CommunityReports(MethodView):
    @allow(public_map.VIEWERS, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ReportPinSchema))
    @blp.alt_response(404, schema=ErrorSchema, description="No such community in the caller's city")
    @blp.doc(security=SECURITY, operationId="communityRecentReports")
    def get(self, args, community_id):
        """The community's recent reports: category, state, place label and a rounded position, newest first."""
        page = paginate(public_map.recent_reports(current_actor(), community_id), args)
        page["items"] = [case_views.pin(case) for case in page["items"]]
        return page
