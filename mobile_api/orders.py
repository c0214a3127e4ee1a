"""Community orders (下单) and the department order pool (抢单)."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.pagination import paginate
from gridapp.services.orders import workflow as orders
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import acted, created, request_claim, uploads
from mobile_api.blueprint import IDEMPOTENCY_HEADER
from mobile_api.multipart import MultipartBlueprint
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.orders import (
    OrderAssignSchema,
    OrderCreateSchema,
    OrderDetailSchema,
    OrderListArgsSchema,
    OrderReasonSchema,
    OrderResolveFormSchema,
    OrderVerifySchema,
    OrderViewSchema,
)

blp = MultipartBlueprint("orders", __name__, url_prefix="/api/v1/orders", description="社区下单、部门抢单、核实支付积分")

SECURITY = [{"bearer": []}]


@blp.route("")
class OrderList(MethodView):
    @allow(orders.READERS, scope="region_tree_or_holder_department")
    @blp.arguments(OrderListArgsSchema, location="query")
    @blp.response(200, page_of(OrderViewSchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Orders under the caller's region nodes, or held by the caller's departments; newest first."""
        return paginate(orders.staff_list(current_actor(), status=args.get("status"), community_id=args.get("community_id")), args)

    @allow(orders.COMMUNITY, scope="own_community")
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderViewSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """下单: post an order; its bounty × difficulty is reserved from the community's budget (409 when short)."""
        actor = current_actor()
        result = orders.post_order_once(actor, request_claim(actor, body), **body)
        return created(result, lambda order: order)


@blp.route("/pool")
class Pool(MethodView):
    @allow(orders.DEPARTMENTS, scope="served_regions_and_kind")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(OrderViewSchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """抢单池: open orders in places the caller's department serves, of kinds it handles; soonest deadline first."""
        return paginate(orders.pool(current_actor()), args)


@blp.route("/<int:order_id>")
class OrderItem(MethodView):
    @allow(orders.READERS, scope="region_tree_or_holder_department")
    @blp.response(200, OrderDetailSchema)
    @blp.doc(security=SECURITY)
    def get(self, order_id):
        """An order with its full history."""
        return orders.visible_order(current_actor(), order_id)


def _action(path: str, permission, schema, doc: str, run, scope: str):
    """One POST route per step, each with its own policy."""

    if schema is None:
        def post(self, order_id):
            return run(current_actor(), order_id, {})
    else:
        def post(self, body, order_id):
            return run(current_actor(), order_id, body)

    post.__doc__ = doc
    decorated = blp.response(200, OrderViewSchema)(blp.doc(security=SECURITY)(post))
    if schema is not None:
        decorated = blp.arguments(schema)(decorated)
    view = type(f"Order{path.title().replace('-', '')}", (MethodView,), {"post": allow(permission, scope=scope)(decorated)})
    blp.route(f"/<int:order_id>/{path}")(view)


_action("grab", orders.DEPARTMENTS, None, "抢单: exactly one concurrent grab wins; the others get 409 `order_taken` naming the winner.",
        lambda a, i, b: orders.grab(a, i), "served_regions_and_kind")
_action("start", orders.DEPARTMENTS, None, "开始处理, before the start-by time (after it the order returns to the pool).",
        lambda a, i, b: orders.start(a, i), "holder")
_action("release", orders.DEPARTMENTS, OrderReasonSchema, "The department cannot do it: back to the pool, with a reason.",
        lambda a, i, b: orders.release(a, i, b["reason"]), "holder")
_action("verify", orders.COMMUNITY, OrderVerifySchema, "社区核实: pays the bounty × difficulty, split department:staff (2:8 by default).",
        lambda a, i, b: orders.verify(a, i, b.get("difficulty"), b["note"]), "own_community")
_action("send-back", orders.COMMUNITY, OrderReasonSchema, "Not done well enough: back to the holder, with a reason.",
        lambda a, i, b: orders.send_back(a, i, b["reason"]), "own_community")
_action("cancel", orders.COMMUNITY, OrderReasonSchema, "撤单 (open or escalated only); the reserve returns to the budget.",
        lambda a, i, b: orders.cancel(a, i, b["reason"]), "own_community")
_action("assign", orders.COMMUNITY, OrderAssignSchema, "派单: give an escalated order to an eligible department directly, with a new deadline.",
        lambda a, i, b: orders.assign(a, i, b["department_id"], b["deadline"], b.get("user_id"), b["note"]), "own_community")


@blp.route("/<int:order_id>/resolve")
class Resolve(MethodView):
    @allow(orders.DEPARTMENTS, scope="holder")
    @blp.arguments(OrderResolveFormSchema, location="files")
    @blp.response(200, OrderViewSchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, form, order_id):
        """处置完成 with 1-9 after-photos (multipart). A resend under the same Idempotency-Key (an offline draft whose
        answer was lost) answers the order as the first send left it, with `Idempotent-Replayed: true`."""
        actor, photos = current_actor(), uploads(form.pop("photos"))
        claim = request_claim(actor, {**form, "order_id": order_id}, photos)
        return acted(orders.resolve(actor, order_id, form["note"], photos, form["upload_ids"], claim), lambda order: order)
