"""直联: grid contacts, conversations and their messages."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.direct_line import CONTACT_KINDS, CONVERSATION_KINDS
from mobile_api.schemas.cases import upload_ids_field
from mobile_api.schemas.common import JsonBoolean, PageArgsSchema

ID = validate.Range(min=1, max=2**63 - 1)
NAME = validate.Length(min=1, max=64)
BODY = fields.String(load_default="", validate=validate.Length(max=1000))


class GridContactArgsSchema(PageArgsSchema):
    grid_id = fields.Integer(required=True, validate=ID)


class GridContactCreateSchema(Schema):
    grid_id = fields.Integer(required=True, validate=ID)
    kind = fields.String(required=True, validate=validate.OneOf(CONTACT_KINDS))
    display_name = fields.String(required=True, validate=NAME)
    user_id = fields.Integer(required=True, validate=ID, metadata={"description": "The staff account that answers"})


class GridContactChangeSchema(Schema):
    display_name = fields.String(validate=NAME)
    user_id = fields.Integer(validate=ID)
    is_active = JsonBoolean()


class GridContactSchema(Schema):
    id = fields.Integer(required=True)
    grid_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    display_name = fields.String(required=True)
    user_id = fields.Integer(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class GridContactStateSchema(Schema):
    grid_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    display_name = fields.String(required=True)
    user_id = fields.Integer(required=True)
    is_active = fields.Boolean(required=True)


class GridContactEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    actor_user_id = fields.Integer(required=True)
    before = fields.Nested(GridContactStateSchema, allow_none=True)
    after = fields.Nested(GridContactStateSchema, required=True)


class DirectLineChoiceArgsSchema(Schema):
    grid_id = fields.Integer(validate=ID)
    code = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "A scanned household code's token"})


class DirectLineChoiceSchema(Schema):
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    contact_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)


class DirectLineChoicesSchema(Schema):
    grid_id = fields.Integer(required=True)
    grid = fields.String(required=True)
    retention_days = fields.Integer(required=True)
    contacts = fields.List(fields.Nested(DirectLineChoiceSchema), required=True)


class ConversationCreateSchema(Schema):
    grid_id = fields.Integer(validate=ID, metadata={"description": "A grid the resident lives in (default: their first)"})
    code = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Or the scanned household code"})
    kind = fields.String(required=True, validate=validate.OneOf(CONVERSATION_KINDS))
    contact_id = fields.Integer(validate=ID, metadata={"description": "Required for police and property"})
    body = BODY
    upload_ids = upload_ids_field()


class ConversationSchema(Schema):
    id = fields.Integer(required=True)
    side = fields.String(required=True, metadata={"description": "The caller's side: resident or staff"})
    grid = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    staff_name = fields.String(required=True)
    resident_name = fields.String(required=True, metadata={"description": "Masked for staff other than the grid worker"})
    unread = fields.Integer(required=True, metadata={"description": "Messages the caller has not read"})
    case_id = fields.Integer(allow_none=True)
    last_message_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    retention_days = fields.Integer(required=True)


class ConversationMessageCreateSchema(Schema):
    body = BODY
    upload_ids = upload_ids_field()


class ConversationMessageSchema(Schema):
    id = fields.Integer(required=True)
    side = fields.String(required=True)
    mine = fields.Boolean(required=True)
    sender = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    photos = fields.List(fields.String(), required=True)


class ConversationConvertSchema(Schema):
    category_id = fields.Integer(required=True, validate=ID)


class ConversationConvertedSchema(Schema):
    case_id = fields.Integer(required=True)
    conversation_id = fields.Integer(required=True)
