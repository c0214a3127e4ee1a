"""What a scan answers, and the bodies of the actions a scan page offers."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from mobile_api.schemas.cases import upload_ids_field

STANDINGS = ["anonymous", "resident", "department", "member", "grid_worker", "official"]


class ScanActionSchema(Schema):
    action = fields.String(required=True, metadata={"enum": ["report", "contact", "move", "rate", "update_me", "visit"]})
    label = fields.String(required=True)
    href = fields.String(allow_none=True)
    login_required = fields.Boolean(required=True)


class ScanViewSchema(Schema):
    """Sections appear only when the scanner may see them; see gridapp.services.scan_views."""

    code = fields.Dict(required=True, metadata={"description": "kind, kind_label, token"})
    viewer = fields.String(required=True, metadata={"enum": STANDINGS})
    place = fields.Dict(required=True, metadata={"description": "label, grid, community (never a resident's name)"})
    actions = fields.List(fields.Nested(ScanActionSchema), required=True)
    grid_workers = fields.List(fields.Dict())
    household = fields.Dict()
    visit = fields.Dict()
    resident = fields.Dict()
    shop = fields.Dict()
    cadre = fields.Dict()
    ebike = fields.Dict()
    stall = fields.Dict()
    facility = fields.Dict()


class HouseholdRecordSchema(Schema):
    id = fields.Integer(required=True)
    building = fields.String(required=True)
    unit = fields.String(required=True)
    floor = fields.Integer(required=True)
    room = fields.String(required=True)
    address = fields.String(required=True)
    members = fields.List(fields.Dict(), required=True)


class RatingBodySchema(Schema):
    stars = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, validate=validate.Length(max=255))


class RatingSchema(Schema):
    average = fields.Float(allow_none=True)
    count = fields.Integer(required=True)


class ContactBodySchema(Schema):
    message = fields.String(load_default=None, validate=validate.Length(max=100))


class ContactSentSchema(Schema):
    sent = fields.Boolean(required=True)
    kind = fields.String(required=True, metadata={"enum": ["move", "contact"]})


class MemberUpdateSchema(Schema):
    phone = fields.String(required=True, validate=validate.Regexp(r"^1\d{10}$", error="请输入 11 位手机号"))


class VisitFormSchema(Schema):
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    upload_ids = upload_ids_field()


class VisitSchema(Schema):
    id = fields.Integer(required=True)
    household_id = fields.Integer(required=True)
    notes = fields.String(required=True)
    photos = fields.List(fields.String(), required=True, metadata={"description": "media keys"})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(allow_none=True)


class VisitorSchema(Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class VisitHistorySchema(VisitSchema):
    worker = fields.Nested(VisitorSchema, required=True, metadata={"description": "the grid worker who visited"})


class MyCodeSchema(Schema):
    token = fields.String(required=True)
    url = fields.String(required=True)
    image_url = fields.String(required=True)


class HouseholdReaderSchema(Schema):
    role = fields.String(required=True)
    role_label = fields.String(required=True)
    organisation = fields.String(allow_none=True, metadata={"description": "the grid, community or department"})
    name = fields.String(required=True, metadata={"description": "masked"})


class HouseholdReadSchema(Schema):
    household_id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    action = fields.String(required=True, metadata={"enum": ["read", "create", "update"]})
    action_label = fields.String(required=True)
    via = fields.String(required=True, metadata={"enum": ["scan", "admin", "self"]})
    via_label = fields.String(required=True)
    reader = fields.Nested(HouseholdReaderSchema, required=True)
