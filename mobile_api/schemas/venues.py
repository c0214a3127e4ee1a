"""Venue check-in (店铺/场所登记) and the audited lookup of a venue's visitors."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.codes import venue_checkins
from mobile_api.schemas.common import computed


class VenueCheckInSchema(Schema):
    id = fields.Integer(required=True)
    venue_type = fields.String(required=True, metadata={"enum": ["shop", "place"]})
    venue_id = fields.Integer(required=True)
    venue_name = computed(fields.String, venue_checkins.venue_name, required=True)
    checked_in_at = fields.DateTime(required=True, attribute="created_at")
    expires_at = computed(fields.DateTime, venue_checkins.expires_at, required=True,
                          metadata={"description": "When retention deletes it (CHECKIN_RETENTION_DAYS after the check-in)"})


class LookupBodySchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "The venue's code token"})
    reason = fields.String(required=True, validate=validate.Length(min=4, max=255), metadata={"description": "Why (recorded in the audit)"})
    since = fields.AwareDateTime(load_default=None, metadata={"description": "Default and earliest: the start of the retention window"})
    until = fields.AwareDateTime(load_default=None, metadata={"description": "Default and latest: now"})


class VenueVisitorSchema(Schema):
    checked_in_at = fields.DateTime(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)


class LookupSchema(Schema):
    id = fields.Integer(required=True)
    venue_type = fields.String(required=True, metadata={"enum": ["shop", "place"]})
    venue_id = fields.Integer(required=True)
    venue_name = computed(fields.String, venue_checkins.venue_name, required=True)
    reason = fields.String(required=True)
    since = fields.DateTime(required=True)
    until = fields.DateTime(required=True)
    visitors_shown = fields.Integer(required=True)
    looked_up_at = fields.DateTime(required=True, attribute="created_at")
    looked_up_by = computed(fields.String, lambda row: row.actor.display_name, required=True)


class LookupResultSchema(Schema):
    lookup = fields.Nested(LookupSchema, required=True, metadata={"description": "The audit row this lookup appended"})
    visitors = fields.List(fields.Nested(VenueVisitorSchema), required=True)
