"""领导包案 and 联合处置 1+1+N: leaders own subjects with a task force; each unit works its sub-task on its own clock."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.task_forces import workflow as task_forces
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import HEADER, created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import page_of
from mobile_api.schemas.task_forces import (
    JointBodySchema,
    LeaderCaseBodySchema,
    TaskForceDetailSchema,
    TaskForceListArgsSchema,
    TaskForceMemberSchema,
    TaskForceOwnedArgsSchema,
    TaskForceSchema,
    TaskForceStepBodySchema,
)

blp = ApiBlueprint("task_forces", __name__, url_prefix="/api/v1", description="领导包案与联合处置（1+1+N）：专班、子任务与时限")

IDEMPOTENCY = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}, "description": "A retry with the same key returns the first task force"}]
CREATE_ERRORS = {401: "Not signed in", 403: "Not a leader (official) over the subject", 404: "No such subject",
                 422: "Bad input: unknown unit, a repeated unit, a deadline in the past or after the task force's"}
STEP_ERRORS = {401: "Not signed in", 403: "Not the people of this unit", 404: "No such sub-task",
               409: "The sub-task or task force is not in a state for this step", 422: "A note is required"}


@blp.route("/task-forces/leader")
class LeaderCases(MethodView):
    @allow(task_forces.LEADERS, scope="region_tree")
    @blp.arguments(LeaderCaseBodySchema)
    @blp.response(201, TaskForceDetailSchema)
    @blp.documented("createLeaderCase", CREATE_ERRORS, IDEMPOTENCY)
    def post(self, body):
        """包案: I own this subject with a lead department, assisting units, measures and a deadline."""
        actor = current_actor()
        return created(task_forces.create_leader_case(actor, body, request_claim(actor, body)), lambda row: row)


@blp.route("/task-forces/joint")
class JointHandlings(MethodView):
    @allow(task_forces.COORDINATORS, scope="region_tree")
    @blp.arguments(JointBodySchema)
    @blp.response(201, TaskForceDetailSchema)
    @blp.documented("createJointHandling", CREATE_ERRORS, IDEMPOTENCY)
    def post(self, body):
        """1+1+N: the locality, the responsible department and co-handlers, each with a sub-task and its own clock."""
        actor = current_actor()
        return created(task_forces.create_joint(actor, body, request_claim(actor, body)), lambda row: row)


@blp.route("/task-forces")
class TaskForces(MethodView):
    @allow(task_forces.COORDINATORS, scope="region_tree")
    @blp.arguments(TaskForceListArgsSchema, location="query")
    @blp.response(200, page_of(TaskForceSchema))
    @blp.documented("listTaskForces", {401: "Not signed in", 403: "Not an official", 422: "Bad filter or paging"})
    def get(self, args):
        """Task forces over subjects in my part of the city (filter by status, kind or subject), open first."""
        subject = (args.pop("subject_kind"), args.pop("subject_id"))
        return paginate(task_forces.in_scope(current_actor(), args.pop("status"), args.pop("kind"), subject if all(subject) else None), args)


@blp.route("/task-forces/owned")
class Owned(MethodView):
    @allow(task_forces.READERS, scope="self")
    @blp.arguments(TaskForceOwnedArgsSchema, location="query")
    @blp.response(200, page_of(TaskForceSchema))
    @blp.documented("listOwnedTaskForces", {401: "Not signed in", 403: "Not staff who may own one", 422: "Bad filter or paging"})
    def get(self, args):
        """The leader's view: what I own (or coordinate), with each unit's progress and deadline, open first."""
        return paginate(task_forces.owned(current_actor(), args.pop("status")), args)


@blp.route("/task-forces/subtasks/mine")
class MySubtasks(MethodView):
    @allow(task_forces.HANDLERS, scope="department_or_region_tree")
    @blp.arguments(TaskForceOwnedArgsSchema, location="query")
    @blp.response(200, page_of(TaskForceMemberSchema))
    @blp.documented("listMySubtasks", {401: "Not signed in", 403: "Not department staff or an official", 422: "Bad paging"})
    def get(self, args):
        """Open sub-tasks given to my department or to the region nodes I am an official over, soonest deadline first."""
        args.pop("status")
        return paginate(task_forces.my_subtasks(current_actor()), args)


@blp.route("/task-forces/<int:task_force_id>")
class OneTaskForce(MethodView):
    @allow(task_forces.READERS, scope="owner_member_or_region_tree")
    @blp.response(200, TaskForceDetailSchema)
    @blp.documented("getTaskForce", {401: "Not signed in", 403: "Neither its owner, an official over it nor a member unit", 404: "No such task force"})
    def get(self, task_force_id):
        """One task force with every unit's sub-task, clock and progress, and its history."""
        return task_forces.visible(current_actor(), task_force_id)


@blp.route("/task-forces/<int:task_force_id>/close")
class Close(MethodView):
    @allow(task_forces.READERS, scope="owner")
    @blp.arguments(TaskForceStepBodySchema)
    @blp.response(200, TaskForceDetailSchema)
    @blp.documented("closeTaskForce", {401: "Not signed in", 403: "Not its owner", 404: "No such task force",
                                       409: "Already closed, or sub-tasks not done (subtasks_open)", 422: "Bad input"})
    def post(self, body, task_force_id):
        """办结: by the owning leader (or the joint handling's coordinator) once every sub-task is done."""
        return task_forces.close(current_actor(), task_force_id, body["note"])


def _step_route(action: str, operation_id: str, summary: str, permission, scope: str):
    class Step(MethodView):
        @allow(permission, scope=scope)
        @blp.arguments(TaskForceStepBodySchema)
        @blp.response(200, TaskForceMemberSchema)
        @blp.documented(operation_id, STEP_ERRORS)
        def post(self, body, member_id):
            return task_forces.step(current_actor(), member_id, action, body["note"])

    Step.post.__doc__ = summary
    Step.__name__ = f"Subtask{action.title()}"
    blp.route(f"/task-forces/subtasks/<int:member_id>/{action}")(Step)


_step_route("start", "startSubtask", "Receive the sub-task: its clock shows it in progress.", task_forces.HANDLERS, "member_unit")
_step_route("progress", "reportSubtaskProgress", "Report progress (a note) on my unit's sub-task.", task_forces.HANDLERS, "member_unit")
_step_route("finish", "finishSubtask", "Finish my unit's sub-task with a note of what was done.", task_forces.HANDLERS, "member_unit")
_step_route("return", "returnSubtask", "Send a finished sub-task back (owner only), with the reason.", task_forces.READERS, "owner")
