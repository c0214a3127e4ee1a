"""Open311 API keys as admins see them; the key itself only in the answer that issues it."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from mobile_api.schemas.common import computed


class ApiKeyCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=48), metadata={"description": "The client system's name"})
    region_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "Limit the key to this region's subtree; omit for the whole city (system admins only)"})


class ApiKeySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    key_prefix = fields.String(required=True, metadata={"description": "The key's first characters, to tell keys apart"})
    region_id = fields.Integer(allow_none=True)
    region_name = computed(fields.String, lambda c: c.region.name if c.region else None, allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)


class ApiKeyIssuedSchema(Schema):
    client = fields.Nested(ApiKeySchema, required=True)
    key = fields.String(required=True, metadata={"description": "The API key: shown this once, never again"})
