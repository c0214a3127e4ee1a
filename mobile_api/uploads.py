"""Upload first: one photo per request, named later by id in the call that uses it."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.services import uploads as photo_uploads
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim, uploads
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.uploads import PhotoUploadSchema, UploadFormSchema

blp = MultipartBlueprint("uploads", __name__, url_prefix="/api/v1/uploads", description="上传照片：先传照片，再提交")


@blp.route("")
class Uploads(MethodView):
    @allow(photo_uploads.UPLOADERS, scope="self")
    @blp.arguments(UploadFormSchema, location="files")
    @blp.response(201, PhotoUploadSchema, headers={"Idempotent-Replayed": {"description": "true when this answers a retry", "schema": {"type": "string"}}})
    @blp.doc(security=[{"bearer": []}], parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 128}}])
    def post(self, form):
        """Upload one photo (multipart field `photo`), checked and cleaned like a report's; name its id in `upload_ids` within a day.

        An upload is used once, by its uploader; unused uploads are removed after `UPLOAD_TTL_HOURS`.
        """
        actor = current_actor()
        photo = uploads([form["photo"]])
        result = photo_uploads.upload(actor, photo[0], request_claim(actor, {}, photo))
        return created(result, lambda row: row)


@blp.route("/<int:upload_id>")
class OneUpload(MethodView):
    @allow(photo_uploads.UPLOADERS, scope="self")
    @blp.response(200, PhotoUploadSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self, upload_id):
        """One of the caller's uploads (404 for anyone else's)."""
        return photo_uploads.mine(current_actor(), upload_id)
