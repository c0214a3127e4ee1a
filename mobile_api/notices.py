"""Targeted notices (精准推送): tags on household members, sending a notice to a group, reading it, its reach."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.notices import publishing, receipts, tags
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import IDEMPOTENCY_HEADER, ApiBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.notices import (
    AudienceSchema,
    NoticeCreateSchema,
    NoticeReachSchema,
    NoticeSchema,
    PreviewSchema,
    SentNoticeSchema,
    TagChangeSchema,
    TagEventSchema,
    TagListSchema,
)

blp = ApiBlueprint("notices", __name__, url_prefix="/api/v1", description="精准推送：人群标签、定向通知、阅读回执与触达统计")

ERRORS = {
    401: "Not signed in", 403: "Role or scope not allowed", 404: "No such notice or member", 422: "Bad input; nothing changed",
}

documented = blp.documenting(ERRORS)


@blp.route("/notices/tags")
class TagCatalogue(MethodView):
    @allow(tags.TAG_READERS, scope="none")
    @blp.response(200, TagListSchema)
    @documented("listMemberTagCatalogue", 401, 403)
    def get(self):
        """The fixed catalogue of tags a household member may carry (the labels, never who carries them)."""
        return {"items": tags.catalogue(current_actor())}


@blp.route("/household-members/<int:member_id>/tags")
class MemberTags(MethodView):
    @allow(tags.TAG_READERS, scope="member_grid")
    @blp.response(200, TagListSchema)
    @documented("listMemberTags", 401, 403, 404)
    def get(self, member_id):
        """A member's tags, as far as the caller may read them (logged as a read of the household record)."""
        return {"items": tags.member_tags(current_actor(), member_id)}


@blp.route("/household-members/<int:member_id>/tags/<tag>")
class MemberTag(MethodView):
    @allow(tags.TAGGERS, scope="member_grid")
    @blp.response(200, TagChangeSchema)
    @documented("addMemberTag", 401, 403, 404, 422)
    def put(self, member_id, tag):
        """Tag a member (the grid's worker or the community's admin); audited."""
        return tags.add_tag(current_actor(), member_id, tag)

    @allow(tags.TAGGERS, scope="member_grid")
    @blp.response(200, TagChangeSchema)
    @documented("removeMemberTag", 401, 403, 404, 422)
    def delete(self, member_id, tag):
        """Clear a member's tag; audited."""
        return tags.remove_tag(current_actor(), member_id, tag)


@blp.route("/household-members/<int:member_id>/tag-events")
class MemberTagEvents(MethodView):
    @allow(tags.TAGGERS, scope="member_grid")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(TagEventSchema))
    @documented("listMemberTagEvents", 401, 403, 404, 422)
    def get(self, args, member_id):
        """Every tag added to or removed from the member: who, when, which; newest first."""
        return paginate(tags.events(current_actor(), member_id), args)


@blp.route("/notices/preview")
class Preview(MethodView):
    @allow(publishing.SENDERS, scope="region_tree")
    @blp.arguments(AudienceSchema)
    @blp.response(200, PreviewSchema)
    @documented("previewNoticeAudience", 401, 403, 404, 422)
    def post(self, body):
        """How many accounts a notice to this audience would reach now (nothing is sent)."""
        return {"recipients": publishing.preview(current_actor(), **body)}


@blp.route("/notices")
class Notices(MethodView):
    @allow(publishing.SENDERS, scope="region_tree")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(SentNoticeSchema))
    @documented("listSentNotices", 401, 403, 422)
    def get(self, args):
        """The notices sent to any part of the caller's area, newest first, with their reach."""
        page = paginate(publishing.sent_in_area(current_actor()), args)
        return {**page, "items": receipts.sender_views(page["items"])}

    @allow(publishing.SENDERS, scope="region_tree")
    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, SentNoticeSchema)
    @documented("publishNotice", 401, 403, 404, 422, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Send a notice to a region subtree, optionally narrowed by tags; delivered to inboxes and by push."""
        actor = current_actor()
        notice = publishing.publish(actor, body, request_claim(actor, body))
        return created(notice, lambda row: receipts.sender_views([row])[0])


@blp.route("/notices/<int:notice_id>")
class Notice(MethodView):
    @allow(receipts.READERS, scope="recipient_or_region_tree")
    @blp.response(200, NoticeSchema)
    @documented("getNotice", 401, 403, 404)
    def get(self, notice_id):
        """A notice for its recipient (the first opening is its read receipt) or an official over its area."""
        return receipts.reader_view(*receipts.open_notice(current_actor(), notice_id))


@blp.route("/notices/<int:notice_id>/reach")
class Reach(MethodView):
    @allow(publishing.SENDERS, scope="region_tree")
    @blp.response(200, NoticeReachSchema)
    @documented("getNoticeReach", 401, 403, 404)
    def get(self, notice_id):
        """Recipients, delivered, pushed, read, and the read share by grid."""
        notice = receipts.sender_notice(current_actor(), notice_id)
        return {**receipts.sender_views([notice])[0], "by_grid": receipts.by_grid(notice)}
