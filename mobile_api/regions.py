"""Browsing the region tree within one's own scope."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.regions import tree as regions
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.regions import RegionSchema, RegionViewSchema

blp = ApiBlueprint("regions", __name__, url_prefix="/api/v1/regions", description="区域（市、区、街道、社区、网格）")


@blp.route("")
class RegionRoots(MethodView):
    @allow(regions.READERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(RegionSchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """The topmost regions the caller's roles cover."""
        return paginate(regions.roots_for(current_actor()), args)


@blp.route("/<int:region_id>")
class RegionItem(MethodView):
    @allow(regions.READERS, scope="region_tree")
    @blp.response(200, RegionViewSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self, region_id):
        """A region within the caller's scope, with its ancestors and (for a grid) its grid workers."""
        region = regions.visible_region(current_actor(), region_id)
        return {"region": region, "breadcrumb": regions.ancestors(region), "grid_workers": regions.grid_workers(region)}


@blp.route("/<int:region_id>/children")
class RegionChildren(MethodView):
    @allow(regions.READERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(RegionSchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args, region_id):
        """The direct children of a region within the caller's scope."""
        return paginate(regions.children(current_actor(), region_id), args)
