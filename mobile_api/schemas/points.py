"""Points: balances, history, top-ups, redemptions, statements and leaderboards."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.points.leaderboards import METRICS
from mobile_api.schemas.common import computed

MONTH = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"), metadata={"description": "YYYY-MM (China Standard Time)"})


class PointsBalanceSchema(Schema):
    balance = fields.Integer(required=True)


class PointsEntrySchema(Schema):
    id = fields.Integer(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Positive: earned; negative: spent or reversed"})
    kind = computed(fields.String, lambda e: e.transaction.kind)
    memo = computed(fields.String, lambda e: e.transaction.memo)
    case_id = computed(fields.Integer, lambda e: e.transaction.case_id)
    created_at = fields.DateTime(required=True)


class TopUpSchema(Schema):
    community_id = fields.Integer(required=True)
    amount = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    memo = fields.String(load_default="", validate=validate.Length(max=200))


class LedgerTransactionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    memo = fields.String()
    created_at = fields.DateTime()


class BudgetSchema(Schema):
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    available = fields.Integer(required=True)
    reserved = fields.Integer(required=True, metadata={"description": "Held for the community's open orders"})


class BudgetMovementSchema(PointsEntrySchema):
    amount = fields.Integer(required=True, metadata={"description": "Positive: into the budget; negative: out of it"})
    order_id = computed(fields.Integer, lambda e: e.transaction.order_id, allow_none=True)


class RedemptionRequestSchema(Schema):
    shop_code = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "The token of the shop's QR code"})
    points = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    note = fields.String(load_default="", validate=validate.Length(max=200))
    payer = fields.String(
        load_default=None, validate=validate.OneOf(("resident", "staff")),
        metadata={"description": "Which account pays: resident (default for residents) or staff (default for staff)"},
    )


class ChargeSchema(Schema):
    resident_code = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "The token of the resident's personal code"})
    points = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class RedemptionSchema(Schema):
    id = fields.Integer(required=True)
    shop_id = fields.Integer(required=True)
    shop_name = computed(fields.String, lambda r: r.shop.name)
    points = fields.Integer(required=True)
    status = fields.String(required=True)
    initiated_by = fields.String(required=True)
    payer = fields.String(required=True)
    expires_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)


class MonthArgsSchema(Schema):
    month = MONTH


class StatementLineSchema(Schema):
    redemption_id = fields.Integer()
    confirmed_at = fields.String()
    resident = fields.String()
    phone = fields.String()
    points = fields.Integer()
    initiated_by = fields.String()
    payer = fields.String()
    transaction_id = fields.Integer(allow_none=True)


class StatementSchema(Schema):
    shop_id = fields.Integer()
    shop_name = fields.String()
    month = fields.String()
    total_points = fields.Integer()
    lines = fields.List(fields.Nested(StatementLineSchema))


class LeaderboardArgsSchema(Schema):
    month = MONTH
    region_id = fields.Integer(load_default=None)
    metric = fields.String(load_default="points", validate=validate.OneOf(METRICS))


class LeaderboardRankSchema(Schema):
    rank = fields.Integer(required=True)
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    department_name = fields.String()
    points = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    on_time_rate = fields.Float(allow_none=True)
    lapses = fields.Integer()


class LeaderboardSchema(Schema):
    month = fields.String()
    metric = fields.String()
    items = fields.List(fields.Nested(LeaderboardRankSchema))
