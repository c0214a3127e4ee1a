"""Points (积分): residents' balances and history, budgets and top-ups, redeeming at shops,
and each shop's monthly statement."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.points import ledger
from gridapp.services.points import residents as points
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER
from mobile_api.blueprint import IDEMPOTENCY_HEADER, ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.points import (
    BudgetMovementSchema,
    BudgetSchema,
    ChargeSchema,
    LedgerTransactionSchema,
    MonthArgsSchema,
    PointsBalanceSchema,
    PointsEntrySchema,
    RedemptionRequestSchema,
    RedemptionSchema,
    StatementSchema,
    TopUpSchema,
)

blp = ApiBlueprint("points", __name__, url_prefix="/api/v1/points", description="积分：余额、明细、预算充值、商户兑换与结算")

SECURITY = [{"bearer": []}]


@blp.route("/me")
class MyBalance(MethodView):
    @allow(points.HOLDERS, scope="self")
    @blp.response(200, PointsBalanceSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """The caller's points balance."""
        return {"balance": points.my_balance(current_actor())}


@blp.route("/me/history")
class MyHistory(MethodView):
    @allow(points.HOLDERS, scope="self")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(PointsEntrySchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """The caller's points history, newest first: awards, redemptions, reversals."""
        return paginate(points.my_history(current_actor()), args)


@blp.route("/top-ups")
class TopUps(MethodView):
    @allow(ledger.TOP_UP_ROLES, scope="district_or_city")
    @blp.arguments(TopUpSchema)
    @blp.response(201, LedgerTransactionSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Fund a community's points budget from the city's fund (a retried request with the same Idempotency-Key pays once)."""
        return ledger.top_up(current_actor(), body["community_id"], body["amount"], request.headers.get(HEADER), body["memo"])


@blp.route("/communities/<int:community_id>/budget")
class Budget(MethodView):
    @allow(ledger.BUDGET_READERS, scope="region_tree")
    @blp.response(200, BudgetSchema)
    @blp.doc(security=SECURITY)
    def get(self, community_id):
        """What the community can still promise, and what it holds for open orders."""
        return ledger.community_budget(current_actor(), community_id)


@blp.route("/communities/<int:community_id>/budget/movements")
class BudgetMovements(MethodView):
    @allow(ledger.BUDGET_READERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(BudgetMovementSchema))
    @blp.documented(
        "listBudgetMovements",
        {403: "not an official over this community", 404: "no such community", 422: "invalid page arguments"},
    )
    def get(self, args, community_id):
        """The community budget's movements, newest first: top-ups, reserves for orders, returns, reversals."""
        return paginate(ledger.community_movements(current_actor(), community_id), args)


@blp.route("/redemptions")
class Redemptions(MethodView):
    @allow(points.REDEEMERS, scope="self")
    @blp.arguments(RedemptionRequestSchema)
    @blp.response(201, RedemptionSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Having scanned a shop's code, ask to pay points there (a resident's awards or a staff member's own
        points); the shop's linked owner confirms."""
        return points.request_redemption_by_code(
            current_actor(), body["shop_code"], body["points"], body["note"], body["payer"]
        )


@blp.route("/redemptions/<int:redemption_id>/confirm")
class Confirm(MethodView):
    @allow(points.HOLDERS, scope="shop_owner")
    @blp.response(200, RedemptionSchema)
    @blp.doc(security=SECURITY)
    def post(self, redemption_id):
        """The shop's owner confirms: the points move to the shop's account."""
        return points.confirm_redemption(current_actor(), redemption_id)


@blp.route("/shops/<int:shop_id>/charge")
class Charge(MethodView):
    @allow(points.HOLDERS, scope="shop_owner")
    @blp.arguments(ChargeSchema)
    @blp.response(201, RedemptionSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, shop_id):
        """The shop scanned the resident's personal code: the points move at once."""
        return points.charge_resident(current_actor(), shop_id, body["resident_code"], body["points"], body["note"])


@blp.route("/shops/<int:shop_id>/statement")
class Statement(MethodView):
    @allow(points.STATEMENT_READERS, scope="shop_owner_or_region_tree")
    @blp.arguments(MonthArgsSchema, location="query")
    @blp.response(200, StatementSchema)
    @blp.doc(security=SECURITY)
    def get(self, args, shop_id):
        """A shop's confirmed redemptions in a month (China Standard Time)."""
        return points.shop_statement(current_actor(), shop_id, args["month"])


@blp.route("/shops/<int:shop_id>/statement.csv")
class StatementCsv(MethodView):
    @allow(points.STATEMENT_READERS, scope="shop_owner_or_region_tree")
    @blp.arguments(MonthArgsSchema, location="query")
    @blp.doc(security=SECURITY, responses={"200": {"description": "CSV (UTF-8 with BOM)", "content": {"text/csv": {}}}})
    def get(self, args, shop_id):
        """The monthly statement as CSV, for settlement."""
        statement = points.shop_statement(current_actor(), shop_id, args["month"])
        filename = f"statement-{shop_id}-{args['month']}.csv"
        return Response(
            points.statement_csv(statement), mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
