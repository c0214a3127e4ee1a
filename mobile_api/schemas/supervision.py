"""Supervision bodies and answers: SLA state, nudges, instructions, whistles and report-ins, scores."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from mobile_api.schemas.common import PageArgsSchema, computed


class SlaSchema(Schema):
    clock = fields.String(allow_none=True, metadata={"description": "confirm, onsite or resolve; null when nothing is timed"})
    clock_label = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    colour = fields.String(allow_none=True, metadata={"description": "green, yellow (75 % used) or red (overdue), now"})
    colour_label = fields.String(allow_none=True)
    escalation_level = fields.Integer(required=True, metadata={"description": "0 grid, 1 community, 2 street, 3 district"})
    paused = fields.Boolean(required=True, metadata={"description": "Waiting for the resident: the clock is stopped"})


class InstructionSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    author = computed(fields.String, lambda row: row.author.display_name, required=True)
    text = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class NudgeBodySchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class NudgeSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    handler_user_id = fields.Integer(allow_none=True)
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class InstructionBodySchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class WhistleBodySchema(Schema):
    department_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=20))
    grade = fields.String(required=True, validate=validate.OneOf(["quick", "emergency", "tough"]), metadata={"description": "快捷哨 / 应急哨 / 攻坚哨"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class WhistleTargetSchema(Schema):
    id = fields.Integer(required=True)
    whistle_id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    department_id = fields.Integer(required=True)
    department_name = computed(fields.String, lambda row: row.department.name, required=True)
    report_by = fields.DateTime(required=True)
    reported_at = fields.DateTime(allow_none=True)
    report_note = fields.String(required=True)
    late = fields.Boolean(required=True)


class WhistleSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    grade = fields.String(required=True)
    note = fields.String(required=True)
    report_by = fields.DateTime(required=True)
    blown_by = computed(fields.String, lambda row: row.blown_by.display_name, required=True)
    targets = fields.List(fields.Nested(WhistleTargetSchema), required=True)
    created_at = fields.DateTime(required=True)


class ReportInBodySchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class SupervisionSchema(Schema):
    sla = fields.Nested(SlaSchema, required=True)
    instructions = fields.List(fields.Nested(InstructionSchema), required=True)
    whistles = fields.List(fields.Nested(WhistleSchema), required=True)
    nudges = fields.Integer(required=True, metadata={"description": "Nudges received on this case"})


class OverdueArgsSchema(PageArgsSchema):
    region_id = fields.Integer()


class ScoreArgsSchema(Schema):
    month = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={"description": "YYYY-MM, China time; default this month"})


class ScoreSchema(Schema):
    department_id = fields.Integer(required=True)
    department_name = computed(fields.String, lambda row: row.department.name, required=True)
    month = fields.String(required=True)
    score = fields.Integer(required=True)
    rank = fields.Integer(required=True)
    late_minutes = fields.Integer(required=True)
    reopened = fields.Integer(required=True)
    low_ratings = fields.Integer(required=True)
    late_report_ins = fields.Integer(required=True)
