"""Every role's in-app inbox."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.authz import SIGNED_IN
from gridapp.pagination import paginate
from gridapp.services.notifications import inbox as notifications
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.common import page_of
from mobile_api.schemas.notifications import InboxArgsSchema, NotificationSchema, ReadAllSchema

blp = ApiBlueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="站内通知")


@blp.route("")
class Inbox(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.arguments(InboxArgsSchema, location="query")
    @blp.response(200, page_of(NotificationSchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """The caller's notifications, newest first."""
        return paginate(notifications.inbox(current_actor(), unread_only=args["unread"]), args)


@blp.route("/<int:notification_id>/read")
class ReadOne(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.response(200, NotificationSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, notification_id):
        """Mark one of the caller's notifications read."""
        return notifications.mark_read(current_actor(), notification_id)


@blp.route("/read-all")
class ReadAll(MethodView):
    @allow(SIGNED_IN, scope="self")
    @blp.response(200, ReadAllSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self):
        """Mark all the caller's notifications read."""
        return {"marked": notifications.mark_all_read(current_actor())}
