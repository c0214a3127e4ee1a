"""The JSON API for the mini-program and H5 clients, under /api/v1, documented by OpenAPI 3."""
from __future__ import annotations

from types import MethodType

import swagger_ui_bundle
from flask import Blueprint, Flask
from flask_smorest import Api
from marshmallow import fields

from gridapp.storable import INT64_MAX, INT64_MIN
from gridapp.web.access import Policy, declare_endpoint
from mobile_api.schemas.common import ErrorSchema


class GridappApi(Api):
    """flask-smorest with gridapp's one error shape (gridapp.web.errors handles every HTTPException)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


api = GridappApi(
    spec_kwargs={
        "info": {"description": "网格通 gridapp 移动端接口：扫码、随手拍、派单抢单与督办。"},
    }
)

def int64_range(converter, field, ret=None, **kwargs) -> dict:
    """Every integer is a 64-bit column (gridapp.storable: the parser refuses the rest): the document says so where a field sets no bound."""
    if not isinstance(field, fields.Integer):
        return {}
    return {"minimum": ret.get("minimum", INT64_MIN), "maximum": ret.get("maximum", INT64_MAX)}


def nullable_reference(converter, field, ret=None, **kwargs) -> dict:
    """A nested schema that may be null reads `allOf: [its $ref], nullable: true`, which a typed client generator
    reads as "that schema or None". apispec's own form, `anyOf` with an untyped nullable object, makes it read
    a free-form object instead (tests/test_generated_client.py)."""
    if not field.allow_none:
        return {}
    if "$ref" in ret:
        return {"allOf": [{"$ref": ret.pop("$ref")}], "nullable": True}
    return {"nullable": True}


API_SETTINGS = {
    "API_TITLE": "gridapp API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
}


def init_app(app: Flask) -> None:
    for key, value in API_SETTINGS.items():
        app.config.setdefault(key, value)
    api.init_app(app)
    converter = api.ma_plugin.converter
    converter.add_attribute_function(int64_range)
    if converter.field2nullable in converter.attribute_functions:
        converter.attribute_functions[converter.attribute_functions.index(converter.field2nullable)] = MethodType(
            nullable_reference, converter
        )
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    # Swagger UI's files are served from the installed package: nothing is fetched from a CDN.
    assets = Blueprint("swagger_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path, static_url_path="/api/docs/assets")
    app.register_blueprint(assets)
    for endpoint in ("api-docs.openapi_json", "api-docs.openapi_swagger_ui", "swagger_assets.static"):
        declare_endpoint(endpoint, Policy(None, "public"))

    from mobile_api import (
        admin_records,
        auth,
        care,
        cases,
        categories,
        codes,
        consultations,
        departments,
        direct_line,
        disputes,
        hotline,
        leaderboards,
        links,
        maps,
        neighbourhood,
        notices,
        notifications,
        open311_keys,
        orders,
        outside_systems,
        petitions,
        points,
        ratings,
        referrals,
        regions,
        reply_templates,
        reports,
        review_meetings,
        scan,
        staff,
        staff_points,
        suggestions,
        supervision,
        task_forces,
        uploads,
        venues,
    )

    for module in (
        auth, regions, notifications, scan, codes, admin_records, categories, departments, reports, cases, orders, points, leaderboards,
        supervision, open311_keys, links, maps, staff, staff_points, uploads, venues, suggestions, ratings,
        consultations, reply_templates, notices, direct_line, hotline, task_forces, review_meetings, disputes,
        petitions, referrals, care, neighbourhood, outside_systems,
    ):
        api.register_blueprint(module.blp)
