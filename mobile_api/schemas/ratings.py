"""Ratings that count: shop and cadre ratings as the community reads them, and the follow-ups of low ones."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.participation import ratings
from mobile_api.schemas.common import computed

TARGETS = ["shop", "cadre"]


class RatingArgsSchema(Schema):
    target_type = fields.String(required=True, validate=validate.OneOf(TARGETS))
    low_only = fields.Boolean(load_default=False, metadata={"description": f"Only ratings of {ratings.LOW_STARS} stars or fewer"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SummaryArgsSchema(Schema):
    target_type = fields.String(required=True, validate=validate.OneOf(TARGETS))


class RatingRowSchema(Schema):
    id = fields.Integer(required=True)
    target_type = fields.String(required=True, metadata={"enum": TARGETS})
    target_id = fields.Integer(required=True)
    target_name = fields.String(required=True)
    place = fields.String(required=True, metadata={"description": "The shop's grid or the cadre's community"})
    stars = fields.Integer(required=True)
    comment = fields.String(required=True, allow_none=True)
    rated_at = fields.DateTime(required=True)
    rater = fields.String(required=True, metadata={"description": "Masked"})


class RatingSummarySchema(Schema):
    average = fields.Float(required=True, allow_none=True)
    count = fields.Integer(required=True)
    low = fields.Integer(required=True)
    open_follow_ups = fields.Integer(required=True, allow_none=True, metadata={"description": "null for market regulation, which does not call back"})


class FollowUpArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class FollowUpSchema(Schema):
    id = fields.Integer(required=True)
    target_type = fields.String(required=True, metadata={"enum": TARGETS})
    target_id = fields.Integer(required=True)
    target_name = computed(fields.String, ratings.target_name, required=True)
    stars = fields.Integer(required=True)
    comment = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"enum": ["open", "closed"]})
    opened_at = fields.DateTime(required=True, attribute="created_at")
    closed_at = fields.DateTime(required=True, allow_none=True)
    closed_by = computed(fields.String, lambda row: row.closed_by.display_name if row.closed_by else None, required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True)


class CloseBodySchema(Schema):
    outcome = fields.String(required=True, validate=validate.Length(min=2, max=1000), metadata={"description": "What the call-back found and did"})
