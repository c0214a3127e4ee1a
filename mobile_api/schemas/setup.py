"""Setting a city up: the region tree's import and edits, departments, and categories."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.categories import DIFFICULTIES
from gridapp.services.setup.categories import MAX_MINUTES, MAX_QUESTIONS, QUESTION_TYPES
from gridapp.services.setup.departments import KIND_LABELS, served
from mobile_api.schemas.cases import FileUpload
from mobile_api.schemas.common import JsonBoolean
from mobile_api.schemas.regions import RegionDetailSchema, RegionSchema

NOTE = fields.String(
    load_default="", validate=validate.Length(max=255), metadata={"description": "Why (kept in the change log)"}
)


# Region tree -------------------------------------------------------------------
class RegionImportFormSchema(Schema):
    file = FileUpload(required=True, metadata={"description": ".geojson (FeatureCollection), .csv or .xlsx"})


class RegionWarningSchema(Schema):
    code = fields.String(required=True)
    overlaps = fields.String(required=True, metadata={"description": "The other grid's code"})
    message = fields.String(required=True)


class RegionImportResultSchema(Schema):
    created = fields.Integer(required=True)
    by_level = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    warnings = fields.List(
        fields.Nested(RegionWarningSchema), required=True, metadata={"description": "Overlapping grids"}
    )


TEMPLATE_TYPES = {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}


class TemplateArgsSchema(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class RegionTemplateArgsSchema(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx", "geojson"]))


class RegionEditSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    boundary = fields.Dict(metadata={"description": "GeoJSON Polygon or MultiPolygon (grids only)"})
    note = NOTE


class RegionEditResultSchema(Schema):
    region = fields.Nested(RegionDetailSchema, required=True)
    warnings = fields.List(fields.Nested(RegionWarningSchema), required=True)


class RegionMoveSchema(Schema):
    parent_id = fields.Integer(required=True, metadata={"description": "The new parent (same level as the old one)"})
    note = NOTE


class ChangeNoteSchema(Schema):
    note = NOTE


class SetupChangeSchema(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True)
    actor = fields.Function(lambda c: c.actor.display_name if c.actor else None, allow_none=True)
    before = fields.Function(lambda c: c.before_json, allow_none=True, metadata={"description": "JSON text"})
    after = fields.Function(lambda c: c.after_json, allow_none=True, metadata={"description": "JSON text"})
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


# Departments -------------------------------------------------------------------
def _kind(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$", error="部门类型须为小写字母开头的英文标识"),
        metadata={"description": "A slug such as " + ", ".join(KIND_LABELS)},
        **kwargs,
    )


def _served(**kwargs) -> fields.List:
    return fields.List(
        fields.Integer(),
        validate=validate.Length(max=500),
        metadata={"description": "Region nodes served (each with its subtree)"},
        **kwargs,
    )


class DepartmentInSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = _kind(required=True)
    region_ids = _served(required=True)


class DepartmentPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    kind = _kind()
    region_ids = _served()
    is_active = JsonBoolean()
    note = NOTE


class DepartmentSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.Function(lambda d: KIND_LABELS.get(d.kind, d.kind))
    is_active = fields.Boolean(required=True)
    regions = fields.Function(
        lambda d: RegionSchema(many=True).dump(served(d)), metadata={"description": "Served nodes"}
    )


class DepartmentKindSchema(Schema):
    kind = fields.String(required=True)
    label = fields.String(required=True)


# Categories --------------------------------------------------------------------
class QuestionSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$"))
    label = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.OneOf(list(QUESTION_TYPES)))
    required = JsonBoolean(load_default=False)
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=32)), validate=validate.Length(max=20))


MINUTES = validate.Range(min=1, max=MAX_MINUTES)


def _category_fields(required: bool) -> dict:
    """A category's settable fields; on creation the name, route and SLA minutes are required."""
    return {
        "name": fields.String(required=required, validate=validate.Length(min=1, max=64)),
        "default_route": fields.String(required=required, validate=validate.OneOf(["grid_worker", "department"])),
        "department_kind": fields.String(allow_none=True, validate=validate.Length(min=1, max=32)),
        "difficulty": fields.String(validate=validate.OneOf(DIFFICULTIES)),
        "is_urgent": JsonBoolean(),
        "confirm_minutes": fields.Integer(required=required, validate=MINUTES),
        "onsite_minutes": fields.Integer(required=required, validate=MINUTES),
        "resolve_minutes": fields.Integer(required=required, validate=MINUTES),
        "working_time": JsonBoolean(),
        "questions": fields.List(fields.Nested(QuestionSchema), validate=validate.Length(max=MAX_QUESTIONS)),
        "urgent_notice": fields.String(
            allow_none=True,
            validate=validate.Length(max=255),
            metadata={"description": "Set for emergencies: reports are refused with this notice (name 110/119/120)"},
        ),
    }


CategoryInSchema = Schema.from_dict(
    {
        "code": fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$")),
        **_category_fields(True),
    },
    name="CategoryInSchema",
)
CategoryPatchSchema = Schema.from_dict(
    {**_category_fields(False), "is_active": JsonBoolean(), "note": NOTE}, name="CategoryPatchSchema"
)


class CategoryListArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    retired = fields.Boolean(load_default=False, metadata={"description": "Include retired categories"})
