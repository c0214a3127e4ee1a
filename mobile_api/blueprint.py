"""The Blueprint every API resource uses."""
from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, but unknown query parameters are refused like unknown JSON fields.

    webargs ignores unknown query parameters by default; a misspelt filter would then
    silently return everything, so the schema's own setting (raise) applies everywhere.
    """

    ARGUMENTS_PARSER = FlaskParser(unknown=None)
