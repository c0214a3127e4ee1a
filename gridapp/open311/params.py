"""Reading Open311 parameters: the spec's rules, not the mobile API's.

An empty parameter is the same as an absent one; unknown parameters (jurisdiction_id
variants, client extensions) are ignored rather than refused; lists are comma
separated; datetimes must carry a zone (Z or an offset).
"""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema
from werkzeug.datastructures import MultiDict

from gridapp.errors import ValidationFailed
from gridapp.storable import INT64_MAX, UNSTORABLE_TEXT, storable_text

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
# Ids are 64-bit in the database: a larger number names nothing, and must not reach a query.
ID = validate.Range(min=1, max=INT64_MAX)
REQUEST_ID = re.compile(r"^[0-9]{1,19}$")


class CommaList(fields.Field):
    def __init__(self, inner: fields.Field, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def _deserialize(self, value, attr, data, **kwargs):
        return [self.inner.deserialize(part.strip()) for part in str(value).split(",") if part.strip()]


class Open311Args(Schema):
    class Meta:
        unknown = EXCLUDE

    jurisdiction_id = fields.Str()
    api_key = fields.Str()

    @pre_load
    def drop_empty(self, data, **_kwargs):
        return {key: value for key, value in data.items() if value not in ("", None)}


class PagedArgs(Open311Args):
    start_date = fields.AwareDateTime(format="iso")
    end_date = fields.AwareDateTime(format="iso")
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Int(load_default=1000, validate=validate.Range(min=1, max=1000))
    service_request_id = CommaList(fields.Int(validate=ID))


class RequestsArgs(PagedArgs):
    service_code = CommaList(fields.Str())
    status = CommaList(fields.Str(validate=validate.OneOf(["open", "closed"])))


class CreateForm(Open311Args):
    service_code = fields.Str(required=True)
    lat = fields.Float(validate=validate.Range(-90, 90))
    lng = fields.Float(data_key="long", validate=validate.Range(-180, 180))
    address_string = fields.Str(validate=validate.Length(max=255))
    address_id = fields.Str(validate=validate.Length(max=64))
    email = fields.Email(validate=validate.Length(max=254))
    device_id = fields.Str(validate=validate.Length(max=128))
    account_id = fields.Str(validate=validate.Length(max=128))
    first_name = fields.Str(validate=validate.Length(max=30))
    last_name = fields.Str(validate=validate.Length(max=30))
    phone = fields.Str(validate=validate.Regexp(r"^\+?[0-9 ()-]{3,20}$"))
    description = fields.Str(validate=validate.Length(max=4000))
    media_url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=1024))

    @validates_schema
    def lat_and_long_together(self, data, **_kwargs):
        if ("lat" in data) != ("lng" in data):
            raise ValidationError("lat 与 long 必须同时提供", "long" if "lat" in data else "lat")
        if not ("lat" in data or data.get("address_string") or data.get("address_id")):
            raise ValidationError("须提供 lat/long、address_string 或 address_id 之一", "location")


class WorkOrderForm(CreateForm):
    """A 12345 platform's work order: a request plus the platform's own number and where its callbacks go."""

    order_no = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    callback_url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=1024))


class UpdateForm(Open311Args):
    """The servicerequestupdates extension's POST, as FixMyStreet and other Open311 clients send it."""

    service_request_id = fields.Int(required=True, validate=ID)
    update_id = fields.Str(validate=validate.Regexp(r"^[\x21-\x7e]{1,64}$"))
    description = fields.Str(required=True, validate=validate.Length(min=1, max=4000))
    status = fields.Str(validate=validate.OneOf(["open", "closed", "OPEN", "CLOSED"]))
    updated_datetime = fields.AwareDateTime(format="iso")
    media_url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=1024))
    email = fields.Email(validate=validate.Length(max=254))
    first_name = fields.Str(validate=validate.Length(max=30))
    last_name = fields.Str(validate=validate.Length(max=30))
    account_id = fields.Str(validate=validate.Length(max=128))


def with_query_key(form: MultiDict, args: MultiDict) -> MultiDict:
    """The form, with the `api_key` a client put in the query string (as many 311 clients do) when the body has none."""
    if form.get("api_key") or not args.get("api_key"):
        return form
    merged = MultiDict(form)
    merged["api_key"] = args["api_key"]
    return merged


def request_id(text: str) -> int | None:
    """A service_request_id from a path: None when it cannot name a request."""
    if not REQUEST_ID.match(text) or not 1 <= int(text) <= INT64_MAX:
        return None
    return int(text)


def load(schema: type[Schema], values: MultiDict) -> dict:
    unstorable = {
        key if storable_text(key) else "参数名": [UNSTORABLE_TEXT]
        for key, value in values.items(multi=True)
        if not storable_text(key + value)
    }
    if unstorable:
        raise ValidationFailed("请求参数不正确", details=unstorable)
    try:
        return schema().load(values.to_dict(flat=True))
    except ValidationError as exc:
        raise ValidationFailed("请求参数不正确", details=exc.normalized_messages()) from None


def attributes(values: MultiDict) -> dict[str, list[str]]:
    """attribute[code]=value and attribute[code][]=v1&attribute[code][]=v2, by code."""
    found: dict[str, list[str]] = {}
    for key in values:
        match = ATTRIBUTE_KEY.match(key)
        if match:
            found.setdefault(match.group(1), []).extend(values.getlist(key))
    return found
