"""Schemas every resource shares: the error body and the page envelope."""
from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate


class JsonBoolean(fields.Boolean):
    """A boolean in a JSON body is `true` or `false`: unlike a query string or a form field, JSON has a type for
    it, so 0, 1 or "yes" there is a client's mistake to refuse, not to guess at (and 0 == False in Python, so
    narrowing `truthy`/`falsy` would not tell them apart)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _Computed:
    """Mixed into a field class: the value is `get(obj)`, and the document keeps the field class's type."""

    def __init__(self, *args, get, **kwargs):
        super().__init__(*args, dump_only=True, **kwargs)
        self._get = get

    def get_value(self, obj, attr, accessor=None, default=None):
        return self._get(obj)


@cache
def _computed_class(field_class: type[fields.Field]) -> type[fields.Field]:
    return type(f"Computed{field_class.__name__}", (_Computed, field_class), {})


def computed(field_class: type[fields.Field], get, *args, **kwargs) -> fields.Field:
    """A read-only field whose value is computed, typed in the OpenAPI document (fields.Function is untyped there,
    which a generated client can only call Any): computed(fields.String, lambda o: o.shop.name, required=True)."""
    return _computed_class(field_class)(*args, get=get, **kwargs)


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine-readable slug"})
    message = fields.String(required=True, metadata={"description": "Human-readable message (Chinese)"})
    details = fields.Dict(allow_none=True, metadata={"description": "Field errors or context (by field name, or what the message is about)"})


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageMetaSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The envelope {"items": [...], "meta": {...}} for a list of `item_schema`."""
    return type(
        f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
        (Schema,),
        {"items": fields.List(fields.Nested(item_schema), required=True), "meta": fields.Nested(PageMetaSchema, required=True)},
    )
