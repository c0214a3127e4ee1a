"""会商研判: a meeting's record and its action items with owners, deadlines and evidence (台账销号)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services import photos
from gridapp.services.review_meetings import meetings
from gridapp.services.task_forces import subjects
from mobile_api.schemas.common import JsonBoolean, computed
from mobile_api.schemas.task_forces import StepEventSchema

ITEM_STATUSES = list(meetings.STATUS_LABELS)


class ActionItemBodySchema(Schema):
    description = fields.String(required=True, validate=validate.Length(min=2, max=1000))
    owner_user_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "A staff account; or give owner_department_id"})
    owner_department_id = fields.Integer(load_default=None, allow_none=True)
    deadline = fields.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "ACTION_ITEM_DAYS from now if left out"})


class ReviewMeetingBodySchema(Schema):
    region_id = fields.Integer(required=True, metadata={"description": "The community, street or district node where it was held"})
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    held_at = fields.AwareDateTime(required=True)
    participants = fields.String(load_default="", validate=validate.Length(max=2000))
    summary = fields.String(load_default="", validate=validate.Length(max=8000))
    subject_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(sorted(subjects.LOADERS)))
    subject_id = fields.Integer(load_default=None, allow_none=True)
    items = fields.List(fields.Nested(ActionItemBodySchema), required=True, validate=validate.Length(min=1, max=50))


class ActionItemEvidenceBodySchema(Schema):
    evidence = fields.String(required=True, validate=validate.Length(min=5, max=4000))
    upload_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=9),
                             metadata={"description": "Photos uploaded first (POST /api/v1/uploads); at least one"})


class ActionItemReviewBodySchema(Schema):
    accept = JsonBoolean(required=True, metadata={"description": "true: 销号 (close the item); false: send it back"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ActionItemArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(ITEM_STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ActionItemPhotoSchema(Schema):
    id = fields.Integer(required=True)
    url = computed(fields.String, lambda p: photos.url(p.original_key), required=True)


class ActionItemSchema(Schema):
    id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True)
    meeting_title = computed(fields.String, lambda i: i.meeting.title, required=True)
    description = fields.String(required=True)
    owner_user_id = fields.Integer(required=True, allow_none=True)
    owner_department_id = fields.Integer(required=True, allow_none=True)
    owner_name = computed(fields.String, meetings.owner_name, required=True)
    deadline = fields.DateTime(required=True)
    status = fields.String(required=True, metadata={"enum": ITEM_STATUSES})
    status_label = computed(fields.String, lambda i: meetings.STATUS_LABELS[i.status], required=True)
    clock = computed(fields.String, meetings.colour, required=True, metadata={"enum": ["done", "green", "yellow", "red"]})
    evidence = fields.String(required=True)
    photos = fields.List(fields.Nested(ActionItemPhotoSchema), required=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    overdue_at = fields.DateTime(required=True, allow_none=True)


class ReviewEventSchema(StepEventSchema):
    action = fields.String(required=True, metadata={"enum": list(meetings.ACTION_LABELS)})
    item_id = fields.Integer(required=True, allow_none=True)


class ReviewMeetingSchema(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = computed(fields.String, lambda m: m.region.name, required=True)
    title = fields.String(required=True)
    held_at = fields.DateTime(required=True)
    participants = fields.String(required=True)
    summary = fields.String(required=True)
    subject_kind = fields.String(required=True, allow_none=True)
    subject_id = fields.Integer(required=True, allow_none=True)
    convener_name = computed(fields.String, lambda m: m.convener.display_name, required=True)
    created_at = fields.DateTime(required=True)
    items = fields.List(fields.Nested(ActionItemSchema), required=True)


class ReviewMeetingDetailSchema(ReviewMeetingSchema):
    events = fields.List(fields.Nested(ReviewEventSchema), required=True)
