"""码上纳谏: suggestions, the cadres' answers and decisions, and the community's public list (no authors)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.participation import suggestions
from mobile_api.schemas.common import JsonBoolean, computed

STATUSES = list(suggestions.STATUS_LABELS)


class SuggestionBodySchema(Schema):
    community_id = fields.Integer(required=True, metadata={"description": "The community the suggestion is for"})
    body = fields.String(required=True, validate=validate.Length(min=5, max=2000))


class AnswerBodySchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    public = JsonBoolean(required=True, metadata={"description": "true: the suggestion and this answer join the community's public list"})


class DecisionBodySchema(Schema):
    adopted = JsonBoolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ReviewArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SuggestionEventSchema(Schema):
    action = fields.String(required=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    note = fields.String(required=True)
    at = fields.DateTime(required=True, attribute="created_at")


class PublicSuggestionSchema(Schema):
    """What the community's list shows: no author, ever."""

    id = fields.Integer(required=True)
    community_id = fields.Integer(required=True)
    community_name = computed(fields.String, lambda row: row.community.name, required=True)
    body = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": STATUSES})
    status_label = computed(fields.String, suggestions.status_label, required=True)
    answer = fields.String(required=True, allow_none=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class SuggestionSchema(PublicSuggestionSchema):
    """For its author and the cadres over the community."""

    answer_public = fields.Boolean(required=True)
    points_awarded = fields.Integer(required=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    events = fields.List(fields.Nested(SuggestionEventSchema), required=True)
