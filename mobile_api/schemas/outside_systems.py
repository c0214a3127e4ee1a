"""Outside Open311 systems as city admins set them up; the api_key is written, never read back."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.open311 import outside_systems
from mobile_api.schemas.common import JsonBoolean, computed
from mobile_api.schemas.setup import NOTE

_NAME = {"validate": validate.Length(min=1, max=64), "metadata": {"description": "The system's name, shown on case timelines"}}
_URL = {"validate": validate.Length(min=1, max=1024), "metadata": {"description": "The GeoReport v2 base URL, up to and including /v2"}}
_KEY = {"validate": validate.Length(min=1, max=255), "load_only": True, "metadata": {"description": "Their api_key (write-only: never answered)"}}
_JURISDICTION = {"validate": validate.Length(max=64), "allow_none": True, "metadata": {"description": "Their jurisdiction_id, if they want one"}}
_SERVICE = {"validate": validate.Length(min=1, max=64), "metadata": {"description": "Their service_code for our category"}}
_CATEGORY = {"metadata": {"description": "Our category whose new cases are sent there (one system per category)"}}


class OutsideSystemInSchema(Schema):
    name = fields.String(required=True, **_NAME)
    category_id = fields.Integer(required=True, **_CATEGORY)
    base_url = fields.String(required=True, **_URL)
    api_key = fields.String(required=True, **_KEY)
    jurisdiction_id = fields.String(load_default=None, **_JURISDICTION)
    service_code = fields.String(required=True, **_SERVICE)


class OutsideSystemPatchSchema(Schema):
    name = fields.String(**_NAME)
    category_id = fields.Integer(**_CATEGORY)
    base_url = fields.String(**_URL)
    api_key = fields.String(**_KEY)
    jurisdiction_id = fields.String(**_JURISDICTION)
    service_code = fields.String(**_SERVICE)
    is_active = JsonBoolean(metadata={"description": "true enables a disabled system again (its waiting cases are sent)"})
    note = NOTE


class OutsideSystemSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    category_id = fields.Integer(required=True)
    category_name = computed(
        fields.String, lambda e: getattr(outside_systems.category_of(e), "name", None), allow_none=True
    )
    base_url = fields.String(required=True)
    api_key_hint = computed(
        fields.String, outside_systems.key_hint, required=True,
        metadata={"description": "The key masked: its last 4 characters when it has 12 or more"},
    )  # fmt: skip
    jurisdiction_id = fields.String(allow_none=True)
    service_code = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
