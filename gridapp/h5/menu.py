"""The staff home's menu on the H5 pages: one line per entry, each page's label and endpoint.

An entry is shown to whoever its page's own policy admits (the Permission its route names with
`@allow`), so the menu never links to a page that would answer 403 and holds no role list of its
own; an entry whose page is not part of this app is left out rather than shown as a dead link.
Each lane of staff pages adds its lines here.
"""
from __future__ import annotations

from flask import current_app, url_for

from gridapp.authz import Actor
from gridapp.web.access import policy_for

# (label, endpoint), in the order the home lists them.
STAFF_MENU = (
    ("我的待办", "h5_worker.inbox"),
    ("待处理", "h5_community.case_list"),
    ("订单核实", "h5_community.order_list"),
    ("社区积分预算", "h5_community.budget"),
    ("巡查上报", "h5_patrol.patrol_page"),
    ("扫码走访", "h5_patrol.scan_page"),
    ("抢单池", "h5_department.pool"),
    ("我的订单", "h5_department.mine"),
    ("我的积分", "h5_department.my_points"),
    ("居民建议", "h5_suggestions.review"),
    ("码上协商", "h5_consultations.organised"),
    ("商户与干部评价", "h5_ratings.overview"),
    ("场所访客查询", "h5_venues.visitor_lookup"),
    ("精准推送", "h5_notices.sent"),
    ("12345 来电受理", "h5_hotline.desk"),
    ("包案督办", "h5_task_forces.owned"),
    ("协同任务", "h5_task_forces.subtasks"),
    ("会商研判", "h5_review_meetings.meetings_list"),
    ("交办事项", "h5_review_meetings.my_items"),
    ("矛盾纠纷调解", "h5_disputes.handling"),
    ("调解员名册", "h5_disputes.mediators"),
    ("信访事项", "h5_petitions.petition_list"),
    ("登记信访", "h5_petitions.intake_page"),
    ("对接转办（诉调·警调·访调）", "h5_petitions.referral_desk"),
    ("重点人员", "h5_care.records"),
    ("风险分级", "h5_care.risk_list"),
    ("楼栋长、单元长、十户长", "h5_neighbourhood.head_list"),
    ("巡查计划", "h5_neighbourhood.patrol_plans"),
    ("我负责的楼栋", "h5_neighbourhood.charge"),
)


def _served(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _admits(actor: Actor, endpoint: str) -> bool:
    policy = policy_for(current_app, endpoint, "GET")
    return policy is not None and policy.permission is not None and policy.permission.held_by(actor)


def staff_menu(actor: Actor) -> list[dict]:
    """The entries whose pages let this person in."""
    return [
        {"label": label, "url": url_for(endpoint)}
        for label, endpoint in STAFF_MENU
        if _served(endpoint) and _admits(actor, endpoint)
    ]


def is_staff_page(path: str) -> bool:
    """Whether a path is under one of the staff pages, so the sign-in page opens on the staff tab."""
    return any(_served(endpoint) and path.startswith(url_for(endpoint)) for _label, endpoint in STAFF_MENU)
