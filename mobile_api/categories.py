"""Report categories (垃圾乱堆, 车辆乱停 …) with their routes, difficulty and time limits, and setting them up."""
from __future__ import annotations

from flask.views import MethodView

from gridapp.authz import SIGNED_IN
from gridapp.pagination import paginate
from gridapp.services.cases import intake
from gridapp.services.setup import categories
from gridapp.web.access import allow, current_actor
from gridapp.web.idempotency import created, request_claim
from mobile_api.blueprint import ApiBlueprint
from mobile_api.cases import IDEMPOTENCY_HEADER
from mobile_api.schemas.cases import CategorySchema
from mobile_api.schemas.common import PageArgsSchema, page_of
from mobile_api.schemas.setup import (
    CategoryInSchema,
    CategoryListArgsSchema,
    CategoryPatchSchema,
    ChangeNoteSchema,
    SetupChangeSchema,
)

blp = ApiBlueprint("categories", __name__, url_prefix="/api/v1/categories", description="问题类别")
SECURITY = [{"bearer": []}]


@blp.route("")
class Categories(MethodView):
    @allow(SIGNED_IN, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(CategorySchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """The active categories of the caller's city."""
        return paginate(intake.categories(current_actor().city_id), args)

    @allow(categories.CATEGORY_ADMINS, scope="city")
    @blp.arguments(CategoryInSchema)
    @blp.response(201, CategorySchema)
    @blp.doc(security=SECURITY, parameters=IDEMPOTENCY_HEADER)
    def post(self, body):
        """Create a category (system admins and the city's super admins). A department route names a kind some
        department has; questions are put to reporters; an urgent notice makes the form stop and point elsewhere."""
        actor = current_actor()
        result = categories.create_once(actor, request_claim(actor, body), body)
        return created(result, lambda category: category)


@blp.route("/all")
class AllCategories(MethodView):
    @allow(categories.CATEGORY_READERS, scope="city")
    @blp.arguments(CategoryListArgsSchema, location="query")
    @blp.response(200, page_of(CategorySchema))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Staff: the categories with every setting, retired ones too when asked."""
        return paginate(categories.listing(current_actor(), args.pop("retired")), args)


@blp.route("/<int:category_id>")
class CategoryItem(MethodView):
    @allow(categories.CATEGORY_READERS, scope="city")
    @blp.response(200, CategorySchema)
    @blp.doc(security=SECURITY)
    def get(self, category_id):
        """One category, retired or not."""
        return categories.get_category(current_actor(), category_id)

    @allow(categories.CATEGORY_ADMINS, scope="city")
    @blp.arguments(CategoryPatchSchema)
    @blp.response(200, CategorySchema)
    @blp.doc(security=SECURITY)
    def patch(self, body, category_id):
        """Change a category's settings; `is_active: true` brings a retired one back."""
        note = body.pop("note", "")
        return categories.edit(current_actor(), category_id, body, note)


@blp.route("/<int:category_id>/retire")
class CategoryRetire(MethodView):
    @allow(categories.CATEGORY_ADMINS, scope="city")
    @blp.arguments(ChangeNoteSchema)
    @blp.response(200, CategorySchema)
    @blp.doc(security=SECURITY)
    def post(self, body, category_id):
        """Retire a category: no new reports in it; its cases keep it."""
        return categories.retire(current_actor(), category_id, body["note"])


@blp.route("/<int:category_id>/changes")
class CategoryChanges(MethodView):
    @allow(categories.CATEGORY_READERS, scope="city")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(SetupChangeSchema))
    @blp.doc(security=SECURITY)
    def get(self, args, category_id):
        """Who changed this category, when, and what it was before and after, newest first."""
        return paginate(categories.history(current_actor(), category_id), args)
