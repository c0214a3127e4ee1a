"""回复模板 as admins manage them."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.cases import states as S
from mobile_api.schemas.cases import RefSchema
from mobile_api.schemas.common import PageArgsSchema, computed

STATES = validate.OneOf(sorted(S.ALL_STATES))
BODY = "The reply; placeholders {地点} {分类} {时限} {编号} {社区} are filled in for each case"


class ReplyTemplatePatchSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=64))
    body = fields.String(validate=validate.Length(min=1, max=2000), metadata={"description": BODY})
    category_id = fields.Integer(allow_none=True, validate=validate.Range(min=1), metadata={"description": "None: every category"})
    state = fields.String(allow_none=True, validate=STATES, metadata={"description": "None: every state"})


class ReplyTemplateInSchema(ReplyTemplatePatchSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=64))
    body = fields.String(required=True, validate=validate.Length(min=1, max=2000), metadata={"description": BODY})


class ReplyTemplateSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    category = fields.Nested(RefSchema, allow_none=True, metadata={"description": "None: every category"})
    state = fields.String(allow_none=True, metadata={"description": "None: every state"})
    state_label = computed(fields.String, lambda t: S.STATE_LABELS[t.state] if t.state else "全部状态", required=True)
    updated_at = fields.DateTime(required=True)


class ReplyTemplateListArgsSchema(PageArgsSchema):
    category_id = fields.Integer(validate=validate.Range(min=1))
    state = fields.String(validate=STATES)
