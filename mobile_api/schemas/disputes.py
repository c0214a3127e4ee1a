"""矛盾纠纷调解: a dispute as residents ask for it and handlers move it; the mediator roster and a mediator's record."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.disputes import DIFFICULTIES, DISPUTE_STATUSES, LEVELS
from gridapp.services.disputes import roster
from gridapp.services.disputes.access import KINDS, LEVEL_LABELS, STATUS_LABELS
from mobile_api.schemas.admin import PHONE
from mobile_api.schemas.common import JsonBoolean, computed

KIND = validate.OneOf(list(KINDS))


class RespondentBodySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)


class DisputeBodySchema(Schema):
    region_id = fields.Integer(required=True, metadata={"description": "The community (村/社区) where the dispute arose"})
    kind = fields.String(required=True, validate=KIND, metadata={"enum": list(KINDS)})
    description = fields.String(required=True, validate=validate.Length(min=5, max=2000))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "The applicant's name"})
    respondent = fields.Nested(RespondentBodySchema, required=True)
    mediator_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "The mediator asked for (点单), village tier"})
    consent = JsonBoolean(required=True, metadata={"description": "Consent to mediation and to the centre handling the parties' data"})


class ChooseMediatorBodySchema(Schema):
    mediator_id = fields.Integer(required=True)


class DisputeNoteBodySchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class DisputeAssignBodySchema(Schema):
    mediator_id = fields.Integer(required=True)
    difficulty = fields.String(required=True, validate=validate.OneOf(DIFFICULTIES), metadata={"enum": list(DIFFICULTIES)})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class DisputeSessionBodySchema(Schema):
    held_at = fields.AwareDateTime(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=128))
    summary = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class DisputeStepUpBodySchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=2, max=500), metadata={"description": "Why it goes up"})
    mediator_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "The next level's mediator, if the caller assigns at once"})


class DisputeAgreementBodySchema(Schema):
    terms = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    performance = fields.String(required=True, validate=validate.Length(min=2, max=1000), metadata={"description": "履行方式、时限"})


class DisputeSignatureBodySchema(Schema):
    image = fields.String(required=True, validate=validate.Length(min=20, max=800_000),
                          metadata={"description": "The drawn signature: a PNG data URL (signature_pad's toDataURL) or bare base64"})


class DisputeJudicialBodySchema(Schema):
    organisation = fields.String(required=True, validate=validate.Length(min=2, max=128), metadata={"description": "The court"})
    number = fields.String(required=True, validate=validate.Length(min=2, max=64), metadata={"description": "The court's case number"})


class DisputeReferralBodySchema(Schema):
    body = fields.String(required=True, validate=validate.OneOf(["court", "legal_aid"]), metadata={"enum": ["court", "legal_aid"]})
    organisation = fields.String(required=True, validate=validate.Length(min=2, max=128))
    number = fields.String(required=True, validate=validate.Length(min=2, max=64), metadata={"description": "The other body's case number"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class DisputeFollowUpBodySchema(Schema):
    held_at = fields.AwareDateTime(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=128))
    summary = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    fulfilled = JsonBoolean(required=True, metadata={"description": "The agreement is being kept; true closes the dispute"})


class DisputeRatingBodySchema(Schema):
    stars = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class DisputeListArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(DISPUTE_STATUSES))


class MediatorSchema(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    name = computed(fields.String, lambda row: row.user.display_name, required=True)
    tier = fields.String(required=True, metadata={"enum": list(LEVELS)})
    tier_label = computed(fields.String, lambda row: LEVEL_LABELS[row.tier], required=True)
    region_id = fields.Integer(required=True)
    region_name = computed(fields.String, roster.region_name, required=True)
    specialties = computed(fields.List, roster.specialties, fields.String(), required=True)
    intro = fields.String(required=True)
    available = fields.Boolean(required=True)
    active = fields.Boolean(required=True)
    settled = computed(fields.Integer, lambda row: roster.public_summary(row)["settled"], required=True)
    mean_stars = computed(fields.Float, lambda row: roster.public_summary(row)["mean_stars"], required=True, allow_none=True)


class MediatorBodySchema(Schema):
    user_id = fields.Integer(required=True, metadata={"description": "A staff account holding the mediator role"})
    specialties = fields.List(fields.String(validate=KIND), load_default=list, validate=validate.Length(max=10))
    intro = fields.String(load_default="", validate=validate.Length(max=255))
    available = JsonBoolean(load_default=True)


class MediatorPatchSchema(Schema):
    specialties = fields.List(fields.String(validate=KIND), validate=validate.Length(max=10))
    intro = fields.String(validate=validate.Length(max=255))
    available = JsonBoolean()
    active = JsonBoolean(metadata={"description": "Centres only: false takes the mediator off the roster"})


class MediatorListArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    region_id = fields.Integer(load_default=None, metadata={"description": "Only mediators serving this region"})
    kind = fields.String(load_default=None, validate=KIND)
    tier = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    available = fields.Boolean(load_default=None)


class MediatorRecordArgsSchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class MediatorRecordSchema(Schema):
    mediator = fields.Nested(MediatorSchema, required=True)
    year = fields.Integer(required=True)
    concluded = fields.Integer(required=True, metadata={"description": "Settled, or sent on to a court or legal aid without an agreement"})
    settled = fields.Integer(required=True)
    success_rate = fields.Float(required=True, allow_none=True)
    ratings = fields.Integer(required=True)
    mean_stars = fields.Float(required=True, allow_none=True)
    grade = fields.String(required=True, metadata={"enum": ["excellent", "good", "pass", "fail", "none"]})
    grade_label = fields.String(required=True)
    bonus_points = fields.Integer(required=True)


class DisputePartySchema(Schema):
    id = fields.Integer(required=True)
    side = fields.String(required=True, metadata={"enum": ["applicant", "respondent"]})
    name = fields.String(required=True, metadata={"description": "Masked unless the viewer needs it whole"})
    phone = fields.String(required=True, allow_none=True, metadata={"description": "Whole, masked or null by the viewer"})
    is_me = fields.Boolean(required=True)
    consented = fields.Boolean(required=True)
    consent_at = fields.DateTime(required=True, allow_none=True)
    signed = fields.Boolean(required=True)
    signed_at = fields.DateTime(required=True, allow_none=True)


class DisputeSessionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": ["session", "follow_up"]})
    level = fields.String(required=True, metadata={"enum": list(LEVELS)})
    held_at = fields.DateTime(required=True)
    place = fields.String(required=True)
    summary = fields.String(required=True)
    fulfilled = fields.Boolean(required=True, allow_none=True)
    recorded_by = computed(fields.String, lambda row: row.recorded_by.display_name, required=True)


class DisputeEventSchema(Schema):
    action = fields.String(required=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    from_level = fields.String(required=True, allow_none=True)
    to_level = fields.String(required=True)
    note = fields.String(required=True)
    actor = fields.String(required=True)
    at = fields.DateTime(required=True)


class DisputeSchema(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = computed(fields.String, lambda row: row.region.name, required=True)
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    kind_label = computed(fields.String, lambda row: KINDS[row.kind], required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(DISPUTE_STATUSES)})
    status_label = computed(fields.String, lambda row: STATUS_LABELS[row.status], required=True)
    level = fields.String(required=True, metadata={"enum": list(LEVELS)})
    level_label = computed(fields.String, lambda row: LEVEL_LABELS[row.level], required=True)
    difficulty = fields.String(required=True, allow_none=True, metadata={"enum": list(DIFFICULTIES)})
    chosen_mediator_id = fields.Integer(required=True, allow_none=True)
    mediator = fields.Nested(MediatorSchema, required=True, allow_none=True)
    agreement_terms = fields.String(required=True, allow_none=True)
    agreement_performance = fields.String(required=True, allow_none=True)
    signed_at = fields.DateTime(required=True, allow_none=True)
    outside_body = fields.String(required=True, allow_none=True, metadata={"enum": ["judicial", "court", "legal_aid"]})
    outside_organisation = fields.String(required=True, allow_none=True)
    outside_number = fields.String(required=True, allow_none=True, metadata={"description": "The court's or legal aid's case number"})
    closed_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class MyDisputeRatingSchema(Schema):
    stars = fields.Integer(required=True)
    comment = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class DisputeViewSchema(Schema):
    dispute = fields.Nested(DisputeSchema, required=True)
    parties = fields.List(fields.Nested(DisputePartySchema), required=True)
    sessions = fields.List(fields.Nested(DisputeSessionSchema), required=True)
    sessions_at_level = fields.Integer(required=True, metadata={"description": "Sessions held at the current level (三二一)"})
    events = fields.List(fields.Nested(DisputeEventSchema), required=True)
    my_rating = fields.Nested(MyDisputeRatingSchema, required=True, allow_none=True)


class DisputeOptionSchema(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)


class DisputeCommunitySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class DisputeOptionsSchema(Schema):
    kinds = fields.List(fields.Nested(DisputeOptionSchema), required=True)
    difficulties = fields.List(fields.Nested(DisputeOptionSchema), required=True)
    communities = fields.List(fields.Nested(DisputeCommunitySchema), required=True)
