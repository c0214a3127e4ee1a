"""The console's staff section: lists, forms and the audit, over the staff API (mobile_api.staff).

Pages read through the same services the API calls and render; every change is a JSON call from
gridapp/static/console/staff.js. Department admins, who staff their own department, use these pages too.
"""
from __future__ import annotations

from flask import current_app, render_template, request, url_for

from gridapp.authz import Role
from gridapp.console import bp
from gridapp.pagination import paginate
from gridapp.services.accounts import grants, staff, staff_audit
from gridapp.services.accounts.grants import STAFF_MANAGERS
from gridapp.services.accounts.users import default_city_code
from gridapp.web.access import allow, current_actor, public
from gridapp.web.redirects import same_site_path

PER_PAGE = 20
ROLE_FILTERS = [(r.value, r.label) for r in sorted(grants.RANK, key=lambda role: grants.RANK[role])]


def _page_args() -> dict:
    page = request.args.get("page", "1")
    return {"page": int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1, "per_page": PER_PAGE}


def _pages(page: dict, endpoint: str, **params) -> dict:
    """Links to the pages before and after, keeping the search."""
    meta, kept = page["meta"], {k: v for k, v in params.items() if v}
    return {
        "previous": url_for(endpoint, page=meta["page"] - 1, **kept) if meta["page"] > 1 else None,
        "next": url_for(endpoint, page=meta["page"] + 1, **kept) if meta["page"] < meta["pages"] else None,
    }


@bp.get("/staff")
@allow(STAFF_MANAGERS, scope="admin_reach")
def staff_list():
    actor = current_actor()
    q = (request.args.get("q") or "").strip()[:64] or None
    role = request.args.get("role") if request.args.get("role") in dict(ROLE_FILTERS) else None
    active = {"yes": True, "no": False}.get(request.args.get("active", ""))
    stmt = staff.list_query(actor, q=q, role=Role(role) if role else None, active=active)
    page = staff.view_page(actor, paginate(stmt, _page_args()))
    links = _pages(page, "console.staff_list", q=q, role=role, active=request.args.get("active"))
    return render_template(
        "console/staff_list.html", page=page, links=links, q=q or "", role=role or "",
        active=request.args.get("active", ""), role_filters=ROLE_FILTERS,
    )


@bp.get("/staff/new")
@allow(STAFF_MANAGERS, scope="admin_reach")
def staff_new():
    return render_template("console/staff_new.html", choices=grants.choices(current_actor()))


@bp.get("/staff/<int:user_id>")
@allow(STAFF_MANAGERS, scope="admin_reach")
def staff_detail(user_id: int):
    actor = current_actor()
    view = staff.get_staff(actor, user_id)
    entries = paginate(staff_audit.entries(actor, user_id), {"page": 1, "per_page": 10})["items"]
    return render_template(
        "console/staff_detail.html", view=view, choices=grants.choices(actor) if view.manageable else [],
        entries=entries, labels=staff_audit.ACTION_LABELS,
    )


@bp.get("/staff/import")
@allow(STAFF_MANAGERS, scope="admin_reach")
def staff_import():
    return render_template("console/staff_import.html", choices=grants.choices(current_actor()))


@bp.get("/staff/audit")
@allow(STAFF_MANAGERS, scope="admin_reach")
def staff_audit_list():
    page = paginate(staff_audit.entries(current_actor()), _page_args())
    return render_template(
        "console/staff_audit.html", page=page, links=_pages(page, "console.staff_audit_list"),
        labels=staff_audit.ACTION_LABELS,
    )


@bp.get("/password")
@public()
def password():
    """Choosing one's own password: after an admin set or reset it, and whenever one wishes."""
    city_code = request.args.get("city") or default_city_code(current_app.config)
    safe = same_site_path(request.args.get("next"), under="/console") or url_for("console.home")
    return render_template(
        "console/password.html", city_code=city_code, next_url=safe, username=(request.args.get("username") or "")[:64],
    )


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    return Role(role).label
