"""One schema for a multipart form: its text fields and its files together.

webargs reads form fields and files as two separate locations, and OpenAPI can
describe only one request body, so a form with photos would be documented half.
Here the "files" location reads both parts, so one schema validates the whole form
(unknown fields refused) and the docs show it as one multipart/form-data body.
"""
from __future__ import annotations

from werkzeug.datastructures import CombinedMultiDict

from mobile_api.blueprint import ApiBlueprint


class MultipartParser(ApiBlueprint.ARGUMENTS_PARSER.__class__):
    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(ApiBlueprint):
    ARGUMENTS_PARSER = MultipartParser(unknown=None)
