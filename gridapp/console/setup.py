"""The console's departments, categories and record imports: lists and forms, every change through the JSON API."""

from __future__ import annotations

from flask import render_template

from gridapp.console import bp
from gridapp.extensions import db
from gridapp.models.categories import DIFFICULTY_LABELS
from gridapp.models.codes import CODE_KINDS
from gridapp.services.accounts import administration
from gridapp.services.codes.records import SPECS
from gridapp.services.codes.sheets import PRINTABLE_KINDS
from gridapp.services.regions import admin as region_admin
from gridapp.services.setup import categories, departments
from gridapp.web.access import allow, current_actor

LIMIT = 500


@bp.get("/departments")
@allow(departments.DEPARTMENT_READERS, scope="city")
def departments_page():
    actor = current_actor()
    rows = list(db.session.scalars(departments.listing(actor).limit(LIMIT)))
    return render_template(
        "console/departments.html",
        departments=[(d, departments.served(d)) for d in rows],
        nodes=departments.servable(actor),
        kinds=departments.kind_choices(actor),
        may_edit=departments.DEPARTMENT_ADMINS.held_by(actor),
    )


@bp.get("/categories")
@allow(administration.ADMINISTRATORS, scope="city")
def categories_page():
    actor = current_actor()
    rows = list(db.session.scalars(categories.listing(actor, retired=True).limit(LIMIT)))
    kinds = sorted(set(departments.kinds(actor.city_id)) | {c.department_kind for c in rows if c.department_kind})
    return render_template(
        "console/categories.html",
        categories=rows,
        kinds=kinds,
        difficulties=DIFFICULTY_LABELS,
        question_types=categories.QUESTION_TYPES,
        may_edit=categories.CATEGORY_ADMINS.held_by(actor),
        questions=categories.questions,
    )


@bp.get("/imports")
@allow(administration.ADMINISTRATORS, scope="admin_subtree")
def imports_page():
    actor = current_actor()
    nodes = region_admin.administered_nodes(actor, ("city", "district", "street", "community", "grid"))
    printable = [(kind, CODE_KINDS[kind][1]) for kind in PRINTABLE_KINDS]
    kinds = [(name, spec.label) for name, spec in SPECS.items()]
    return render_template("console/imports.html", kinds=kinds, nodes=nodes, printable=printable)
