"""领导包案 and 联合处置 1+1+N: setting up a task force, its members' sub-tasks with their clocks, and the steps."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.task_forces import subjects
from gridapp.services.task_forces import workflow as task_forces
from mobile_api.schemas.common import computed

SUBJECT_KINDS = sorted(subjects.LOADERS)
TITLE = validate.Length(min=2, max=200)
TASK = validate.Length(min=2, max=1000)


class TaskForceUnitSchema(Schema):
    """One unit's sub-task: a department or a region node (a community, street or district), never both."""

    department_id = fields.Integer(load_default=None, allow_none=True)
    region_id = fields.Integer(load_default=None, allow_none=True)
    task = fields.String(required=True, validate=TASK)
    deadline = fields.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "Its own clock; the task force's deadline if left out"})


class TaskForceDepartmentUnitSchema(TaskForceUnitSchema):
    department_id = fields.Integer(required=True)
    region_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Equal(None))


class TaskForceRegionUnitSchema(TaskForceUnitSchema):
    region_id = fields.Integer(required=True)
    department_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Equal(None))


class TaskForceBaseSchema(Schema):
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    subject_id = fields.Integer(required=True)
    title = fields.String(required=True, validate=TITLE)
    measures = fields.String(load_default="", validate=validate.Length(max=4000))
    deadline = fields.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "TASK_FORCE_DAYS from now if left out"})


class LeaderCaseBodySchema(TaskForceBaseSchema):
    lead_department_id = fields.Integer(required=True)
    lead_task = fields.String(required=True, validate=TASK)
    lead_deadline = fields.AwareDateTime(load_default=None, allow_none=True)
    assisting = fields.List(fields.Nested(TaskForceUnitSchema), load_default=list, validate=validate.Length(max=20))


class JointBodySchema(TaskForceBaseSchema):
    locality = fields.Nested(TaskForceRegionUnitSchema, required=True)
    responsible = fields.Nested(TaskForceDepartmentUnitSchema, required=True)
    co_handlers = fields.List(fields.Nested(TaskForceUnitSchema), required=True, validate=validate.Length(min=1, max=20))


class TaskForceStepBodySchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class TaskForceListArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(list(task_forces.STATUS_LABELS)))
    kind = fields.String(load_default=None, validate=validate.OneOf(list(task_forces.KIND_LABELS)))
    subject_kind = fields.String(load_default=None, validate=validate.OneOf(SUBJECT_KINDS))
    subject_id = fields.Integer(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class TaskForceOwnedArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(list(task_forces.STATUS_LABELS)))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class StepEventSchema(Schema):
    """One appended step of a task force or a review meeting (models.task_forces.StepEventMixin)."""

    actor_name = computed(fields.String, lambda e: e.actor.display_name if e.actor else "系统", required=True)
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    note = fields.String(required=True)
    at = fields.DateTime(required=True, attribute="created_at")


class TaskForceEventSchema(StepEventSchema):
    action = fields.String(required=True, metadata={"enum": list(task_forces.ACTION_LABELS)})
    member_id = fields.Integer(required=True, allow_none=True)


class TaskForceMemberSchema(Schema):
    id = fields.Integer(required=True)
    task_force_id = fields.Integer(required=True)
    role = fields.String(required=True, metadata={"enum": list(task_forces.ROLE_LABELS)})
    role_label = computed(fields.String, lambda m: task_forces.ROLE_LABELS[m.role], required=True)
    department_id = fields.Integer(required=True, allow_none=True)
    region_id = fields.Integer(required=True, allow_none=True)
    unit_name = computed(fields.String, task_forces.unit_name, required=True)
    task = fields.String(required=True)
    deadline = fields.DateTime(required=True)
    status = fields.String(required=True, metadata={"enum": list(task_forces.MEMBER_STATUS_LABELS)})
    status_label = computed(fields.String, lambda m: task_forces.MEMBER_STATUS_LABELS[m.status], required=True)
    clock = computed(fields.String, task_forces.member_colour, required=True,
                     metadata={"description": "done, or the sub-task clock: green, yellow, red (overdue)", "enum": ["done", "green", "yellow", "red"]})
    progress = fields.String(required=True)
    progress_at = fields.DateTime(required=True, allow_none=True)
    done_at = fields.DateTime(required=True, allow_none=True)
    overdue_at = fields.DateTime(required=True, allow_none=True)


class TaskForceProgressSchema(Schema):
    done = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    total = fields.Integer(required=True)


class TaskForceSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(task_forces.KIND_LABELS)})
    kind_label = computed(fields.String, lambda r: task_forces.KIND_LABELS[r.kind], required=True)
    subject_kind = fields.String(required=True)
    subject_id = fields.Integer(required=True)
    subject_label = computed(fields.String, task_forces.subject_label, required=True)
    title = fields.String(required=True)
    measures = fields.String(required=True)
    leader_user_id = fields.Integer(required=True, allow_none=True)
    leader_name = computed(fields.String, lambda r: r.leader.display_name if r.leader else None, required=True, allow_none=True)
    deadline = fields.DateTime(required=True)
    status = fields.String(required=True, metadata={"enum": list(task_forces.STATUS_LABELS)})
    status_label = computed(fields.String, lambda r: task_forces.STATUS_LABELS[r.status], required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    progress = computed(fields.Nested, task_forces.progress, TaskForceProgressSchema, required=True)
    members = fields.List(fields.Nested(TaskForceMemberSchema), required=True)


class TaskForceDetailSchema(TaskForceSchema):
    events = fields.List(fields.Nested(TaskForceEventSchema), required=True)
