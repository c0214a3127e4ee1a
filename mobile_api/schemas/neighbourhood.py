"""Below and beside the grid: heads and their charge, patrol plans, rounds and coverage."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.neighbourhood import HEAD_KINDS, PATROL_CADENCES
from mobile_api.schemas.cases import LocationMixin, photos_field, upload_ids_field
from mobile_api.schemas.common import JsonBoolean, PageArgsSchema

ID = validate.Range(min=1, max=2**63 - 1)


class HeadArgsSchema(PageArgsSchema):
    grid_id = fields.Integer(required=True, validate=ID)


class HeadCreateSchema(Schema):
    grid_id = fields.Integer(required=True, validate=ID)
    user_id = fields.Integer(validate=ID, metadata={"description": "The resident's account (or give `phone`)"})
    phone = fields.String(validate=validate.Regexp(r"^1[3-9][0-9]{9}$", error="手机号格式不正确"),
                          metadata={"description": "The phone the resident signs in with (or give `user_id`)"})
    kind = fields.String(required=True, validate=validate.OneOf(tuple(HEAD_KINDS)))
    building = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "Building and unit heads"})
    unit = fields.String(validate=validate.Length(min=1, max=16), metadata={"description": "Unit heads"})
    household_ids = fields.List(fields.Integer(validate=ID), load_default=list, validate=validate.Length(max=20),
                                metadata={"description": "Ten-household heads: the households in their charge"})


class HeadSchema(Schema):
    id = fields.Integer(required=True)
    grid_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    display_name = fields.Function(lambda head: head.user.display_name, required=True)
    kind = fields.String(required=True)
    kind_label = fields.Function(lambda head: HEAD_KINDS[head.kind], required=True)
    building = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    household_ids = fields.Function(lambda head: [h.household_id for h in head.households], required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True)


class NeighbourhoodEventSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    actor_user_id = fields.Integer(required=True)
    action = fields.String(required=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(required=True)


class HeadChargeHouseholdSchema(Schema):
    id = fields.Integer(required=True)
    place_label = fields.String(required=True)
    members = fields.Integer(required=True)
    names = fields.List(fields.String(), required=True, metadata={"description": "Masked"})


class HeadChargeSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    grid_id = fields.Integer(required=True)
    grid = fields.String(required=True)
    building = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    households = fields.List(fields.Nested(HeadChargeHouseholdSchema), required=True)


class HeadChargesSchema(Schema):
    items = fields.List(fields.Nested(HeadChargeSchema), required=True)


class HeadReportFormSchema(LocationMixin):
    """multipart/form-data; the photos go in the `photos` file field (1-9 files, or uploaded first)."""

    category_id = fields.Integer(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    address = fields.String(validate=validate.Length(max=255))
    photos = photos_field("1-9 photos: JPEG, PNG or WebP")
    upload_ids = upload_ids_field()


class PatrolPlanCreateSchema(Schema):
    region_id = fields.Integer(required=True, validate=ID, metadata={"description": "A community, street or district"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    cadence = fields.String(validate=validate.OneOf(tuple(PATROL_CADENCES)),
                            metadata={"description": "Default by level: weekly (community), monthly (street), quarterly (district)"})
    patroller_user_id = fields.Integer(validate=ID, allow_none=True)


class PatrolPlanChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    cadence = fields.String(validate=validate.OneOf(tuple(PATROL_CADENCES)))
    patroller_user_id = fields.Integer(validate=ID, allow_none=True)
    is_active = JsonBoolean()


class PatrolPlanSchema(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region = fields.Function(lambda plan: plan.region.name, required=True)
    name = fields.String(required=True)
    cadence = fields.String(required=True)
    cadence_label = fields.Function(lambda plan: PATROL_CADENCES[plan.cadence], required=True)
    patroller_user_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class PatrolRoundCreateSchema(Schema):
    grid_id = fields.Integer(required=True, validate=ID)
    place_id = fields.Integer(validate=ID, allow_none=True)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class PatrolRoundSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    grid_id = fields.Integer(required=True)
    grid = fields.Function(lambda r: r.grid.name, required=True)
    place_id = fields.Integer(allow_none=True)
    patroller_user_id = fields.Integer(required=True)
    notes = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class CoverageArgsSchema(Schema):
    back = fields.Integer(load_default=0, validate=validate.Range(min=0, max=24),
                          metadata={"description": "Periods before the current one (0: this week, month or quarter)"})


class CoveredGridSchema(Schema):
    grid_id = fields.Integer(required=True)
    grid = fields.String(required=True)
    rounds = fields.Integer(required=True)
    last_at = fields.DateTime(required=True)
    places = fields.Integer(required=True)


class UncoveredGridSchema(Schema):
    grid_id = fields.Integer(required=True)
    grid = fields.String(required=True)


class CoverageSchema(Schema):
    plan_id = fields.Integer(required=True)
    cadence = fields.String(required=True)
    cadence_label = fields.String(required=True)
    period_start = fields.DateTime(required=True)
    period_end = fields.DateTime(required=True)
    grids_total = fields.Integer(required=True)
    grids_covered = fields.Integer(required=True)
    coverage_percent = fields.Float(required=True)
    places_patrolled = fields.Integer(required=True)
    overdue = fields.Boolean(required=True, metadata={"description": "The period is over and some grids were not patrolled"})
    covered = fields.List(fields.Nested(CoveredGridSchema), required=True)
    uncovered = fields.List(fields.Nested(UncoveredGridSchema), required=True)
