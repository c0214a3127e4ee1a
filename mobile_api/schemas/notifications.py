"""The inbox."""
from __future__ import annotations

from marshmallow import Schema, fields

from gridapp.web.links import notification_link
from mobile_api.schemas.common import PageArgsSchema, computed


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    link = computed(fields.String, notification_link, allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxArgsSchema(PageArgsSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread notifications"})


class ReadAllSchema(Schema):
    marked = fields.Integer(required=True)
