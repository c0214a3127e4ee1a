"""Server-rendered mobile pages (H5) for residents and staff: sign-in, home, inbox.

They open in WeChat's browser from a scanned code, so they need no client build: Jinja
pages plus a little JavaScript calling the same JSON API with the session cookie.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from gridapp.authz import SIGNED_IN, Role
from gridapp.clock import CHINA
from gridapp.h5.menu import is_staff_page, staff_menu
from gridapp.h5.paging import page_of
from gridapp.services.accounts import agreements
from gridapp.services.accounts.users import default_city_code
from gridapp.services.notifications import inbox as notifications
from gridapp.web.access import allow, current_actor, public
from gridapp.web.errors import HTML_BLUEPRINTS
from gridapp.web.links import notification_link
from gridapp.web.redirects import same_site_path

bp = Blueprint("h5", __name__, url_prefix="/h5")
HTML_BLUEPRINTS.add(bp.name)


@bp.app_template_filter("local_time")
def local_time(value) -> str:
    """Times are stored in UTC and shown in China Standard Time."""
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.app_context_processor
def inject_actor():
    return {"actor": current_actor()}


@bp.get("/login")
@public()
def login():
    city_code = request.args.get("city") or default_city_code(current_app.config)
    next_url = same_site_path(request.args.get("next")) or url_for("h5.home")
    staff = request.args.get("as") == "staff" or is_staff_page(next_url)
    return render_template("h5/login.html", city_code=city_code, next_url=next_url, staff=staff)


@bp.get("/terms")
@public()
def terms():
    return render_template("h5/terms.html", version=agreements.VERSION, effective=agreements.EFFECTIVE)


@bp.get("/privacy")
@public()
def privacy():
    return render_template("h5/privacy.html", version=agreements.VERSION, effective=agreements.EFFECTIVE)


@bp.get("/")
@allow(SIGNED_IN, scope="self")
def home():
    actor = current_actor()
    unread = notifications.unread_count(actor)
    menu = [{"label": "消息通知", "url": url_for("h5.inbox"), "badge": unread or None}]
    if Role.RESIDENT in actor.roles:
        menu[:0] = [
            {"label": "随手拍", "url": url_for("h5_reports.report_form")},
            {"label": "我的反映", "url": url_for("h5_reports.my_reports")},
            {"label": "社区近期反映", "url": url_for("h5_reports.community_map")},
        ]
        menu.append({"label": "我的家庭 / 我的店铺", "url": url_for("h5_links.my_links")})
        menu += [
            {"label": "码上纳谏", "url": url_for("h5_suggestions.mine")},
            {"label": "码上协商", "url": url_for("h5_consultations.index")},
            {"label": "我的场所登记", "url": url_for("h5_venues.my_check_ins")},
        ]
        menu.append({"label": "矛盾纠纷调解", "url": url_for("h5_disputes.index")})
    talk = "直联（网格员、民警、物业）" if Role.RESIDENT in actor.roles else "直联消息"
    menu.append({"label": talk, "url": url_for("h5_direct.conversations")})
    menu[:0] = staff_menu(actor)
    grants = [g.role.label for g in actor.grants]
    return render_template("h5/home.html", menu=menu, grants=grants)


@bp.get("/notifications")
@allow(SIGNED_IN, scope="self")
def inbox():
    return render_template(
        "h5/notifications.html",
        page=page_of(notifications.inbox(current_actor())),
        link_for=notification_link,
    )
