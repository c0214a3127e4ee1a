"""Departments: the units that grab orders, their kind, and the region nodes they serve."""

from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.setup import departments
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.cases import IDEMPOTENCY_HEADER
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.setup import (
    DepartmentInSchema,
    DepartmentKindSchema,
    DepartmentPatchSchema,
    DepartmentSchema,
    SetupChangeSchema,
)

blp = ApiBlueprint("departments", __name__, url_prefix="/api/v1/departments", description="职能部门")
SECURITY = [{"bearer": []}]


@blp.route("")
class Departments(MethodView):
    @allow(departments.DEPARTMENT_READERS, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(DepartmentSchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """The city's departments, active or not, by code."""
        return paginate(departments.listing(current_actor()), args)

    @allow(departments.DEPARTMENT_ADMINS, scope="city_or_super_subtree")
    @blp.arguments(DepartmentInSchema)
    @blp.response(201, DepartmentSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Create a department of a kind, serving region nodes (a super admin: only nodes in their subtree)."""
        actor = current_actor()
        result = departments.create_once(actor, request_claim(actor, body), **body)
        return created(result, lambda department: department)


@blp.route("/kinds")
class DepartmentKinds(MethodView):
    @allow(departments.DEPARTMENT_READERS, scope="city")
    @blp.response(200, DepartmentKindSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self):
        """The usual department kinds with their names, and every kind the city's departments have."""
        return departments.kind_choices(current_actor())


@blp.route("/<int:department_id>")
class DepartmentItem(MethodView):
    @allow(departments.DEPARTMENT_READERS, scope="city")
    @blp.response(200, DepartmentSchema)
    @blp.doc(security=SECURITY)
    def get(self, department_id):
        """One department with the nodes it serves."""
        return departments.get_department(current_actor(), department_id)

    @allow(departments.DEPARTMENT_ADMINS, scope="city_or_super_subtree")
    @blp.arguments(DepartmentPatchSchema)
    @blp.response(200, DepartmentSchema)
    @blp.doc(security=SECURITY)
    def patch(self, body, department_id):
        """Rename, change the kind or the served nodes, deactivate (no new orders) or reactivate a department."""
        return departments.edit(current_actor(), department_id, **body)


@blp.route("/<int:department_id>/changes")
class DepartmentChanges(MethodView):
    @allow(departments.DEPARTMENT_READERS, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(SetupChangeSchema))
    @blp.doc(security=SECURITY)
    def get(self, args, department_id):
        """Who changed this department, when, and what it was before and after, newest first."""
        return paginate(departments.history(current_actor(), department_id), args)
