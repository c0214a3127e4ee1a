"""Account links: asking, inviting, deciding, and what linked members and owners read."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.links import LINK_KINDS, LINK_STATUSES
from mobile_api.schemas.common import PageArgsSchema

PHONE = validate.Regexp(r"^1\d{10}$", error="请输入 11 位手机号")
NOTE = fields.String(load_default="", validate=validate.Length(max=200))


class LinkRequestSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(LINK_KINDS))
    record_id = fields.Integer(required=True, validate=validate.Range(min=1))
    note = NOTE


class InvitationSchema(Schema):
    member_id = fields.Integer(required=True, validate=validate.Range(min=1))
    phone = fields.String(required=True, validate=PHONE)


class DecisionSchema(Schema):
    note = NOTE


class ReviewArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf(LINK_STATUSES))


class CandidateSchema(Schema):
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    record_id = fields.Integer(required=True)
    label = fields.String(required=True)
    available = fields.Boolean(required=True, metadata={"description": "False: already linked to another account"})


class LinkSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    record_id = fields.Integer(required=True)
    label = fields.String(required=True)
    grid_name = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    via = fields.String(required=True, metadata={"description": "request: the person asked; invitation: the household head invited"})
    phone = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    decided_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    is_mine = fields.Boolean(required=True)
    asked_by_me = fields.Boolean(required=True)
    account_name = fields.String(allow_none=True)
    registry_name = fields.String(allow_none=True, metadata={"description": "The name on the record; only to the staff who decide"})


class LinkEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    action_label = fields.String(required=True)
    actor_name = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String(required=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class MemberCorrectionSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    phone = fields.String(validate=PHONE)


class OwnedRecordSchema(Schema):
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    record_id = fields.Integer(required=True)
    label = fields.String(required=True)
    rating = fields.Dict(metadata={"description": "Shops: average stars and count"})


class RedemptionArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf(("pending", "confirmed", "cancelled")))


class OwnerRedemptionSchema(Schema):
    id = fields.Integer(required=True)
    points = fields.Integer(required=True)
    status = fields.String(required=True)
    payer = fields.String(required=True)
    payer_name = fields.String(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    confirmed_at = fields.DateTime(allow_none=True)


class OwnerRatingSchema(Schema):
    stars = fields.Integer(required=True)
    comment = fields.String(allow_none=True)
    at = fields.DateTime(required=True)
    rater = fields.String(allow_none=True)
