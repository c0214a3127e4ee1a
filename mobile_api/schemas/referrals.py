"""Referrals (诉调/警调/访调对接) and their events."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.referrals import DIRECTIONS, REFERRAL_KINDS, REFERRAL_STATUSES
from gridapp.services.referrals.subjects import SUBJECTS
from gridapp.services.referrals.workflow import KIND_LABELS, STATUS_LABELS
from mobile_api.schemas.common import PageArgsSchema, computed

ID = validate.Range(min=1, max=2**63 - 1)
SUBJECT_KINDS = validate.OneOf(sorted(SUBJECTS))


class ReferralCreateSchema(Schema):
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS), metadata={"description": "out: we sent it; in: we received it"})
    kind = fields.String(required=True, validate=validate.OneOf(REFERRAL_KINDS),
                         metadata={"description": "court 诉调, police 警调, petition 访调 (the only kind for a petition)"})  # fmt: skip
    subject_kind = fields.String(required=True, validate=SUBJECT_KINDS)
    subject_id = fields.Integer(required=True, validate=ID)
    other_body = fields.String(required=True, validate=validate.Length(min=1, max=128), metadata={"description": "e.g. 某区人民法院"})
    other_case_number = fields.String(validate=validate.Length(min=1, max=64))
    other_status = fields.String(validate=validate.Length(min=1, max=64))
    deadline_at = fields.AwareDateTime(metadata={"description": "Default: REFERRAL_DEFAULT_DAYS from now"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReferralChangeSchema(Schema):
    status = fields.String(validate=validate.OneOf(REFERRAL_STATUSES))
    other_case_number = fields.String(validate=validate.Length(min=1, max=64))
    other_status = fields.String(validate=validate.Length(min=1, max=64))
    deadline_at = fields.AwareDateTime()
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReferralArgsSchema(PageArgsSchema):
    subject_kind = fields.String(validate=SUBJECT_KINDS)
    subject_id = fields.Integer(validate=ID, metadata={"description": "With subject_kind"})
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    kind = fields.String(validate=validate.OneOf(REFERRAL_KINDS))
    status = fields.String(validate=validate.OneOf(REFERRAL_STATUSES))
    open = fields.Boolean(load_default=False, metadata={"description": "Pending or accepted only"})
    overdue = fields.Boolean(load_default=False)


class ReferralSchema(Schema):
    id = fields.Integer(required=True)
    direction = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = computed(fields.String, lambda r: KIND_LABELS[r.kind], required=True)
    subject_kind = fields.String(required=True)
    subject_id = fields.Integer(required=True)
    other_body = fields.String(required=True)
    other_case_number = fields.String(allow_none=True)
    other_status = fields.String(allow_none=True)
    status = fields.String(required=True)
    status_label = computed(fields.String, lambda r: STATUS_LABELS[r.status], required=True)
    deadline_at = fields.DateTime(required=True)
    overdue_at = fields.DateTime(allow_none=True)
    created_by_user_id = fields.Integer(required=True)
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class ReferralEventSchema(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    other_case_number = fields.String(allow_none=True)
    other_status = fields.String(allow_none=True)
    actor_user_id = fields.Integer(allow_none=True, metadata={"description": "None: the deadline sweep"})
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)
