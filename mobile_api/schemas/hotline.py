"""12345 follow-up (回访): the operator's calls, the caller's link, the satisfaction figures."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.supervision.metrics import PERIOD_LABELS
from mobile_api.schemas.cases import RefSchema
from mobile_api.schemas.common import PageArgsSchema


class HotlineCallSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    category = fields.Nested(RefSchema, required=True)
    place_label = fields.String(allow_none=True)
    description = fields.String(required=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "The caller's number, for the operator who took the call"})
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    follow_up = fields.String(allow_none=True, metadata={"description": "waiting, sent, satisfied, not_solved, no_answer; null without consent"})
    follow_up_label = fields.String(required=True)
    stars = fields.Integer(allow_none=True)


class HotlineStepSchema(Schema):
    label = fields.String(required=True)
    at = fields.DateTime(required=True)


class HotlineCallerViewSchema(Schema):
    category = fields.String(required=True)
    place = fields.String(required=True)
    description = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    stars = fields.Integer(allow_none=True)
    comment = fields.String(required=True)
    may_answer = fields.Boolean(required=True)
    steps = fields.List(fields.Nested(HotlineStepSchema), required=True)


class HotlineAnswerSchema(Schema):
    satisfied = fields.Boolean(required=True, metadata={"description": "true: solved (stars required); false: not solved (comment required)"})
    stars = fields.Integer(validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class HotlineSatisfactionArgsSchema(PageArgsSchema):
    region_id = fields.Integer(required=True)
    period = fields.String(load_default="month", validate=validate.OneOf(sorted(set(PERIOD_LABELS) - {"custom"})))


class HotlineSatisfactionSchema(Schema):
    region = fields.Nested(RefSchema, required=True)
    asked = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    satisfied = fields.Integer(required=True)
    no_answer = fields.Integer(required=True)
    answered_rate = fields.Float(allow_none=True, metadata={"description": "answered ÷ asked"})
    satisfied_rate = fields.Float(allow_none=True, metadata={"description": "satisfied ÷ answered"})
    average_stars = fields.Float(allow_none=True)
