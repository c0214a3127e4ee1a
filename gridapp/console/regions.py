"""The console's region tree: browse one's part of the tree, import nodes from a file, rename, redraw, move, retire."""

from __future__ import annotations

from flask import render_template, request

from gridapp.console import bp
from gridapp.services.regions import admin as region_admin
from gridapp.web.access import allow, current_actor
from gridapp.web.bounds import int64


@bp.get("/regions")
@allow(region_admin.REGION_ADMINS, scope="admin_subtree")
def regions():
    page = region_admin.browse(current_actor(), request.args.get("id", type=int64))
    return render_template("console/regions.html", **page)
