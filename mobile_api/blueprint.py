"""The Blueprint every API resource uses."""
from __future__ import annotations

import flask_smorest
from flask_smorest import abort
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from gridapp.storable import unstorable
from gridapp.web.idempotency import HEADER
from mobile_api.schemas.common import ErrorSchema

# The Idempotency-Key header as a creating operation documents it.
IDEMPOTENCY_HEADER = [{"in": "header", "name": HEADER, "schema": {"type": "string", "maxLength": 128}}]
TOO_DEEP = "JSON 嵌套层数过多"
ONE_VALUE = "只能提供一个值"


class ApiParser(FlaskParser):
    """webargs' Flask parser, refusing input the database could not store (gridapp.storable).

    A JSON body nested deeper than Python's recursion limit is refused as well, instead of
    crashing the decoder.
    """

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            abort(422, messages={"json": {"_schema": [TOO_DEEP]}})

    def pre_load(self, location_data, *, schema, req, location):
        """A query or form field sent twice where one value is taken is refused, not read as its first value."""
        if isinstance(location_data, MultiDictProxy):
            repeated = {
                key: [ONE_VALUE] for key, values in location_data.data.lists()
                if len(values) > 1 and key not in location_data.multiple_keys
            }
            if repeated:
                raise ValidationError(repeated)
        return location_data

    def _validate_arguments(self, data, validators):
        errors = unstorable(data)
        if errors:
            raise ValidationError(errors)
        super()._validate_arguments(data, validators)


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, but unknown query parameters are refused like unknown JSON fields.

    webargs ignores unknown query parameters by default; a misspelt filter would then
    silently return everything, so the schema's own setting (raise) applies everywhere.
    """

    ARGUMENTS_PARSER = ApiParser(unknown=None)

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        """Every operation has an operationId, which a generated client names its functions by: the one the
        view gives (`documented`, `doc`), else its method, blueprint and view ("postCasesResolve")."""
        for endpoint, operations in self._docs.items():
            for method, operation in operations.items():
                if method != "parameters":
                    manual = operation.setdefault("manual_doc", {})
                    manual.setdefault("operationId", method + _camel(name) + _camel(endpoint))
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)

    def documented(self, operation_id: str, errors: dict[int, str], parameters=()):
        """A route's operationId, bearer token and error answers (each in the one error shape, described)."""
        def decorate(view):
            for status, description in errors.items():
                view = self.alt_response(status, schema=ErrorSchema, description=description)(view)
            return self.doc(operationId=operation_id, security=[{"bearer": []}], parameters=list(parameters))(view)

        return decorate

    def documenting(self, texts: dict[int, str]):
        """`documented(operation_id, *statuses, parameters=())` for a module whose routes share one text per error
        status: each route names its operationId and which of those statuses it may answer."""

        def documented(operation_id: str, *statuses: int, parameters=()):
            return self.documented(operation_id, {status: texts[status] for status in statuses}, parameters)

        return documented


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
