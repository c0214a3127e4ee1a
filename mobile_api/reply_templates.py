"""回复模板: the city's ready-made replies per category and state, as admins manage them."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.accounts.administration import ADMINISTRATORS
from gridapp.services.cases import reply_templates
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.cases import IDEMPOTENCY_HEADER
from mobile_api.schemas.common import page_of
from mobile_api.schemas.replies import (
    ReplyTemplateInSchema,
    ReplyTemplateListArgsSchema,
    ReplyTemplatePatchSchema,
    ReplyTemplateSchema,
)

blp = ApiBlueprint("reply_templates", __name__, url_prefix="/api/v1/reply-templates", description="回复模板")
ERRORS = {403: "not an admin", 404: "no such template in the caller's city", 422: "invalid input (an unknown placeholder)"}

documented = blp.documenting(ERRORS)


@blp.route("")
class Templates(MethodView):
    @allow(ADMINISTRATORS, scope="city")
    @blp.arguments(ReplyTemplateListArgsSchema, location="query")
    @blp.response(200, page_of(ReplyTemplateSchema))
    @documented("listReplyTemplates", 403, 422)
    def get(self, args):
        """The city's templates, newest first; filtered by category or state, the general ones are kept."""
        stmt = reply_templates.listing(current_actor(), category_id=args.get("category_id"), state=args.get("state"))
        return paginate(stmt, args)

    @allow(ADMINISTRATORS, scope="city")
    @blp.arguments(ReplyTemplateInSchema)
    @blp.response(201, ReplyTemplateSchema)
    @documented("createReplyTemplate", 403, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """A new template for a category and state (or for all of them)."""
        actor = current_actor()
        return created(reply_templates.create(actor, body, request_claim(actor, body)), lambda template: template)


@blp.route("/<int:template_id>")
class Template(MethodView):
    @allow(ADMINISTRATORS, scope="city")
    @blp.response(200, ReplyTemplateSchema)
    @documented("getReplyTemplate", 403, 404)
    def get(self, template_id):
        """One template."""
        return reply_templates.get(current_actor(), template_id)

    @allow(ADMINISTRATORS, scope="city")
    @blp.arguments(ReplyTemplatePatchSchema)
    @blp.response(200, ReplyTemplateSchema)
    @documented("updateReplyTemplate", 403, 404, 422)
    def patch(self, body, template_id):
        """Change a template's title, text, category or state."""
        return reply_templates.update(current_actor(), template_id, body)

    @allow(ADMINISTRATORS, scope="city")
    @blp.response(204)
    @documented("deleteReplyTemplate", 403, 404)
    def delete(self, template_id):
        """Remove a template; replies already sent keep their text."""
        reply_templates.delete(current_actor(), template_id)
