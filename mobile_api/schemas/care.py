"""Risk and care: risk tiers and their routes, key persons and households under watch, visits and signals."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.care import CARE_CATEGORIES, RISK_TIERS, SIGNAL_KINDS
from gridapp.services.care.risk import ROUTABLE_ROLES
from gridapp.services.care.subjects import LOADERS
from mobile_api.schemas.cases import upload_ids_field
from mobile_api.schemas.common import PageArgsSchema

ID = validate.Range(min=1, max=2**63 - 1)
NOTE = validate.Length(max=255)
PHONE = validate.Regexp(r"^\+?[0-9-]{5,20}$", error="电话号码格式不正确")


class RiskRateSchema(Schema):
    subject_kind = fields.String(required=True, validate=validate.OneOf(tuple(LOADERS)))
    subject_id = fields.Integer(required=True, validate=ID)
    tier = fields.String(required=True, validate=validate.OneOf(RISK_TIERS))
    note = fields.String(load_default="", validate=NOTE)


class RiskListArgsSchema(PageArgsSchema):
    tier = fields.String(validate=validate.OneOf(RISK_TIERS))
    subject_kind = fields.String(validate=validate.OneOf(tuple(LOADERS)))


class RiskRatingSchema(Schema):
    id = fields.Integer(required=True)
    subject_kind = fields.String(required=True)
    subject_id = fields.Integer(required=True)
    subject_label = fields.String(required=True, metadata={"description": "Where the subject is: a door or a case number, no name"})
    tier = fields.String(required=True)
    tier_label = fields.String(required=True)
    team_role = fields.String(allow_none=True, metadata={"description": "The role over the place the tier went to"})
    team_department_id = fields.Integer(allow_none=True, metadata={"description": "Or the department it went to"})
    note = fields.String(required=True)
    updated_at = fields.DateTime(required=True)


class RiskRatingEventSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    actor_user_id = fields.Integer(required=True)
    from_tier = fields.String(allow_none=True)
    to_tier = fields.String(required=True)
    team_role = fields.String(allow_none=True)
    team_department_id = fields.Integer(allow_none=True)
    note = fields.String(required=True)


class RiskRouteSchema(Schema):
    role = fields.String(allow_none=True, validate=validate.OneOf([r.value for r in ROUTABLE_ROLES]))
    department_id = fields.Integer(allow_none=True, validate=ID)


class RiskRoutesSchema(Schema):
    green = fields.Nested(RiskRouteSchema, required=True)
    yellow = fields.Nested(RiskRouteSchema, required=True)
    red = fields.Nested(RiskRouteSchema, required=True)


class CareListArgsSchema(PageArgsSchema):
    category = fields.String(validate=validate.OneOf(tuple(CARE_CATEGORIES)))
    grid_id = fields.Integer(validate=ID)
    status = fields.String(load_default="active", validate=validate.OneOf(("active", "closed")))
    overdue = fields.Boolean(load_default=False, metadata={"description": "Only records whose visit is overdue"})


class CareCreateSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(tuple(CARE_CATEGORIES)))
    member_id = fields.Integer(validate=ID, metadata={"description": "The household member (every category but poverty_relapse)"})
    household_id = fields.Integer(validate=ID, metadata={"description": "The household (poverty_relapse)"})
    guardian_member_id = fields.Integer(validate=ID, metadata={"description": "A guardian living in the same household"})
    guardian_name = fields.String(validate=validate.Length(min=1, max=64))
    guardian_phone = fields.String(validate=PHONE)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    visit_every_days = fields.Integer(validate=validate.Range(min=1, max=366),
                                      metadata={"description": "Default by category: 7 (weekly) or 30 (monthly)"})


class CareChangeSchema(Schema):
    visit_every_days = fields.Integer(validate=validate.Range(min=1, max=366))
    guardian_member_id = fields.Integer(validate=ID, allow_none=True)
    guardian_name = fields.String(validate=validate.Length(max=64), allow_none=True)
    guardian_phone = fields.String(validate=PHONE, allow_none=True)
    note = fields.String(validate=validate.Length(max=2000))


class CareCloseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class CareSignalCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(tuple(SIGNAL_KINDS)))
    note = fields.String(load_default="", validate=NOTE)


class CareVisitCreateSchema(Schema):
    notes = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    upload_ids = upload_ids_field()


class CareRecordSchema(Schema):
    id = fields.Integer(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    household_id = fields.Integer(required=True)
    member_id = fields.Integer(allow_none=True)
    grid_id = fields.Integer(required=True)
    view = fields.String(required=True, metadata={"description": "whole, or masked for the officials above the community"})
    status = fields.String(required=True)
    visit_every_days = fields.Integer(required=True)
    started_at = fields.DateTime(required=True)
    last_visit_at = fields.DateTime(allow_none=True)
    next_visit_due = fields.DateTime(required=True)
    overdue = fields.Boolean(required=True)
    closed_at = fields.DateTime(allow_none=True)
    observation_ends = fields.DateTime(allow_none=True, metadata={"description": "Poverty watch: the earliest it may leave the list"})
    name = fields.String(allow_none=True)
    relation = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    guardian_name = fields.String(allow_none=True)
    guardian_phone = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class CareVisitSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    worker_name = fields.String(required=True)
    notes = fields.String(allow_none=True)
    photos = fields.List(fields.String(), required=True, metadata={"description": "media keys"})


class CareSignalSchema(Schema):
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    note = fields.String(required=True)
    at = fields.DateTime(required=True)


class CareEventSchema(Schema):
    action = fields.String(required=True)
    at = fields.DateTime(required=True)
    actor_user_id = fields.Integer(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String(required=True)


class CareDetailSchema(CareRecordSchema):
    visits = fields.List(fields.Nested(CareVisitSchema), required=True)
    signals = fields.List(fields.Nested(CareSignalSchema), required=True)
    events = fields.List(fields.Nested(CareEventSchema), required=True)


class CareReadSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    user_id = fields.Integer(required=True)
    role = fields.String(required=True)
    view = fields.String(required=True)
    via = fields.String(required=True)
