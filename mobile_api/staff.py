"""Staff accounts for their admins: list and search, create, edit, deactivate and reactivate, grant and
revoke roles, reset a password, unlock, import from a spreadsheet, and the staff audit."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from gridapp.authz import Role
from gridapp.pagination import paginate
from gridapp.services.accounts import staff, staff_audit, staff_imports
from gridapp.services.accounts.grants import STAFF_MANAGERS
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.common import page_of
from mobile_api.schemas.staff import (
    AuditArgsSchema,
    AuditEntrySchema,
    GrantInSchema,
    PasswordResetSchema,
    StaffImportFormSchema,
    StaffImportResultSchema,
    StaffInSchema,
    StaffListArgsSchema,
    StaffPatchSchema,
    StaffSchema,
)

blp = MultipartBlueprint("staff", __name__, url_prefix="/api/v1", description="工作人员账号：新建、授权、停用、重置密码、导入与审计")
IDEMPOTENCY_HEADER = {"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first account"}
ERRORS = {403: "not an admin over this account, role or place", 404: "no such account in the caller's reach", 422: "invalid input"}

documented = blp.documenting(ERRORS)


def _grant_request(body: dict) -> staff.GrantRequest:
    return staff.GrantRequest(Role(body["role"]), tuple(body["region_ids"]), body["department_id"], body["title"])


@blp.route("/staff")
class StaffCollection(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.arguments(StaffListArgsSchema, location="query")
    @blp.response(200, page_of(StaffSchema))
    @documented("listStaff", 403, 422)
    def get(self, args):
        """Staff accounts with a role in the caller's part of the city (or department), by name; search by name, username or phone."""
        actor = current_actor()
        role = Role(args["role"]) if args["role"] else None
        stmt = staff.list_query(actor, q=args["q"], role=role, active=args["active"])
        return staff.view_page(actor, paginate(stmt, args))

    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.arguments(StaffInSchema)
    @blp.response(201, StaffSchema)
    @documented("createStaff", 403, 422, parameters=[IDEMPOTENCY_HEADER])
    def post(self, body):
        """A new staff account with its roles; its password must be changed at the first sign-in."""
        actor = current_actor()
        claim = request_claim(actor, {k: v for k, v in body.items() if k != "password"} | {"grants": repr(body["grants"])})
        data = {**body, "grants": [_grant_request(g) for g in body["grants"]]}
        return created(staff.create_staff(actor, data, claim), lambda view: view)


@blp.route("/staff/<int:user_id>")
class StaffItem(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.response(200, StaffSchema)
    @documented("getStaff", 403, 404)
    def get(self, user_id):
        """One staff account."""
        return staff.get_staff(current_actor(), user_id)

    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.arguments(StaffPatchSchema)
    @blp.response(200, StaffSchema)
    @documented("editStaff", 403, 404, 422)
    def patch(self, body, user_id):
        """Change the name, username or phone of an account the caller manages."""
        return staff.edit_staff(current_actor(), user_id, body)


@blp.route("/staff/<int:user_id>/deactivate")
class StaffDeactivate(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.response(200, StaffSchema)
    @documented("deactivateStaff", 403, 404)
    def post(self, user_id):
        """Deactivate an account: its sign-in is refused and every token it holds stops working at once."""
        return staff.set_active(current_actor(), user_id, False)


@blp.route("/staff/<int:user_id>/reactivate")
class StaffReactivate(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.response(200, StaffSchema)
    @documented("reactivateStaff", 403, 404)
    def post(self, user_id):
        """Reactivate a deactivated account (its old tokens stay dead; it signs in again)."""
        return staff.set_active(current_actor(), user_id, True)


@blp.route("/staff/<int:user_id>/password")
class StaffPassword(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.arguments(PasswordResetSchema)
    @blp.response(200, StaffSchema)
    @documented("resetStaffPassword", 403, 404, 422)
    def post(self, body, user_id):
        """Reset the password: the account's sessions end, and it must change the password at the next sign-in."""
        return staff.reset_password(current_actor(), user_id, body["password"])


@blp.route("/staff/<int:user_id>/unlock")
class StaffUnlock(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.response(200, StaffSchema)
    @documented("unlockStaff", 403, 404)
    def post(self, user_id):
        """End the lock that repeated wrong passwords put on the account."""
        return staff.unlock(current_actor(), user_id)


@blp.route("/staff/<int:user_id>/grants")
class StaffGrants(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.arguments(GrantInSchema)
    @blp.response(200, StaffSchema)
    @documented("grantStaffRole", 403, 404, 422)
    def post(self, body, user_id):
        """Give a role: a grid worker one or more grids, department roles a department, admins their node,
        a super admin the city or a district. Only roles below the caller's own, inside the caller's reach."""
        return staff.add_grant(current_actor(), user_id, _grant_request(body))


@blp.route("/staff/<int:user_id>/grants/<int:grant_id>")
class StaffGrant(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.response(200, StaffSchema)
    @documented("revokeStaffRole", 403, 404, 422)
    def delete(self, user_id, grant_id):
        """Take a role back (not the account's last: deactivate the account instead)."""
        return staff.revoke_grant(current_actor(), user_id, grant_id)


@blp.route("/staff/imports")
class StaffImport(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.arguments(StaffImportFormSchema, location="files")
    @blp.response(201, StaffImportResultSchema)
    @documented("importStaff", 403, 422)
    def post(self, form):
        """Import staff from the template filled in (.csv or .xlsx): every row or none; the 422 answer lists each bad row and field."""
        upload = form["file"]
        return staff_imports.import_staff(current_actor(), upload.filename or "", upload.read())


@blp.route("/staff/import-template.csv")
class StaffImportTemplate(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @documented("staffImportTemplate", 403)
    @blp.doc(responses={"200": {"description": "CSV (UTF-8 with BOM)", "content": {"text/csv": {}}}})
    def get(self):
        """The staff import template: the columns, and one example row to replace."""
        return Response(
            staff_imports.template(), mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="staff-template.csv"'},
        )


@blp.route("/staff-audit")
class StaffAudit(MethodView):
    @allow(STAFF_MANAGERS, scope="admin_reach")
    @blp.arguments(AuditArgsSchema, location="query")
    @blp.response(200, page_of(AuditEntrySchema))
    @documented("listStaffAudit", 403, 422)
    def get(self, args):
        """Every change to staff accounts and grants in the caller's part of the city, newest first: who, when, before, after."""
        return paginate(staff_audit.entries(current_actor(), args["user_id"]), args)
