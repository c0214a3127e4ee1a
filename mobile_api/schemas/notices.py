"""Targeted notices: tags on household members (staff only), the audience, the notice and its reach."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.notices.audience import AUDIENCES, TAG_MATCHES
from gridapp.services.notices.tags import CATALOGUE, ORDINARY, SENSITIVE

TAG_KEY = fields.String(validate=validate.OneOf(list(CATALOGUE)))


class TagSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    sensitivity = fields.String(required=True, validate=validate.OneOf([ORDINARY, SENSITIVE]), metadata={
        "description": "sensitive: read only by the member's grid worker and community admin"
    })


class TagListSchema(Schema):
    items = fields.List(fields.Nested(TagSchema), required=True)


class TagChangeSchema(Schema):
    """The member's tags after the change; `changed` false when they already were so (nothing audited)."""

    changed = fields.Boolean(required=True)
    tags = fields.List(fields.Nested(TagSchema), required=True)


class TagEventSchema(Schema):
    id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    tag = fields.String(required=True)
    action = fields.String(required=True, validate=validate.OneOf(["added", "removed"]))
    user_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class AudienceSchema(Schema):
    region_id = fields.Integer(required=True, validate=validate.Range(min=1))
    audience = fields.String(load_default="households", validate=validate.OneOf(list(AUDIENCES)), metadata={
        "description": "households: accounts linked to a household member; everyone: also linked shop, e-bike, stall owners"
    })
    tags = fields.List(TAG_KEY, load_default=list, validate=validate.Length(max=len(CATALOGUE)))
    tag_match = fields.String(load_default="any", validate=validate.OneOf(list(TAG_MATCHES)))


class NoticeCreateSchema(AudienceSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=64))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class PreviewSchema(Schema):
    recipients = fields.Integer(required=True)


class NoticeSchema(Schema):
    """A notice as its recipient reads it."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    published_at = fields.DateTime(required=True)
    area = fields.String(required=True, metadata={"description": "The region the notice was sent to"})
    read_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "When the caller first opened it"})


class TagRefSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class GridReachSchema(Schema):
    grid_id = fields.Integer(required=True)
    grid_name = fields.String(required=True)
    recipients = fields.Integer(required=True)
    read = fields.Integer(required=True)
    read_share = fields.Float(required=True)


class SentNoticeSchema(Schema):
    """A notice as its sender's area sees it: the audience definition and the reach figures."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    published_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "When the fan-out finished"})
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    audience = fields.String(required=True)
    audience_label = fields.String(required=True)
    tags = fields.List(fields.Nested(TagRefSchema), required=True)
    tag_match = fields.String(required=True)
    tag_match_label = fields.String(required=True)
    recipient_count = fields.Integer(required=True, metadata={"description": "Resolved when it was published"})
    recipients = fields.Integer(required=True)
    delivered = fields.Integer(required=True, metadata={"description": "Inbox notifications made"})
    pushed = fields.Integer(required=True, metadata={"description": "Push deliveries sent"})
    read = fields.Integer(required=True)


class NoticeReachSchema(SentNoticeSchema):
    by_grid = fields.List(fields.Nested(GridReachSchema), required=True)
