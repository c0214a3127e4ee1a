"""Community orders and the order pool."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.models.categories import DIFFICULTIES
from gridapp.models.orders import ORDER_STATUSES, STATUS_LABELS
from gridapp.services.orders import case_link
from gridapp.services.photos import url as photo_url
from mobile_api.schemas.cases import photos_field, upload_ids_field
from mobile_api.schemas.common import PageArgsSchema, computed

REASON = fields.String(required=True, validate=validate.Length(min=1, max=500))
BOUNTY = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000), metadata={"description": "Points before the difficulty multiplier"})
DEADLINE = fields.AwareDateTime(required=True, metadata={"description": "Grab and finish by (ISO 8601 with offset)"})
DEPARTMENT_KIND = fields.String(
    load_default=None, allow_none=True, validate=validate.Length(min=1, max=32),
    metadata={"description": "The kind of department that may take it. Default: the category's; required for a case whose category has none"},
)


class OrderCreateSchema(Schema):
    community_id = fields.Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    category_id = fields.Integer(required=True)
    difficulty = fields.String(required=True, validate=validate.OneOf(DIFFICULTIES))
    bounty = BOUNTY
    deadline = DEADLINE
    case_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "The resident's case this order is for, if any"})
    department_kind = DEPARTMENT_KIND


class CaseOrderCreateSchema(Schema):
    """An order for a case: community, category and place come from the case."""

    title = fields.String(validate=validate.Length(min=1, max=128), metadata={"description": "Default: the category and the place"})
    description = fields.String(validate=validate.Length(max=2000), metadata={"description": "Default: the case's description"})
    difficulty = fields.String(validate=validate.OneOf(DIFFICULTIES), metadata={"description": "Default: the category's"})
    bounty = BOUNTY
    deadline = DEADLINE
    department_kind = DEPARTMENT_KIND


class OrderListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    community_id = fields.Integer()


class OrderReasonSchema(Schema):
    reason = REASON


class OrderVerifySchema(Schema):
    difficulty = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DIFFICULTIES), metadata={"description": "Lower the tier paid (never above the one posted)"})
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class OrderAssignSchema(Schema):
    department_id = fields.Integer(required=True)
    deadline = fields.AwareDateTime(required=True)
    user_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "A staff member of that department"})
    note = fields.String(load_default="", validate=validate.Length(max=500))


class OrderResolveFormSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    photos = photos_field("1-9 after-photos")
    upload_ids = upload_ids_field()


class OrderViewSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    status_label = computed(fields.String, lambda o: STATUS_LABELS[o.status])
    title = fields.String(required=True)
    description = fields.String()
    community_id = fields.Integer()
    community_name = computed(fields.String, lambda o: o.community.name)
    place = computed(fields.String, case_link.place_label, metadata={"description": "The case's place, else the community"})
    case_id = fields.Integer(allow_none=True)
    category_id = fields.Integer()
    category_name = computed(fields.String, lambda o: o.category.name)
    department_kind = fields.String(allow_none=True)
    difficulty = fields.String()
    bounty = fields.Integer()
    reserved = fields.Integer(metadata={"description": "The bounty scaled by difficulty, held since posting"})
    deadline = fields.DateTime()
    holder_department_id = fields.Integer(allow_none=True)
    holder_department_name = computed(fields.String, lambda o: o.holder_department.name if o.holder_department else None)
    holder_user_id = fields.Integer(allow_none=True)
    holder_name = computed(fields.String, lambda o: o.holder.display_name if o.holder else None)
    grabbed_at = fields.DateTime(allow_none=True)
    start_by = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution_note = fields.String()
    after_photos = computed(fields.List, lambda o: [photo_url(k) for k in o.after_photos], fields.String())
    paid_at = fields.DateTime(allow_none=True)
    payout_department = fields.Integer()
    payout_staff = fields.Integer()
    created_at = fields.DateTime()


class OrderEventSchema(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_user_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()


class OrderDetailSchema(OrderViewSchema):
    events = fields.List(fields.Nested(OrderEventSchema))
    before_photos = computed(
        fields.List, lambda o: [photo_url(p.web_key or p.original_key) for p in case_link.before_photos(o)], fields.String(),
        metadata={"description": "The case's photos from before the work (none for an order without a case)"},
    )
