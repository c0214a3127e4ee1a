"""Outside Open311 systems that a category's cases are sent on to: city admins connect, change and disable them."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.open311 import outside_systems
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.cases import IDEMPOTENCY_HEADER
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.outside_systems import OutsideSystemInSchema, OutsideSystemPatchSchema, OutsideSystemSchema
from mobile_api.schemas.setup import ChangeNoteSchema, SetupChangeSchema

blp = ApiBlueprint(
    "outside_systems", __name__, url_prefix="/api/v1/outside-systems", description="外部系统对接（Open311 转派）"
)
SECURITY = [{"bearer": []}]


@blp.route("")
class OutsideSystems(MethodView):
    @allow(outside_systems.ADMINS, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(OutsideSystemSchema))
    @blp.doc(security=SECURITY, operationId="listOutsideSystems")
    def get(self, args):
        """The city's outside systems, enabled or not, oldest first; keys masked."""
        return paginate(outside_systems.listing(current_actor()), args)

    @allow(outside_systems.ADMINS, scope="city")
    @blp.arguments(OutsideSystemInSchema)
    @blp.response(201, OutsideSystemSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER, operationId="createOutsideSystem")
    def post(self, body):
        """Connect a category to an outside Open311 system: its new cases are sent there (system admins and the
        city's super admins)."""
        actor = current_actor()
        result = outside_systems.create_once(actor, request_claim(actor, body), body)
        return created(result, lambda endpoint: endpoint)


@blp.route("/<int:endpoint_id>")
class OutsideSystem(MethodView):
    @allow(outside_systems.ADMINS, scope="city")
    @blp.response(200, OutsideSystemSchema)
    @blp.doc(security=SECURITY, operationId="getOutsideSystem")
    def get(self, endpoint_id):
        """One outside system; its key masked."""
        return outside_systems.get_endpoint(current_actor(), endpoint_id)

    @allow(outside_systems.ADMINS, scope="city")
    @blp.arguments(OutsideSystemPatchSchema)
    @blp.response(200, OutsideSystemSchema)
    @blp.doc(security=SECURITY, operationId="updateOutsideSystem")
    def patch(self, body, endpoint_id):
        """Change any field (a new api_key replaces the old one), or enable a disabled system again."""
        note = body.pop("note", "")
        return outside_systems.edit(current_actor(), endpoint_id, body, note)


@blp.route("/<int:endpoint_id>/disable")
class DisableOutsideSystem(MethodView):
    @allow(outside_systems.ADMINS, scope="city")
    @blp.arguments(ChangeNoteSchema)
    @blp.response(200, OutsideSystemSchema)
    @blp.doc(security=SECURITY, operationId="disableOutsideSystem")
    def post(self, body, endpoint_id):
        """Stop sending it new cases and fetching its updates; cases already sent keep their link."""
        return outside_systems.disable(current_actor(), endpoint_id, body["note"])


@blp.route("/<int:endpoint_id>/changes")
class OutsideSystemChanges(MethodView):
    @allow(outside_systems.ADMINS, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(SetupChangeSchema))
    @blp.doc(security=SECURITY, operationId="listOutsideSystemChanges")
    def get(self, args, endpoint_id):
        """Who changed this system, when, and what it was before and after (the key only as a fingerprint)."""
        return paginate(outside_systems.history(current_actor(), endpoint_id), args)
