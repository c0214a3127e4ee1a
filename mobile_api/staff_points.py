"""Staff's points: their own balance and history, and their department's."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.points import staff_balances
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.points import PointsBalanceSchema, PointsEntrySchema
from mobile_api.schemas.staff import DepartmentPointsSchema

blp = ApiBlueprint("staff_points", __name__, url_prefix="/api/v1/points", description="工作人员与部门的积分余额和明细")
ERRORS = {403: "not staff, or not a member of this department", 404: "no such department", 422: "invalid input"}

documented = blp.documenting(ERRORS)


@blp.route("/staff/me")
class MyStaffBalance(MethodView):
    @allow(staff_balances.STAFF_HOLDERS, scope="self")
    @blp.response(200, PointsBalanceSchema)
    @documented("myStaffPoints", 403)
    def get(self):
        """The caller's staff points: their share of the orders they completed."""
        return {"balance": staff_balances.my_balance(current_actor())}


@blp.route("/staff/me/history")
class MyStaffHistory(MethodView):
    @allow(staff_balances.STAFF_HOLDERS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PointsEntrySchema))
    @documented("myStaffPointsHistory", 403, 422)
    def get(self, args):
        """The caller's staff points history, newest first."""
        return paginate(staff_balances.my_history(current_actor()), args)


@blp.route("/departments/<int:department_id>")
class DepartmentBalance(MethodView):
    @allow(staff_balances.DEPARTMENT_MEMBERS, scope="own_department")
    @blp.response(200, DepartmentPointsSchema)
    @documented("departmentPoints", 403, 404)
    def get(self, department_id):
        """The caller's department's points balance."""
        return staff_balances.department_balance(current_actor(), department_id)


@blp.route("/departments/<int:department_id>/history")
class DepartmentHistory(MethodView):
    @allow(staff_balances.DEPARTMENT_MEMBERS, scope="own_department")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PointsEntrySchema))
    @documented("departmentPointsHistory", 403, 404, 422)
    def get(self, args, department_id):
        """The caller's department's points history, newest first."""
        return paginate(staff_balances.department_history(current_actor(), department_id), args)
