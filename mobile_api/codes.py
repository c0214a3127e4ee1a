"""Codes for admins: issue, revoke, reissue, images, printable sheets; and a resident's own code."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from gridapp.authz import SIGNED_IN
from gridapp.pagination import paginate
from gridapp.services.codes import issuing as codes
from gridapp.services.codes import sheets
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.codes import (
    BulkIssuedSchema,
    BulkIssueSchema,
    CodeListArgsSchema,
    CodeSchema,
    ImageArgsSchema,
    IssueSchema,
    SheetJobSchema,
    SheetRequestSchema,
)
from mobile_api.schemas.common import page_of
from mobile_api.schemas.scan import MyCodeSchema
from qr.render import QUIET_ZONE, qr_matrix, render_png, render_svg

blp = ApiBlueprint("codes", __name__, url_prefix="/api/v1", description="二维码：发放、作废、更换、图片与批量打印")
SECURITY = [{"bearer": []}]


@blp.route("/codes")
class Codes(MethodView):
    @allow(codes.ADMIN_READ_ROLES, scope="admin_subtree")
    @blp.arguments(CodeListArgsSchema, location="query")
    @blp.response(200, page_of(CodeSchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Codes under a region, with scan counts, most scanned first."""
        return paginate(codes.list_codes(current_actor(), args.get("region_id"), args.get("kind"), args["status"]), args)

    @allow(codes.ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(IssueSchema)
    @blp.response(201, CodeSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Issue a code for one record (409 when it already has an active one of that kind)."""
        return codes.issue_code(current_actor(), body["entity_type"], body["entity_id"], body["kind"])


@blp.route("/codes/bulk")
class BulkIssue(MethodView):
    @allow(codes.ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(BulkIssueSchema)
    @blp.response(200, BulkIssuedSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Issue every missing code for the active records under a region."""
        return {"issued": codes.bulk_issue(current_actor(), body["region_id"], body["entity_types"])}


@blp.route("/codes/<int:code_id>")
class CodeItem(MethodView):
    @allow(codes.ADMIN_READ_ROLES, scope="admin_subtree")
    @blp.response(200, CodeSchema)
    @blp.doc(security=SECURITY)
    def get(self, code_id):
        """One code."""
        return codes.get_code(current_actor(), code_id)


@blp.route("/codes/<int:code_id>/revoke")
class Revoke(MethodView):
    @allow(codes.ADMIN_ROLES, scope="admin_subtree")
    @blp.response(200, CodeSchema)
    @blp.doc(security=SECURITY)
    def post(self, code_id):
        """Withdraw a code: its printout then answers 410."""
        return codes.revoke_code(current_actor(), code_id)


@blp.route("/codes/<int:code_id>/reissue")
class Reissue(MethodView):
    @allow(codes.ADMIN_ROLES, scope="admin_subtree")
    @blp.response(201, CodeSchema)
    @blp.doc(security=SECURITY)
    def post(self, code_id):
        """Replace a code with a new token; the old printout answers 410 "replaced"."""
        return codes.reissue_code(current_actor(), code_id)


@blp.route("/codes/<int:code_id>/image.png")
class PngImage(MethodView):
    @allow(codes.ADMIN_READ_ROLES, scope="admin_subtree")
    @blp.arguments(ImageArgsSchema, location="query")
    @blp.response(200, content_type="image/png")
    @blp.doc(security=SECURITY)
    def get(self, args, code_id):
        """The code as a PNG with its Chinese caption."""
        code = codes.get_code(current_actor(), code_id)
        png = render_png(codes.url_for_token(code.token), size_px=args["size"], ec=args["ec"], caption=sheets.caption(code) if args["caption"] else None)
        return Response(png, mimetype="image/png")


@blp.route("/codes/<int:code_id>/image.svg")
class SvgImage(MethodView):
    @allow(codes.ADMIN_READ_ROLES, scope="admin_subtree")
    @blp.arguments(ImageArgsSchema, location="query")
    @blp.response(200, content_type="image/svg+xml")
    @blp.doc(security=SECURITY)
    def get(self, args, code_id):
        """The code as an SVG for print shops; `size` sets the width (modules are whole px)."""
        code = codes.get_code(current_actor(), code_id)
        url = codes.url_for_token(code.token)
        module_px = max(1, args["size"] // (len(qr_matrix(url, ec=args["ec"])) + 2 * QUIET_ZONE))
        svg = render_svg(url, ec=args["ec"], module_px=module_px, caption=sheets.caption(code) if args["caption"] else None)
        return Response(svg, mimetype="image/svg+xml")


@blp.route("/code-sheets")
class Sheets(MethodView):
    @allow(codes.ADMIN_ROLES, scope="admin_subtree")
    @blp.arguments(SheetRequestSchema)
    @blp.response(202, SheetJobSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Ask for an A4 PDF of door plates; small batches are done at once, large ones in the background."""
        return sheets.request_sheet(current_actor(), body["region_id"], body.get("kinds"), body.get("building"))


@blp.route("/code-sheets/<int:job_id>")
class SheetItem(MethodView):
    @allow(codes.ADMIN_READ_ROLES, scope="admin_subtree")
    @blp.response(200, SheetJobSchema)
    @blp.doc(security=SECURITY)
    def get(self, job_id):
        """Poll a sheet job: status, done / total."""
        return sheets.get_sheet(current_actor(), job_id)


@blp.route("/code-sheets/<int:job_id>/file")
class SheetFile(MethodView):
    @allow(codes.ADMIN_READ_ROLES, scope="admin_subtree")
    @blp.response(200, content_type="application/pdf")
    @blp.doc(security=SECURITY)
    def get(self, job_id):
        """Download the finished PDF (422 not_ready until it is)."""
        job, pdf = sheets.sheet_pdf(current_actor(), job_id)
        return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="codes-{job.id}.pdf"'})


@blp.route("/me/code")
class MyCode(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.response(200, MyCodeSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """My personal code for reverse scanning (issued the first time)."""
        code = codes.my_code(current_actor())
        return {"token": code.token, "url": codes.url_for_token(code.token), "image_url": "/h5/my-code.png"}
