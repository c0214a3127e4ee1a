"""直联: residents talk with their grid's worker, police officer and property staff; community admins name
the police officer and property staff of their grids; the staff side turns a conversation into a case."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.direct_line import contacts
from gridapp.services.direct_line import conversations as direct
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import IDEMPOTENCY_HEADER, ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.direct_line import (
    ConversationConvertedSchema,
    ConversationConvertSchema,
    ConversationCreateSchema,
    ConversationMessageCreateSchema,
    ConversationMessageSchema,
    ConversationSchema,
    DirectLineChoiceArgsSchema,
    DirectLineChoicesSchema,
    GridContactArgsSchema,
    GridContactChangeSchema,
    GridContactCreateSchema,
    GridContactEventSchema,
    GridContactSchema,
)

blp = ApiBlueprint("direct_line", __name__, url_prefix="/api/v1", description="直联：居民与网格员、网格民警、物业的会话")

ERROR_TEXT = {
    401: "Not signed in", 403: "Role or scope not allowed", 404: "No such conversation, contact or grid",
    422: "Bad input; nothing changed",
}

documented = blp.documenting(ERROR_TEXT)


@blp.route("/direct-line/contacts")
class Contacts(MethodView):
    @allow(contacts.MANAGERS, scope="region_tree")
    @blp.arguments(GridContactArgsSchema, location="query")
    @blp.response(200, page_of(GridContactSchema))
    @documented("listGridContacts", 401, 403, 404, 422)
    def get(self, args):
        """A grid's police officer and property staff, active first."""
        return paginate(contacts.listed(current_actor(), args["grid_id"]), args)

    @allow(contacts.MANAGERS, scope="region_tree")
    @blp.arguments(GridContactCreateSchema)
    @blp.response(201, GridContactSchema)
    @documented("addGridContact", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Name a grid's police officer (police) or property staff (property), answering from a staff account."""
        actor = current_actor()
        contact = contacts.add(actor, body["grid_id"], body["kind"], body["display_name"], body["user_id"], request_claim(actor, body))
        return created(contact, lambda row: row)


@blp.route("/direct-line/contacts/<int:contact_id>")
class Contact(MethodView):
    @allow(contacts.MANAGERS, scope="region_tree")
    @blp.arguments(GridContactChangeSchema)
    @blp.response(200, GridContactSchema)
    @documented("changeGridContact", 401, 403, 404, 422)
    def patch(self, body, contact_id):
        """Rename a contact, switch the account it answers from, or retire it (is_active false)."""
        return contacts.change(current_actor(), contact_id, body)


@blp.route("/direct-line/contacts/<int:contact_id>/events")
class ContactEvents(MethodView):
    @allow(contacts.MANAGERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(GridContactEventSchema))
    @documented("listGridContactEvents", 401, 403, 404, 422)
    def get(self, args, contact_id):
        """The contact's append-only audit: who changed what, when, before and after."""
        page = paginate(contacts.events(current_actor(), contact_id), args)
        items = []
        for event in page["items"]:
            before, after = contacts.state(event)
            items.append({"id": event.id, "at": event.created_at, "action": event.action,
                          "actor_user_id": event.actor_user_id, "before": before, "after": after})
        return {**page, "items": items}


@blp.route("/direct-line/choices")
class Choices(MethodView):
    @allow(direct.RESIDENTS, scope="own_grid")
    @blp.arguments(DirectLineChoiceArgsSchema, location="query")
    @blp.response(200, DirectLineChoicesSchema)
    @documented("listDirectLineChoices", 401, 403, 404, 422)
    def get(self, args):
        """Whom the resident may talk to in a grid they live in, or in the grid of a household code they scanned."""
        grid, _code_id = direct.resident_grid(current_actor(), args.get("grid_id"), args.get("code"))
        return {"grid_id": grid.id, "grid": grid.name, "retention_days": direct.retention_days(), "contacts": direct.choices(grid)}


@blp.route("/direct-line/conversations")
class Conversations(MethodView):
    @allow(direct.PARTIES, scope="own_conversations")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ConversationSchema))
    @documented("listMyConversations", 401, 403, 422)
    def get(self, args):
        """The caller's conversations: a resident's newest first, a staff member's unread first."""
        actor = current_actor()
        page = paginate(direct.mine(actor), args)
        return {**page, "items": [direct.view(actor, c) for c in page["items"]]}

    @allow(direct.RESIDENTS, scope="own_grid")
    @blp.arguments(ConversationCreateSchema)
    @blp.response(201, ConversationSchema)
    @documented("openConversation", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Write to the grid's worker, police officer or property staff (carrying on an open conversation with them)."""
        actor = current_actor()
        conversation = direct.open_conversation(actor, body, request_claim(actor, body))
        return created(conversation, lambda row: direct.view(actor, row))


@blp.route("/direct-line/conversations/<int:conversation_id>")
class Conversation(MethodView):
    @allow(direct.PARTIES, scope="own_conversations")
    @blp.response(200, ConversationSchema)
    @documented("getConversation", 401, 403, 404)
    def get(self, conversation_id):
        actor = current_actor()
        return direct.view(actor, direct.visible(actor, conversation_id))


@blp.route("/direct-line/conversations/<int:conversation_id>/messages")
class Messages(MethodView):
    @allow(direct.PARTIES, scope="own_conversations")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ConversationMessageSchema))
    @documented("listConversationMessages", 401, 403, 404, 422)
    def get(self, args, conversation_id):
        """The messages, oldest first."""
        actor = current_actor()
        conversation = direct.visible(actor, conversation_id)
        page = paginate(direct.messages(actor, conversation_id), args)
        return {**page, "items": [direct.message_view(actor, conversation, m) for m in page["items"]]}

    @allow(direct.PARTIES, scope="own_conversations")
    @blp.arguments(ConversationMessageCreateSchema)
    @blp.response(201, ConversationMessageSchema)
    @documented("postConversationMessage", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body, conversation_id):
        """Write in the conversation; the other side is told (inbox and push)."""
        actor = current_actor()
        message = direct.post(actor, conversation_id, body["body"], body["upload_ids"], request_claim(actor, body))
        conversation = direct.visible(actor, conversation_id)
        return created(message, lambda row: direct.message_view(actor, conversation, row))


@blp.route("/direct-line/conversations/<int:conversation_id>/read")
class Read(MethodView):
    @allow(direct.PARTIES, scope="own_conversations")
    @blp.response(200, ConversationSchema)
    @documented("markConversationRead", 401, 403, 404)
    def post(self, conversation_id):
        """The caller has read everything so far: their unread count goes to zero."""
        actor = current_actor()
        return direct.view(actor, direct.mark_read(actor, conversation_id))


@blp.route("/direct-line/conversations/<int:conversation_id>/case")
class Convert(MethodView):
    @allow(direct.CONVERTERS, scope="own_conversations")
    @blp.arguments(ConversationConvertSchema)
    @blp.response(200, ConversationConvertedSchema)
    @documented("convertConversationToCase", 401, 403, 404, 422)
    def post(self, body, conversation_id):
        """Turn the conversation into a patrol-style case (once; a second call answers the same case)."""
        case = direct.convert(current_actor(), conversation_id, body["category_id"])
        return {"case_id": case.id, "conversation_id": conversation_id}
