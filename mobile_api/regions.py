"""The region tree: browsing it within one's own scope, and administering it (import, edit, move, retire)."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.regions import admin as region_admin
from gridapp.services.regions import imports as region_imports
from gridapp.services.regions import tree as regions
from gridapp.web.access import allow, current_actor
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.regions import RegionDetailSchema, RegionSchema, RegionViewSchema
from mobile_api.schemas.setup import (
    TEMPLATE_TYPES,
    ChangeNoteSchema,
    RegionEditResultSchema,
    RegionEditSchema,
    RegionImportFormSchema,
    RegionImportResultSchema,
    RegionMoveSchema,
    RegionTemplateArgsSchema,
    SetupChangeSchema,
)

blp = MultipartBlueprint("regions", __name__, url_prefix="/api/v1/regions", description="区域（市、区、街道、社区、网格）")


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

    @allow(region_admin.REGION_ADMINS, scope="admin_subtree")
    @blp.arguments(RegionEditSchema)
    @blp.response(200, RegionEditResultSchema)
    @blp.doc(security=[{"bearer": []}])
    def patch(self, body, region_id):
        """Rename a node below the caller's own, or redraw a grid (overlaps come back as warnings)."""
        region, warnings = region_admin.edit(
            current_actor(), region_id, name=body.get("name"), boundary=body.get("boundary"), note=body["note"]
        )
        return {"region": region, "warnings": warnings}


@blp.route("/<int:region_id>/children")
class RegionChildren(MethodView):
    @allow(regions.READERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(RegionSchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args, region_id):
        """The direct children of a region within the caller's scope."""
        return paginate(regions.children(current_actor(), region_id), args)


@blp.route("/import")
class RegionImport(MethodView):
    @allow(region_admin.REGION_ADMINS, scope="admin_subtree")
    @blp.arguments(RegionImportFormSchema, location="files")
    @blp.response(201, RegionImportResultSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, form):
        """Import districts, streets, communities and grids from a GeoJSON FeatureCollection, CSV or XLSX
        (multipart field `file`), under nodes the caller administers. Nothing is imported if any feature or row
        is wrong: the 422 answer lists each one. Overlapping grids come back as warnings. A retry after a lost
        answer is refused (the codes exist)."""
        upload = form["file"]
        return region_imports.import_tree(current_actor(), upload.filename or "", upload.read())


REGION_TEMPLATES = {
    "description": "CSV (UTF-8 with BOM), XLSX or GeoJSON", "content": {**TEMPLATE_TYPES, "application/geo+json": {}}
}


@blp.route("/import-template")
class RegionImportTemplate(MethodView):
    @allow(region_admin.REGION_ADMINS, scope="admin_subtree")
    @blp.arguments(RegionTemplateArgsSchema, location="query")
    @blp.doc(security=[{"bearer": []}], responses={"200": REGION_TEMPLATES})
    def get(self, args):
        """An empty region sheet (CSV or XLSX) or an example GeoJSON FeatureCollection to fill in."""
        body, mimetype = region_imports.region_template(current_actor(), args["format"])
        disposition = f'attachment; filename="regions.{args["format"]}"'
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@blp.route("/<int:region_id>/move")
class RegionMove(MethodView):
    @allow(region_admin.REGION_ADMINS, scope="admin_subtree")
    @blp.arguments(RegionMoveSchema)
    @blp.response(200, RegionDetailSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body, region_id):
        """Move a node and its subtree under another parent of the same level. Refused while the subtree has active
        cases or live orders; closed cases keep the path they were filed under."""
        return region_admin.move(current_actor(), region_id, body["parent_id"], body["note"])


@blp.route("/<int:region_id>/retire")
class RegionRetire(MethodView):
    @allow(region_admin.REGION_ADMINS, scope="admin_subtree")
    @blp.arguments(ChangeNoteSchema)
    @blp.response(200, RegionDetailSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body, region_id):
        """Retire a node: no new reports or children. Refused while it has active children, staff grants, records
        or cases."""
        return region_admin.retire(current_actor(), region_id, body["note"])


@blp.route("/<int:region_id>/changes")
class RegionChanges(MethodView):
    @allow(region_admin.REGION_ADMINS, scope="admin_subtree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(SetupChangeSchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args, region_id):
        """Who changed this node, when, and what it was before and after, newest first."""
        return paginate(region_admin.history(current_actor(), region_id), args)
