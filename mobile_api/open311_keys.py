"""Admins issue, list and revoke the Open311 API keys of outside systems."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.open311 import api_keys
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.open311_keys import ApiKeyCreateSchema, ApiKeyIssuedSchema, ApiKeySchema

blp = ApiBlueprint("open311_keys", __name__, url_prefix="/api/v1/open311/keys", description="Open311 接口密钥")

SECURITY = [{"bearer": []}]


@blp.route("")
class Keys(MethodView):
    @allow(api_keys.KEY_ADMIN_ROLES, scope="city_or_own_subtree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ApiKeySchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Keys of the city (system admins) or bound inside the caller's district, newest first."""
        return paginate(api_keys.listed(current_actor()), args)

    @allow(api_keys.KEY_ADMIN_ROLES, scope="city_or_own_subtree")
    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyIssuedSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Issue a key for a named system. The answer holds the key; it is stored only as a digest.

        No Idempotency-Key here: a retry could not show the key again, so a lost answer means
        revoking that key and issuing another.
        """
        return api_keys.issue(current_actor(), body["name"], body["region_id"])


@blp.route("/<int:client_id>/revoke")
class RevokeKey(MethodView):
    @allow(api_keys.KEY_ADMIN_ROLES, scope="city_or_own_subtree")
    @blp.response(200, ApiKeySchema)
    @blp.doc(security=SECURITY)
    def post(self, client_id):
        """Revoke a key at once; requests carrying it get 403 from then on."""
        return api_keys.revoke(current_actor(), client_id)
