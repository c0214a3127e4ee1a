"""Monthly leaderboards of departments and staff: points earned, orders closed, on-time rate."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.services.points import leaderboards
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.points import LeaderboardArgsSchema, LeaderboardSchema

blp = ApiBlueprint("leaderboards", __name__, url_prefix="/api/v1/leaderboards", description="部门与工作人员月度排行")

SECURITY = [{"bearer": []}]


def _board(fn, args):
    items = fn(current_actor(), args["month"], args["region_id"], args["metric"])
    return {"month": args["month"], "metric": args["metric"], "items": items}


@blp.route("/departments")
class Departments(MethodView):
    @allow(leaderboards.READERS, scope="city_or_visible_region")
    @blp.arguments(LeaderboardArgsSchema, location="query")
    @blp.response(200, LeaderboardSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Departments ranked for a month, optionally within a region the caller can see."""
        return _board(leaderboards.departments, args)


@blp.route("/staff")
class Staff(MethodView):
    @allow(leaderboards.READERS, scope="city_or_visible_region")
    @blp.arguments(LeaderboardArgsSchema, location="query")
    @blp.response(200, LeaderboardSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Department staff ranked for a month, optionally within a region the caller can see."""
        return _board(leaderboards.staff, args)
