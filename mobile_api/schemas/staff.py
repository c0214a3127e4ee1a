"""Staff accounts, their grants, the staff audit, and staff's points."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.authz import STAFF_ROLES, Role
from gridapp.services.accounts.grants import GRANTABLE
from gridapp.services.accounts.staff import USERNAME
from gridapp.services.accounts.staff_audit import ACTION_LABELS
from gridapp.services.codes.imports import PHONE
from mobile_api.schemas.auth import GrantSchema
from mobile_api.schemas.cases import FileUpload

ROLE = fields.String(required=True, validate=validate.OneOf(sorted(r.value for r in GRANTABLE)))


def _username(**kwargs):
    return fields.String(validate=validate.Regexp(USERNAME, error="用户名为 3-64 位字母、数字或 _.@-"), **kwargs)


def _phone(**kwargs):
    return fields.String(validate=validate.Regexp(PHONE, error="应为 11 位手机号"), allow_none=True, **kwargs)


def _password(**kwargs):
    return fields.String(load_only=True, validate=validate.Length(min=8, max=256), **kwargs)


class GrantInSchema(Schema):
    role = ROLE
    region_ids = fields.List(
        fields.Integer(), validate=validate.Length(min=1, max=100), load_default=list,
        metadata={"description": "region roles: the node(s) (a grid worker may hold several grids)"},
    )
    department_id = fields.Integer(load_default=None, metadata={"description": "department roles: the department"})
    title = fields.String(load_default=None, validate=validate.Length(max=64))


class StaffInSchema(Schema):
    username = _username(required=True)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = _phone(load_default=None)
    password = _password(required=True, metadata={"description": "to be changed by the person at their first sign-in"})
    grants = fields.List(fields.Nested(GrantInSchema), required=True, validate=validate.Length(min=1, max=20))


class StaffPatchSchema(Schema):
    username = _username()
    display_name = fields.String(validate=validate.Length(min=1, max=64))
    phone = _phone()


class PasswordResetSchema(Schema):
    password = _password(required=True, metadata={"description": "the new password, to be changed at the next sign-in"})


class StaffGrantSchema(GrantSchema):
    id = fields.Integer(required=True)


class StaffSchema(Schema):
    id = fields.Function(lambda v: v.user.id)
    username = fields.Function(lambda v: v.user.username)
    display_name = fields.Function(lambda v: v.user.display_name)
    phone = fields.Function(lambda v: v.phone, metadata={"description": "whole only to the admins who manage the account"})
    is_active = fields.Function(lambda v: v.user.is_active)
    must_change_password = fields.Function(lambda v: v.user.must_change_password)
    last_login_at = fields.Function(lambda v: v.user.last_login_at.isoformat() if v.user.last_login_at else None)
    locked_until = fields.Function(lambda v: v.locked_until.isoformat() if v.locked_until else None)
    manageable = fields.Function(lambda v: v.manageable, metadata={"description": "whether the caller may change it"})
    grants = fields.Method("dump_grants")

    def dump_grants(self, view):
        return StaffGrantSchema(many=True).dump([
            {
                "id": g.id, "role": g.role, "role_label": Role(g.role).label, "title": g.title,
                "region_id": g.region_id, "region_name": g.region.name if g.region else None,
                "department_id": g.department_id, "department_name": g.department.name if g.department else None,
            }
            for g in sorted(view.user.grants, key=lambda g: g.id)
        ])  # fmt: skip


class StaffListArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=64), metadata={"description": "name, username or phone"})
    role = fields.String(load_default=None, validate=validate.OneOf(sorted(r.value for r in STAFF_ROLES)))
    active = fields.Boolean(load_default=None)


class StaffImportResultSchema(Schema):
    imported = fields.Integer(required=True)
    rows = fields.Integer(required=True)


class AuditArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    user_id = fields.Integer(load_default=None, validate=validate.Range(min=1))


class AuditEntrySchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    action = fields.String(required=True)
    action_label = fields.Function(lambda e: ACTION_LABELS[e.action])
    actor_user_id = fields.Integer(required=True)
    actor_name = fields.Function(lambda e: e.actor.display_name)
    user_id = fields.Integer(required=True)
    user_name = fields.Function(lambda e: e.user.display_name)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    note = fields.String()


class DepartmentPointsSchema(Schema):
    department_id = fields.Integer(required=True)
    department_name = fields.String(required=True)
    balance = fields.Integer(required=True)


class StaffImportFormSchema(Schema):
    """multipart/form-data: the filled-in template (.csv or .xlsx) in the `file` field."""

    file = FileUpload(required=True)
