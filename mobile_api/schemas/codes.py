"""Codes, their images and printable sheets, as admins see them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.codes import CODE_KINDS
from gridapp.services.codes.issuing import BULK_TYPES, url_for_token
from gridapp.services.codes.sheets import PRINTABLE_KINDS
from mobile_api.schemas.common import PageArgsSchema, computed


class CodeSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(CODE_KINDS)})
    kind_label = fields.String(required=True)
    entity_type = fields.String(required=True)
    entity_id = fields.Integer(required=True)
    region_id = fields.Integer(allow_none=True)
    status = fields.String(required=True, metadata={"enum": ["active", "revoked", "replaced"]})
    token = fields.String(required=True)
    url = computed(fields.String, lambda c: url_for_token(c.token), metadata={"description": "What the printed code encodes"})
    scan_count = fields.Integer(required=True)
    last_scanned_at = fields.DateTime(allow_none=True)
    replaced_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)


class CodeListArgsSchema(PageArgsSchema):
    region_id = fields.Integer(metadata={"description": "Only codes under this region"})
    kind = fields.String(validate=validate.OneOf(list(CODE_KINDS)))
    status = fields.String(load_default="active", validate=validate.OneOf(["active", "revoked", "replaced"]))


class IssueSchema(Schema):
    entity_type = fields.String(required=True, validate=validate.OneOf(list(BULK_TYPES)))
    entity_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k for k in CODE_KINDS if k != "resident"]))


class BulkIssueSchema(Schema):
    region_id = fields.Integer(required=True)
    entity_types = fields.List(fields.String(validate=validate.OneOf(list(BULK_TYPES))), load_default=lambda: list(BULK_TYPES))


class BulkIssuedSchema(Schema):
    issued = fields.Integer(required=True)


class ImageArgsSchema(Schema):
    size = fields.Integer(load_default=600, validate=validate.Range(min=150, max=2000), metadata={"description": "PNG width in px"})
    ec = fields.String(load_default="Q", validate=validate.OneOf(["L", "M", "Q", "H"]), metadata={"description": "Error correction"})
    caption = fields.Boolean(load_default=True)


class SheetRequestSchema(Schema):
    region_id = fields.Integer(required=True, metadata={"description": "A community, grid or any node above"})
    building = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "Only this building's household and place codes"})
    kinds = fields.List(fields.String(validate=validate.OneOf(list(PRINTABLE_KINDS))))


class SheetJobSchema(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    building = fields.String(allow_none=True)
    kinds = computed(fields.List, lambda j: j.kinds.split(","), fields.String())
    status = fields.String(required=True, metadata={"enum": ["pending", "running", "done", "failed"]})
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    download_url = computed(fields.String, lambda j: f"/api/v1/code-sheets/{j.id}/file" if j.status == "done" else None, allow_none=True)
