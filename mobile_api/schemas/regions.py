"""The region tree as clients see it."""
from __future__ import annotations

import json

from marshmallow import Schema, fields

from gridapp.models import RegionLevel
from gridapp.privacy import mask_phone
from mobile_api.schemas.common import computed


class RegionSchema(Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True)
    level = fields.String(required=True, metadata={"enum": [lv.value for lv in RegionLevel]})
    level_label = computed(fields.String, lambda r: r.level_enum.label)
    code = fields.String(required=True)
    name = fields.String(required=True)
    retired = fields.Function(lambda r: r.retired_at is not None, metadata={"type": "boolean", "description": "Takes no new reports"})


class RegionDetailSchema(RegionSchema):
    boundary = computed(
        fields.Dict,
        lambda r: json.loads(r.boundary_geojson) if r.boundary_geojson else None,
        allow_none=True,
        metadata={"description": "GeoJSON geometry (grids only)"},
    )


class RegionViewSchema(Schema):
    region = fields.Nested(RegionDetailSchema, required=True)
    breadcrumb = fields.List(fields.Nested(RegionSchema), required=True, metadata={"description": "Ancestors, root first"})
    grid_workers = fields.List(fields.Nested("GridWorkerSchema"), required=True)


class GridWorkerSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    phone = computed(fields.String, lambda u: mask_phone(u.phone), allow_none=True)

