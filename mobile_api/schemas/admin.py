"""Admin records in and out. Out: the dicts services.codes.record_views built for the viewer, masking included."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gridapp.models.places import PLACE_KINDS
from mobile_api.schemas.cases import photos_field, upload_ids_field
from mobile_api.schemas.common import JsonBoolean, PageArgsSchema

PHONE = validate.Regexp(r"^1\d{10}$", error="请输入 11 位手机号")
ID_NUMBER = validate.Regexp(r"^\d{17}[\dX]$", error="身份证号应为 18 位")
HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="时间格式应为 HH:MM")
LICENCE_STATUSES = ["valid", "expired", "revoked", "pending"]


def _personal_phone():
    return fields.String(allow_none=True, metadata={"description": "Whole only for the community admin keeping the record"})


def _text(length: int, required: bool = True, **kwargs):
    return fields.String(required=required, validate=validate.Length(min=1 if required else 0, max=length), **kwargs)


class CodeBriefSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    scan_count = fields.Integer(required=True)
    last_scanned_at = fields.DateTime(allow_none=True)


class RecordOutSchema(Schema):
    id = fields.Integer(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    codes = fields.List(fields.Nested(CodeBriefSchema), metadata={"description": "Active codes with scan counts"})


class RecordListArgsSchema(PageArgsSchema):
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "Search text"})
    region_id = fields.Integer(metadata={"description": "Only records under this region"})
    active = fields.Boolean(load_default=True, allow_none=True)


# Households ------------------------------------------------------------------
class MemberInSchema(Schema):
    name = _text(64)
    relation = _text(16)
    phone = fields.String(allow_none=True, validate=PHONE)
    id_number = fields.String(allow_none=True, validate=ID_NUMBER)
    is_active = JsonBoolean()


class MemberOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    relation = fields.String(required=True)
    user_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean(required=True)
    phone = fields.String(allow_none=True, metadata={"description": "Whole only for the community admin keeping the record"})
    id_number = fields.String(allow_none=True, metadata={"description": "Whole only for the community admin keeping the record"})


class HouseholdInSchema(Schema):
    grid_id = fields.Integer(required=True)
    building = _text(32)
    unit = _text(16)
    floor = fields.Integer(required=True, validate=validate.Range(min=-5, max=200))
    room = _text(16)
    members = fields.List(fields.Nested(MemberInSchema), load_default=list, validate=validate.Length(max=20))


class HouseholdOutSchema(RecordOutSchema):
    grid_id = fields.Integer(required=True)
    building = fields.String(required=True)
    unit = fields.String(required=True)
    floor = fields.Integer(required=True)
    room = fields.String(required=True)
    member_count = fields.Integer(required=True)


class HouseholdDetailSchema(HouseholdOutSchema):
    members = fields.List(fields.Nested(MemberOutSchema), required=True)


class AccessLogSchema(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    action = fields.String(required=True)
    via = fields.String(required=True)
    created_at = fields.DateTime(required=True)


# Shops -------------------------------------------------------------------------
class ShopInSchema(Schema):
    grid_id = fields.Integer(required=True)
    name = _text(128)
    category = _text(32)
    address = _text(255)
    licence_no = fields.String(allow_none=True, validate=validate.Length(max=32))
    licence_status = fields.String(load_default="valid", validate=validate.OneOf(LICENCE_STATUSES))
    owner_name = fields.String(allow_none=True, validate=validate.Length(max=64))
    owner_phone = fields.String(allow_none=True, validate=PHONE)


class ShopOutSchema(RecordOutSchema):
    grid_id = fields.Integer(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    address = fields.String(required=True)
    licence_no = fields.String(allow_none=True)
    licence_status = fields.String(required=True)
    owner_name = fields.String(allow_none=True)
    owner_phone = _personal_phone()


# Cadres ------------------------------------------------------------------------
class CadreInSchema(Schema):
    community_id = fields.Integer(required=True)
    name = _text(64)
    post = _text(64)
    phone = fields.String(allow_none=True, validate=PHONE)
    serves = fields.String(allow_none=True, validate=validate.Length(max=255))
    user_id = fields.Integer(allow_none=True)


class CadreOutSchema(RecordOutSchema):
    community_id = fields.Integer(required=True)
    name = fields.String(required=True)
    post = fields.String(required=True)
    serves = fields.String(allow_none=True)
    phone = _personal_phone()
    photo_url = fields.String(allow_none=True)


class CadrePhotoFormSchema(Schema):
    photos = photos_field("One photo of the cadre (JPEG, PNG or WebP), shown on their code page")
    upload_ids = upload_ids_field()


# E-bikes -----------------------------------------------------------------------
class EBikeInSchema(Schema):
    grid_id = fields.Integer(required=True)
    plate_no = _text(16)
    brand = fields.String(allow_none=True, validate=validate.Length(max=32))
    color = fields.String(allow_none=True, validate=validate.Length(max=16))
    owner_name = _text(64)
    owner_phone = fields.String(allow_none=True, validate=PHONE)


class EBikeOutSchema(RecordOutSchema):
    grid_id = fields.Integer(required=True)
    plate_no = fields.String(required=True)
    brand = fields.String(allow_none=True)
    color = fields.String(allow_none=True)
    owner_name = fields.String(required=True)
    owner_phone = _personal_phone()


# Mobile stalls -----------------------------------------------------------------
class StallInSchema(Schema):
    grid_id = fields.Integer(required=True)
    vendor_name = _text(64)
    vendor_phone = fields.String(allow_none=True, validate=PHONE)
    goods = _text(64)
    permitted_area = _text(255)
    open_time = fields.String(required=True, validate=HHMM)
    close_time = fields.String(required=True, validate=HHMM)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "valid_from" in data and "valid_until" in data and data["valid_from"] > data["valid_until"]:
            raise ValidationError("结束日期不能早于开始日期", "valid_until")
        if "open_time" in data and "close_time" in data and data["open_time"] >= data["close_time"]:
            raise ValidationError("收摊时间必须晚于出摊时间", "close_time")


class StallOutSchema(RecordOutSchema):
    grid_id = fields.Integer(required=True)
    vendor_name = fields.String(required=True)
    vendor_phone = _personal_phone()
    goods = fields.String(required=True)
    permitted_area = fields.String(required=True)
    open_time = fields.String(required=True)
    close_time = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)


# Places ------------------------------------------------------------------------
class PlaceInSchema(Schema):
    grid_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(PLACE_KINDS)))
    name = _text(128)
    building = fields.String(allow_none=True, validate=validate.Length(max=32))


class PlaceOutSchema(RecordOutSchema):
    grid_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    name = fields.String(required=True)
    building = fields.String(allow_none=True)


SCHEMAS = {
    "households": (HouseholdInSchema, HouseholdOutSchema, HouseholdDetailSchema),
    "shops": (ShopInSchema, ShopOutSchema, ShopOutSchema),
    "cadres": (CadreInSchema, CadreOutSchema, CadreOutSchema),
    "ebikes": (EBikeInSchema, EBikeOutSchema, EBikeOutSchema),
    "stalls": (StallInSchema, StallOutSchema, StallOutSchema),
    "places": (PlaceInSchema, PlaceOutSchema, PlaceOutSchema),
}


class ImportArgsSchema(Schema):
    issue_codes = fields.Boolean(load_default=False, metadata={"description": "Also issue codes for every imported record"})


class ImportResultSchema(Schema):
    imported = fields.Integer(required=True, metadata={"description": "Records created"})
    rows = fields.Integer(required=True, metadata={"description": "Data rows read"})
    codes_issued = fields.Integer(required=True)
