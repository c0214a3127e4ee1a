"""Report categories (垃圾乱堆, 车辆乱停 …) with their routes, difficulty and time limits."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.authz import SIGNED_IN
from gridapp.pagination import paginate
from gridapp.services.cases import intake
from gridapp.web.access import allow, current_actor
from mobile_api.blueprint import ApiBlueprint
from mobile_api.schemas.cases import CategorySchema
from mobile_api.schemas.common import PageArgsSchema, page_of

blp = ApiBlueprint("categories", __name__, url_prefix="/api/v1/categories", description="问题类别")


@blp.route("")
class Categories(MethodView):
    @allow(SIGNED_IN, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CategorySchema))
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """The active categories of the caller's city."""
        return paginate(intake.categories(current_actor().city_id), args)
