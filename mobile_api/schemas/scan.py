"""What a scan answers, and the bodies of the actions a scan page offers."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from mobile_api.schemas.cases import upload_ids_field

STANDINGS = ["anonymous", "resident", "department", "member", "grid_worker", "official"]


class ScanActionSchema(Schema):
    action = fields.String(required=True, metadata={"enum": [
        "report", "contact", "move", "rate", "redeem", "update_me", "visit", "check_in", "direct_line"]})
    label = fields.String(required=True)
    href = fields.String(allow_none=True)
    login_required = fields.Boolean(required=True)


class CodeSectionSchema(Schema):
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    token = fields.String(required=True)


class PlaceSectionSchema(Schema):
    label = fields.String(required=True, allow_none=True, metadata={"description": "Never a resident's name"})
    grid = fields.String(required=True, allow_none=True)
    community = fields.String(required=True, allow_none=True)


class GridWorkerSectionSchema(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True, metadata={"description": "Masked"})


class RatingSchema(Schema):
    average = fields.Float(allow_none=True)
    count = fields.Integer(required=True)


class MemberSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    relation = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True, metadata={"description": "Whole for the grid's worker and the member themselves, else masked"})
    id_number = fields.String(required=True, allow_none=True, metadata={"description": "Masked"})
    is_me = fields.Boolean(required=True)


class HouseholdRecordSchema(Schema):
    id = fields.Integer(required=True)
    building = fields.String(required=True)
    unit = fields.String(required=True)
    floor = fields.Integer(required=True)
    room = fields.String(required=True)
    address = fields.String(required=True)
    members = fields.List(fields.Nested(MemberSchema), required=True)


class VisitSectionSchema(Schema):
    id = fields.Integer(required=True)
    notes = fields.String(required=True)
    photos = fields.List(fields.String(), required=True, metadata={"description": "Media keys of the visit's photos"})


class ResidentSectionSchema(Schema):
    is_me = fields.Boolean(required=True)


class ShopSectionSchema(Schema):
    name = fields.String(required=True)
    category = fields.String(required=True)
    address = fields.String(required=True)
    licence_status = fields.String(required=True)
    licence_status_label = fields.String(required=True)
    rating = fields.Nested(RatingSchema, required=True)
    licence_no = fields.String(allow_none=True, metadata={"description": "Staff and the owner only"})
    owner_name = fields.String(allow_none=True, metadata={"description": "Staff and the owner only"})
    owner_phone = fields.String(allow_none=True, metadata={"description": "Whole for the grid's worker and officials, else masked"})


class CadreSectionSchema(Schema):
    name = fields.String(required=True)
    post = fields.String(required=True, allow_none=True)
    serves = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True, metadata={"description": "Masked"})
    photo_url = fields.String(required=True, allow_none=True)
    rating = fields.Nested(RatingSchema, required=True)


class EBikeSectionSchema(Schema):
    plate_no = fields.String(required=True)
    brand = fields.String(required=True, allow_none=True)
    color = fields.String(required=True, allow_none=True)
    owner_name = fields.String(allow_none=True, metadata={"description": "Staff and the owner only"})
    owner_phone = fields.String(allow_none=True, metadata={"description": "Staff and the owner only; masked for departments"})
    registered_at = fields.String(metadata={"description": "ISO 8601; staff and the owner only"})


class StallSectionSchema(Schema):
    vendor_name = fields.String(required=True, metadata={"description": "Whole for staff, else masked"})
    goods = fields.String(required=True)
    permitted_area = fields.String(required=True)
    hours = fields.String(required=True, metadata={"description": "HH:MM-HH:MM"})
    valid_from = fields.String(required=True, metadata={"description": "ISO date"})
    valid_until = fields.String(required=True, metadata={"description": "ISO date"})
    valid_now = fields.Boolean(required=True)
    status_label = fields.String(required=True)
    vendor_phone = fields.String(allow_none=True, metadata={"description": "Staff only; masked for departments"})


class FacilitySectionSchema(Schema):
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    name = fields.String(required=True)


class ScanViewSchema(Schema):
    """Sections appear only when the scanner may see them; see gridapp.services.codes.scan_rules."""

    code = fields.Nested(CodeSectionSchema, required=True)
    viewer = fields.String(required=True, metadata={"enum": STANDINGS})
    place = fields.Nested(PlaceSectionSchema, required=True)
    actions = fields.List(fields.Nested(ScanActionSchema), required=True)
    grid_workers = fields.List(fields.Nested(GridWorkerSectionSchema))
    household = fields.Nested(HouseholdRecordSchema)
    visit = fields.Nested(VisitSectionSchema)
    resident = fields.Nested(ResidentSectionSchema)
    shop = fields.Nested(ShopSectionSchema)
    cadre = fields.Nested(CadreSectionSchema)
    ebike = fields.Nested(EBikeSectionSchema)
    stall = fields.Nested(StallSectionSchema)
    facility = fields.Nested(FacilitySectionSchema)


class RatingBodySchema(Schema):
    stars = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, validate=validate.Length(max=255))


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
