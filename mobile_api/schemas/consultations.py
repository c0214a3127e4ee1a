"""码上协商: a consultation as organisers open it and residents answer it; results once closed; participation by grid."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridapp.services.participation import consultations
from mobile_api.schemas.common import computed


class ConsultationBodySchema(Schema):
    region_id = fields.Integer(required=True, metadata={"description": "The grid, community or street asked"})
    building = fields.String(load_default=None, validate=validate.Length(min=1, max=32), metadata={"description": "Only this building of the grid"})
    title = fields.String(required=True, validate=validate.Length(min=2, max=128))
    question = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    answer_kind = fields.String(required=True, validate=validate.OneOf(["choice", "free"]))
    options = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list, validate=validate.Length(max=10))
    per = fields.String(required=True, validate=validate.OneOf(["household", "resident"]), metadata={"description": "One answer per household, or per resident"})
    deadline = fields.AwareDateTime(required=True)


class ConsultationAnswerBodySchema(Schema):
    option = fields.Integer(load_default=None, validate=validate.Range(min=0, max=9), metadata={"description": "Choice: the option's index"})
    text = fields.String(load_default=None, validate=validate.Length(min=1, max=1000), metadata={"description": "Free answer"})


class TallySchema(Schema):
    option = fields.String(required=True)
    count = fields.Integer(required=True)


class ResultsSchema(Schema):
    answers = fields.Integer(required=True)
    tallies = fields.List(fields.Nested(TallySchema), required=True)
    texts = fields.List(fields.String(), required=True, metadata={"description": "Free answers, without names"})


class MyConsultationAnswerSchema(Schema):
    option = fields.Integer(required=True, allow_none=True)
    text = fields.String(required=True, allow_none=True)
    answered_at = fields.DateTime(required=True, attribute="created_at")
    by_me = fields.Boolean(required=True)


class ConsultationSchema(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    area_name = computed(fields.String, lambda row: row.region.name + (row.building or ""), required=True)
    building = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    question = fields.String(required=True)
    answer_kind = fields.String(required=True, metadata={"enum": ["choice", "free"]})
    options = computed(fields.List, consultations.options, fields.String(), required=True)
    per = fields.String(required=True, metadata={"enum": ["household", "resident"]})
    deadline = fields.DateTime(required=True)
    closed = computed(fields.Boolean, consultations.is_closed, required=True)
    results = computed(fields.Nested, consultations.results, ResultsSchema, required=True, allow_none=True,
                       metadata={"description": "Published at the deadline; null before"})
    created_at = fields.DateTime(required=True)


class ConsultationViewSchema(Schema):
    consultation = fields.Nested(ConsultationSchema, required=True)
    eligible = fields.Boolean(required=True, metadata={"description": "The caller may answer (a member of a household asked)"})
    my_answer = fields.Nested(MyConsultationAnswerSchema, required=True, allow_none=True, metadata={"description": "Mine, or my household's"})


class GridParticipationSchema(Schema):
    grid_id = fields.Integer(required=True)
    grid_name = fields.String(required=True)
    households = fields.Integer(required=True)
    households_answered = fields.Integer(required=True)
    share = fields.Float(required=True)
