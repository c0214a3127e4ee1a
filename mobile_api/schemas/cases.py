"""Reports and cases: the forms that create them, the bodies of staff actions, and what clients see."""
from __future__ import annotations

import json

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import FileStorage

from gridapp.models.categories import DIFFICULTIES, DIFFICULTY_LABELS
from gridapp.services.cases import states as S
from gridapp.services.regions import coordinates
from gridapp.services.setup import categories as category_rules
from mobile_api.schemas.common import JsonBoolean, PageArgsSchema, computed
from mobile_api.schemas.supervision import InstructionSchema, SlaSchema

PHONE = validate.Regexp(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$", error="电话号码格式不正确")


class FileUpload(Upload):
    """An uploaded file; the same name sent as a text field is refused, not read as a file."""

    default_error_messages = {"invalid": "请以文件上传"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


def photos_field(description: str):
    return fields.List(FileUpload(), load_default=list, metadata={"description": description})


def upload_ids_field():
    """Photos uploaded beforehand (POST /api/v1/uploads), named by id: instead of, or beside, `photos`."""
    return fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**63 - 1)), load_default=list, validate=validate.Length(max=9),
        metadata={"description": "Ids of the caller's unused photo uploads (POST /api/v1/uploads); they count with `photos` (at most 9)"},
    )


class LocationMixin(Schema):
    lat = fields.Float(validate=validate.Range(min=-90, max=90), metadata={"description": "Latitude in `coord_system`"})
    lng = fields.Float(validate=validate.Range(min=-180, max=180), metadata={"description": "Longitude in `coord_system`"})
    coord_system = fields.String(
        validate=validate.OneOf(coordinates.SYSTEMS),
        metadata={"description": "wgs84 (GPS, 天地图; the default), gcj02 (AMap, Tencent, WeChat getLocation) or bd09 "
                  "(Baidu); stored converted to WGS-84"},
    )  # fmt: skip

    @validates_schema
    def both_or_neither(self, data, **kwargs):
        if ("lat" in data) != ("lng" in data):
            raise ValidationError("经纬度需同时提供", "lat")


class JsonObject(fields.Field):
    """A JSON object sent as one multipart text field (or as an object in a JSON body)."""

    default_error_messages = {"invalid": "应为 JSON 对象"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                raise self.make_error("invalid") from None
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        return value


class ReportFormSchema(LocationMixin):
    """multipart/form-data; the photos go in the `photos` file field (1-9 files)."""

    category_id = fields.Integer(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    code = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Token of the scanned code"})
    address = fields.String(validate=validate.Length(max=255))
    contact_name = fields.String(validate=validate.Length(max=64))
    contact_phone = fields.String(validate=PHONE)
    anonymous = fields.Boolean(load_default=False)
    answers = JsonObject(
        validate=validate.Length(max=20),
        metadata={"type": "string", "description": "JSON object: the answers to the category's questions, by question key"},
    )
    photos = photos_field("1-9 photos: JPEG, PNG or WebP")
    upload_ids = upload_ids_field()


class PatrolFormSchema(LocationMixin):
    category_id = fields.Integer(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    grid_id = fields.Integer(metadata={"description": "One of the worker's grids, when no position is sent"})
    address = fields.String(validate=validate.Length(max=255))
    photos = photos_field("1-9 photos: JPEG, PNG or WebP")
    upload_ids = upload_ids_field()


class HotlineFormSchema(LocationMixin):
    category_id = fields.Integer(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    grid_id = fields.Integer()
    address = fields.String(validate=validate.Length(max=255))
    contact_name = fields.String(validate=validate.Length(max=64))
    contact_phone = fields.String(required=True, validate=PHONE, metadata={"description": "The caller's number; kept private"})
    anonymous = fields.Boolean(load_default=False)
    sms_consent = fields.Boolean(
        load_default=False, metadata={"description": "The caller agrees to an SMS follow-up (回访) once the case is verified"}
    )
    photos = photos_field("0-9 photos, when the caller sent some")
    upload_ids = upload_ids_field()


class SimilarArgsSchema(LocationMixin):
    category_id = fields.Integer(required=True)
    code = fields.String(validate=validate.Length(min=1, max=64))


class FollowSchema(LocationMixin):
    code = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "As sent to /reports/similar"})


class NoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class CheckInSchema(NoteSchema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class RejectSchema(NoteSchema):
    reason = fields.String(required=True, validate=validate.OneOf(sorted(S.REJECT_REASONS)))


class AssignSchema(NoteSchema):
    handler_user_id = fields.Integer(metadata={"description": "Default: the grid's worker; a grid worker always takes it themselves"})


class ResolveFormSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    photos = photos_field("1-9 after-photos")
    upload_ids = upload_ids_field()


class ReopenSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class RateSchema(Schema):
    stars = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class ConfirmSchema(Schema):
    stars = fields.Integer(validate=validate.Range(min=1, max=5), metadata={"description": "Optional rating given with the confirmation"})
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class MergeSchema(NoteSchema):
    into_case_id = fields.Integer(required=True)


class CaseListArgsSchema(PageArgsSchema):
    state = fields.String(
        validate=validate.OneOf(sorted(S.ALL_STATES | set(S.STATE_GROUPS))),
        metadata={"description": "A state, or a group: open, awaiting_resident, closed, active"},
    )
    grid_id = fields.Integer()
    category_id = fields.Integer()
    abusive = fields.Boolean()
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(["newest", "urgency"]),
        metadata={"description": "newest first, or urgency: the earliest running SLA deadline first (overdue lead)"},
    )


class CategorySchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    default_route = fields.String(required=True, metadata={"enum": ["grid_worker", "department"]})
    department_kind = fields.String(allow_none=True)
    difficulty = fields.String(required=True, metadata={"enum": list(DIFFICULTIES)})
    difficulty_label = computed(fields.String, lambda c: DIFFICULTY_LABELS[c.difficulty])
    is_urgent = fields.Boolean(required=True)
    confirm_minutes = fields.Integer(required=True)
    onsite_minutes = fields.Integer(required=True)
    resolve_minutes = fields.Integer(required=True)
    working_time = fields.Boolean(required=True, metadata={"description": "SLA minutes count office hours only"})
    is_active = fields.Boolean(required=True)
    urgent_notice = fields.String(allow_none=True, metadata={"description": "Set: not reported here; the form shows this and stops"})
    questions = fields.Function(
        lambda c: category_rules.questions(c), metadata={"description": "Extra questions for the reporter"}
    )


class AnswerSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    answer = fields.String(required=True)


class RefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class PhotoSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": ["before", "after"]})
    url = fields.String(required=True, metadata={"description": "The cleaned original"})
    web_url = fields.String(allow_none=True, metadata={"description": "Filled in by a background job"})
    thumb_url = fields.String(allow_none=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


class ContactSchema(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    channel = fields.String(required=True)
    channel_label = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    category = fields.Nested(RefSchema, required=True)
    grid = fields.Nested(RefSchema, allow_none=True)
    community = fields.Nested(RefSchema, required=True)
    outside_grid = fields.Boolean(required=True)
    place_label = fields.String(allow_none=True)
    description = fields.String(required=True)
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    anonymous = fields.Boolean(required=True)
    reporter = fields.String(allow_none=True, metadata={"description": "Masked; 匿名群众 when anonymous"})
    contact = fields.Nested(ContactSchema, allow_none=True, metadata={"description": "Whole only for the handler and community officials"})
    handler = fields.Nested(RefSchema, allow_none=True)
    department_kind = fields.String(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    abusive = fields.Boolean(required=True)
    reopen_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    accepted_at = fields.DateTime(allow_none=True)
    confirm_due_at = fields.DateTime(allow_none=True)
    onsite_due_at = fields.DateTime(allow_none=True)
    resolve_due_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    photos = fields.List(fields.Nested(PhotoSchema), required=True)
    answers = fields.List(fields.Nested("AnswerSchema"), required=True, metadata={"description": "Answers to the category's extra questions"})
    actions = fields.List(fields.String(), required=True, metadata={"description": "What the caller may do now"})
    sla = fields.Nested(SlaSchema, required=True, metadata={"description": "The running SLA clock and its colour now"})


class EventSchema(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True)
    action_label = fields.String(required=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(required=True)
    to_state_label = fields.String(required=True)
    actor = fields.String(required=True)
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    distance_m = fields.Integer(allow_none=True, metadata={"description": "On-site check-in: metres from the reported spot"})
    photos = fields.List(fields.Nested(PhotoSchema), required=True)


class CaseRatingSchema(Schema):
    round = fields.Integer(required=True)
    stars = fields.Integer(required=True)
    comment = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class CaseBriefSchema(Schema):
    """What a resident is shown of someone else's report: what and where, never who."""

    id = fields.Integer(required=True)
    category = fields.Nested(RefSchema, required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    place_label = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class StepSchema(Schema):
    label = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["done", "current", "todo"]})


class ProgressSchema(Schema):
    """The resident's step bar 提交 → 受理 → 处置 → 核实 → 办结."""

    steps = fields.List(fields.Nested(StepSchema), required=True)
    handler = fields.String(allow_none=True, metadata={"description": "Who has the case now (None once it ended)"})
    next = fields.String(allow_none=True, metadata={"description": "The next step's label"})
    due_at = fields.DateTime(allow_none=True, metadata={"description": "When the next step is due"})


class HandlingToolsSchema(Schema):
    """Which handlers' tools the caller has on this case, so clients show only the forms that work."""

    recategorise = fields.Boolean(required=True, metadata={"description": "POST /cases/{id}/recategorise"})
    notes = fields.Boolean(required=True, metadata={"description": "POST /cases/{id}/notes and GET /cases/{id}/reply-templates"})


class CaseDetailSchema(CaseSchema):
    progress = fields.Nested(ProgressSchema, required=True)
    events = fields.List(fields.Nested(EventSchema), required=True)
    ratings = fields.List(fields.Nested(CaseRatingSchema), required=True)
    similar = fields.List(fields.Nested(CaseBriefSchema), required=True, metadata={"description": "Possible repeats (staff only)"})
    instructions = fields.List(fields.Nested(InstructionSchema), required=True, metadata={"description": "Leaders' instructions, newest first (staff only)"})
    tools = fields.Nested(HandlingToolsSchema, required=True)


class ModerationSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = fields.String(
        validate=validate.Length(max=2000), metadata={"description": "the report's text as it is to be shown"}
    )
    hide_photo_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))
    show_photo_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))


class ModerationEntrySchema(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True, metadata={"enum": ["redact_text", "hide_photo", "show_photo"]})
    photo_id = fields.Integer(allow_none=True)
    text_before = fields.String(allow_none=True, metadata={"description": "the text before this edit, kept"})
    text_after = fields.String(allow_none=True)
    reason = fields.String(required=True)
    actor_user_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class PlaceSchema(LocationMixin):
    """Where the problem really is: a position, or the token of the code printed there."""

    code = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Token of the code at the spot"})
    address = fields.String(validate=validate.Length(max=255))

    @validates_schema
    def code_or_position(self, data, **kwargs):
        if not data.get("code") and "lat" not in data:
            raise ValidationError("请提供新位置的经纬度或二维码", "lat")


class RecategoriseSchema(NoteSchema):
    category_id = fields.Integer(validate=validate.Range(min=1), metadata={"description": "The right category"})
    place = fields.Nested(PlaceSchema, metadata={"description": "The right place; its grid, handler and SLA follow"})

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if "category_id" not in data and "place" not in data:
            raise ValidationError("请指定新的分类或位置", "category_id")


class CaseNoteInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    public = JsonBoolean(
        required=True,
        metadata={"description": "true: an update the reporter and followers read and are told of; false: staff only"},
    )


class FilledReplySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "The template's body with the case's facts filled in"})
