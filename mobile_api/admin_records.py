"""Admin records (households with members, shops, cadres, e-bikes, stalls, places).

The six collections share one shape, so their routes are made by one function:
list with search, create, read, edit, deactivate. Scope is checked in the service.
"""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from gridapp.errors import ValidationFailed
from gridapp.pagination import paginate
from gridapp.services.codes import imports
from gridapp.services.codes import records as registry
from gridapp.services.codes.issuing import ADMIN_READ_ROLES, ADMIN_ROLES
from gridapp.services.idempotency import Replayed
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, REPLAYED_HEADER, request_claim, uploads
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.admin import (
    SCHEMAS,
    AccessLogSchema,
    CadreOutSchema,
    CadrePhotoFormSchema,
    HouseholdDetailSchema,
    ImportArgsSchema,
    ImportResultSchema,
    MemberInSchema,
    RecordListArgsSchema,
)
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.setup import TEMPLATE_TYPES, TemplateArgsSchema

MemberPatchSchema = type("MemberPatchSchema", (MemberInSchema,), {})

blp = MultipartBlueprint("admin_records", __name__, url_prefix="/api/v1/admin", description="社区管理：住户、商户、干部、电动车、流动摊位、公共部位")
SECURITY = [{"bearer": []}]
IDEMPOTENCY_HEADER = {"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first record"}


def _collection(name: str) -> None:
    spec = registry.SPECS[name]
    in_schema, out_schema, detail_schema = SCHEMAS[name]
    patch_schema = type(f"{in_schema.__name__.removesuffix('InSchema')}PatchSchema", (in_schema,), {})
    list_args = type(f"{in_schema.__name__.removesuffix('InSchema')}ListArgsSchema", (RecordListArgsSchema,), {})

    def get_list(self, args):
        stmt = registry.list_query(current_actor(), spec, q=args.get("q"), region_id=args.get("region_id"), active=args.get("active"))
        return registry.view_page(current_actor(), spec, paginate(stmt, args))

    def post_list(self, body):
        actor = current_actor()
        result = registry.create_record(actor, spec, body, request_claim(actor, body))
        if isinstance(result, Replayed):
            return result.resource, 201, {REPLAYED_HEADER: "true"}
        return result

    def get_item(self, entity_id):
        return registry.get_record(current_actor(), spec, entity_id)

    def patch_item(self, body, entity_id):
        return registry.update_record(current_actor(), spec, entity_id, body)

    def post_deactivate(self, entity_id):
        return registry.deactivate_record(current_actor(), spec, entity_id)

    get_list.__doc__ = f"{spec.label}列表（可搜索，仅限本人管辖范围）"
    post_list.__doc__ = f"新建{spec.label}"
    get_item.__doc__ = f"{spec.label}详情" + ("（每次查看都会记录）" if name == "households" else "")
    patch_item.__doc__ = f"修改{spec.label}"
    post_deactivate.__doc__ = f"停用{spec.label}，其二维码同时作废"

    collection = type(f"{name.title()}Collection", (MethodView,), {
        "get": allow(ADMIN_READ_ROLES, scope="admin_subtree")(
            blp.arguments(list_args, location="query")(blp.response(200, page_of(out_schema))(blp.doc(security=SECURITY)(get_list)))
        ),
        "post": allow(ADMIN_ROLES, scope="admin_subtree")(
            blp.arguments(in_schema)(blp.response(201, detail_schema)(blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])(post_list)))
        ),
    })
    item = type(f"{name.title()}Item", (MethodView,), {
        "get": allow(ADMIN_READ_ROLES, scope="admin_subtree")(blp.response(200, detail_schema)(blp.doc(security=SECURITY)(get_item))),
        "patch": allow(ADMIN_ROLES, scope="admin_subtree")(
            blp.arguments(patch_schema(partial=True, exclude=("members",) if name == "households" else ()))(
                blp.response(200, detail_schema)(blp.doc(security=SECURITY)(patch_item))
            )
        ),
    })
    deactivate = type(f"{name.title()}Deactivate", (MethodView,), {
        "post": allow(ADMIN_ROLES, scope="admin_subtree")(blp.response(200, detail_schema)(blp.doc(security=SECURITY)(post_deactivate))),
    })
    blp.route(f"/{name}")(collection)
    blp.route(f"/{name}/<int:entity_id>")(item)
    blp.route(f"/{name}/<int:entity_id>/deactivate")(deactivate)


for _name in registry.SPECS:
    _collection(_name)


@blp.route("/cadres/<int:cadre_id>/photo")
class CadrePhoto(MethodView):
    @allow(ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(CadrePhotoFormSchema, location="files")
    @blp.response(200, CadreOutSchema)
    @blp.doc(security=SECURITY)
    def post(self, form, cadre_id):
        """Set the photo shown on a cadre's code page (multipart field `photos`, one image; EXIF and GPS removed)."""
        return registry.set_cadre_photo(current_actor(), cadre_id, uploads(form["photos"]), form["upload_ids"])


@blp.route("/households/<int:household_id>/members")
class HouseholdMembers(MethodView):
    @allow(ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(MemberInSchema)
    @blp.response(201, HouseholdDetailSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, household_id):
        """Add a member to a household."""
        return registry.add_member(current_actor(), household_id, body)


@blp.route("/households/<int:household_id>/members/<int:member_id>")
class HouseholdMember(MethodView):
    @allow(ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(MemberPatchSchema(partial=True))
    @blp.response(200, HouseholdDetailSchema)
    @blp.doc(security=SECURITY)
    def patch(self, body, household_id, member_id):
        """Edit a member (is_active=false removes them from the household)."""
        return registry.update_member(current_actor(), household_id, member_id, body)


@blp.route("/households/<int:household_id>/access-log")
class HouseholdAccess(MethodView):
    @allow(ADMIN_READ_ROLES, scope="admin_subtree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(AccessLogSchema))
    @blp.doc(security=SECURITY)
    def get(self, args, household_id):
        """Who read or changed this household record, newest first."""
        return paginate(registry.access_log(current_actor(), household_id), args)


@blp.route("/imports/<kind>")
class Import(MethodView):
    @allow(ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.response(201, ImportResultSchema)
    @blp.doc(security=SECURITY)
    def post(self, args, kind):
        """Import households, shops, ebikes, stalls, places or cadres from a .csv or .xlsx file (multipart field `file`); nothing is imported if any row is invalid,
        and the 422 answer lists each bad row and field."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationFailed("请上传 .csv 或 .xlsx 文件", details={"file": ["required"]})
        return imports.import_records(current_actor(), kind, upload.filename, upload.read(), args["issue_codes"])


@blp.route("/imports/<kind>/template")
class ImportTemplate(MethodView):
    @allow(ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(TemplateArgsSchema, location="query")
    @blp.doc(security=SECURITY, responses={"200": {"description": "CSV (UTF-8 with BOM) or XLSX", "content": TEMPLATE_TYPES}})
    def get(self, args, kind):
        """An empty import sheet for households, shops, ebikes, stalls, places or cadres (CSV or XLSX), headers in Chinese."""
        body, mimetype = imports.record_template(current_actor(), kind, args["format"])
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{kind}.{args["format"]}"'})
