"""Maps: where a spot lies, a community's outlines (GeoJSON) and its recent reports with nobody's identity."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.regions import coordinates
from mobile_api.schemas.cases import CaseBriefSchema, RefSchema


class SpotArgsSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    coord_system = fields.String(load_default=coordinates.WGS84, validate=validate.OneOf(coordinates.SYSTEMS))


class PlacementSchema(Schema):
    community = fields.Nested(RefSchema, required=True)
    grid = fields.Nested(RefSchema, allow_none=True, metadata={"description": "None outside every grid"})
    outside_grid = fields.Boolean(required=True)


class FeatureCollectionSchema(Schema):
    """GeoJSON (RFC 7946, WGS-84): one feature per region with a drawn boundary; properties id, name, level."""

    type = fields.String(required=True, metadata={"enum": ["FeatureCollection"]})
    features = fields.List(fields.Dict(), required=True)


class ReportPinSchema(CaseBriefSchema):
    """A report on the public map: what, how far it got and where; never who sent it or what they wrote."""

    lat = fields.Float(allow_none=True, metadata={"description": "WGS-84, rounded to about ten metres"})
    lng = fields.Float(allow_none=True)
