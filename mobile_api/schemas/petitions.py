"""信访: lookups, intake, petitions as their officers see them (the petitioner masked), actions, hearings, the
read audit and the figures."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.petitions import CHANNELS, LEVELS, PETITION_STATES
from gridapp.services.petitions.access import PURPOSES
from gridapp.services.petitions.clocks import LEVEL_LABELS
from gridapp.services.petitions.lifecycle import ACTION_LABELS, STATE_LABELS, TRANSITIONS
from mobile_api.schemas.common import PageArgsSchema, computed

ID = validate.Range(min=1, max=2**63 - 1)
REASON = fields.String(required=True, validate=validate.Length(min=4, max=255),
                       metadata={"description": "Why this person's data is looked at (kept in the read audit)"})  # fmt: skip
STEP_ACTIONS = sorted(a for a in TRANSITIONS if a not in ("request_extension", "approve_extension", "hearing"))


class IdentityFields(Schema):
    id_number = fields.String(validate=validate.Length(min=15, max=24), metadata={"description": "18-character resident ID"})
    phone = fields.String(validate=validate.Length(min=7, max=20))


class PetitionerLookupSchema(IdentityFields):
    reason = REASON


class PetitionerSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "Masked (张*明)"})
    id_number = fields.String(allow_none=True, metadata={"description": "Masked"})
    phone = fields.String(allow_none=True, metadata={"description": "Masked"})


class PetitionerIdentitySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    id_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class PetitionBriefSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True)
    state_label = computed(fields.String, lambda p: STATE_LABELS[p.state], required=True)
    region = computed(fields.String, lambda p: p.region.name, required=True)
    created_at = fields.DateTime(required=True)


class PetitionerLookupResultSchema(Schema):
    found = fields.Boolean(required=True)
    petitioner = fields.Nested(PetitionerSchema, allow_none=True)
    petitions = fields.List(fields.Nested(PetitionBriefSchema), required=True,
                            metadata={"description": "Their petitions this caller may lodge again"})  # fmt: skip
    elsewhere = fields.Integer(required=True, metadata={"description": "How many more they have elsewhere (a count only)"})


class PetitionIntakeSchema(IdentityFields):
    name = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "Required for a first petition"})
    petition_id = fields.Integer(validate=ID, metadata={"description": "The same matter lodged again (a repeat visit)"})
    region_id = fields.Integer(validate=ID, metadata={"description": "The node responsible, for a new matter"})
    title = fields.String(validate=validate.Length(min=1, max=120))
    content = fields.String(validate=validate.Length(min=1, max=5000))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS), metadata={"description": "An agent's entries are always proxy"})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS), metadata={"description": "Where it was lodged: township 镇, district 区, city 市, province 省, national 京"})
    people_count = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000), metadata={"description": "Person-times (人次) in this batch"})
    appointment_at = fields.AwareDateTime(metadata={"description": "Required for a video appointment"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class PetitionVisitSchema(Schema):
    id = fields.Integer(required=True)
    petition_id = fields.Integer(required=True)
    channel = fields.String(required=True)
    level = fields.String(required=True)
    level_label = computed(fields.String, lambda v: LEVEL_LABELS[v.level], required=True)
    people_count = fields.Integer(required=True)
    is_repeat = fields.Boolean(required=True)
    skips_levels = fields.Boolean(required=True)
    by_agent = fields.Boolean(required=True)
    appointment_at = fields.DateTime(allow_none=True)
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class PetitionListArgsSchema(PageArgsSchema):
    state = fields.String(validate=validate.OneOf(PETITION_STATES))
    open = fields.Boolean(load_default=False)
    overdue = fields.Boolean(load_default=False)
    backlog = fields.Boolean(load_default=False, metadata={"description": "Long-running cases (积案) only"})
    purpose = fields.String(load_default="handling", validate=validate.OneOf(sorted(PURPOSES)))


class PetitionReadArgsSchema(Schema):
    purpose = fields.String(load_default="handling", validate=validate.OneOf(sorted(PURPOSES)))


class PetitionSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    content = fields.String(required=True)
    state = fields.String(required=True)
    state_label = computed(fields.String, lambda p: STATE_LABELS[p.state], required=True)
    region_id = fields.Integer(required=True)
    region = computed(fields.String, lambda p: p.region.name, required=True)
    petitioner = computed(fields.Nested, lambda p: {"id": p.petitioner.id, "name": p.petitioner.name_masked,
                          "id_number": p.petitioner.id_number_masked, "phone": p.petitioner.phone_masked},
                          PetitionerSchema, required=True)  # fmt: skip
    due_at = fields.DateTime(allow_none=True, metadata={"description": "When the current stage's statutory clock runs out"})
    overdue_at = fields.DateTime(allow_none=True)
    backlog_since = fields.DateTime(allow_none=True, metadata={"description": "Long-running case (积案) since"})
    accepted_at = fields.DateTime(allow_none=True)
    extension_days = fields.Integer(required=True)
    extension_requested_days = fields.Integer(allow_none=True)
    answer = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    review_requested_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)


class PetitionActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(STEP_ACTIONS))
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class PetitionExtensionSchema(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=365))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class PetitionExtensionApprovalSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class PetitionHearingCreateSchema(Schema):
    held_at = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=128))
    chair = fields.String(required=True, validate=validate.Length(min=1, max=64))
    participants = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    conclusion = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class PetitionHearingSchema(PetitionHearingCreateSchema):
    id = fields.Integer(required=True)
    petition_id = fields.Integer(required=True)
    held_at = fields.DateTime(required=True)
    recorded_by_user_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class PetitionEventSchema(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True)
    action_label = computed(fields.String, lambda e: ACTION_LABELS.get(e.action, e.action), required=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(required=True)
    actor_user_id = fields.Integer(allow_none=True, metadata={"description": "None: the statutory clock's sweep"})
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class PetitionReadLogArgsSchema(PageArgsSchema):
    petition_id = fields.Integer(validate=ID)


class PetitionReadEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True, attribute="created_at")
    actor_user_id = fields.Integer(required=True)
    actor = computed(fields.String, lambda r: r.actor.display_name, required=True)
    action = fields.String(required=True)
    petition_id = fields.Integer(allow_none=True)
    petitioner_id = fields.Integer(allow_none=True)
    reason = fields.String(required=True)
    rows_shown = fields.Integer(required=True)


class PetitionFigureArgsSchema(Schema):
    region_id = fields.Integer(validate=ID, metadata={"description": "Default: the caller's own node"})
    since = fields.AwareDateTime(metadata={"description": "Default: 1 January this year, China time"})
    until = fields.AwareDateTime(metadata={"description": "Default: now"})


class LevelFigureSchema(Schema):
    level = fields.String(required=True)
    label = fields.String(required=True)
    batches = fields.Integer(required=True)
    person_times = fields.Integer(required=True)


class FirstTimeSchema(Schema):
    answered = fields.Integer(required=True)
    settled_first_time = fields.Integer(required=True)
    rate = fields.Float(allow_none=True)


class PetitionFiguresSchema(Schema):
    region_id = fields.Integer(required=True)
    region = fields.String(required=True)
    since = fields.DateTime(required=True)
    until = fields.DateTime(required=True)
    batches = fields.Integer(required=True, metadata={"description": "批次"})
    person_times = fields.Integer(required=True, metadata={"description": "人次"})
    repeat_batches = fields.Integer(required=True)
    repeat_share = fields.Float(allow_none=True)
    skipping_batches = fields.Integer(required=True, metadata={"description": "越级访 batches"})
    skipping_person_times = fields.Integer(required=True)
    by_level = fields.List(fields.Nested(LevelFigureSchema), required=True)
    first_time = fields.Nested(FirstTimeSchema, required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    backlog = fields.Integer(required=True)
    hearings = fields.Integer(required=True)


class PetitionRevealSchema(Schema):
    reason = REASON
