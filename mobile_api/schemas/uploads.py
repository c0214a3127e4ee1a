"""Photos uploaded one per request (the mini-program's wx.uploadFile)."""
from __future__ import annotations

from marshmallow import Schema, fields

from gridapp.services import photos, uploads
from mobile_api.schemas.cases import FileUpload
from mobile_api.schemas.common import computed


class UploadFormSchema(Schema):
    """multipart/form-data with one file in `photo`."""

    photo = FileUpload(required=True, metadata={"description": "One photo: JPEG, PNG or WebP"})


class PhotoUploadSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "Name it in `upload_ids` of a report, resolution, patrol, visit or cadre photo"})
    url = computed(fields.String, lambda row: photos.url(row.original_key), required=True, metadata={"type": "string"})
    content_type = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    byte_size = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = computed(fields.DateTime, uploads.expires_at, required=True)
