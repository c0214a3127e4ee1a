"""The handlers' tools fragment (templates/h5/staff/_case_handling.html) in Chromium at 390×844, on the dashboard's
case page: a reply template fills the note, the note is saved internal, the category is changed, each lands on
the timeline; the page passes axe-core."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import ReplyTemplate
from tests.support.browser import axe_violations, snapshot
from tests.support.cases import G1, act, add_categories, report_at
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_community_admin_notes_and_recategorises_a_case_on_the_phone(phone, client, city):
    cats = add_categories(city)
    worker, admin = city.users[Role.GRID_WORKER], city.users[Role.COMMUNITY_ADMIN]
    case_id = report_at(client, city.users[Role.RESIDENT], cats["garbage"], G1, description="楼道堆满纸箱")["id"]
    assert act(client, worker, case_id, "accept").status_code == 200
    db.session.add(ReplyTemplate(
        city_id=city.city.id, category_id=cats["garbage"].id, title="已联系清运", body="{地点}的{分类}已联系环卫，{时限}前清运。",
        updated_by_user_id=admin.id,
    ))  # fmt: skip
    db.session.commit()
    db.session.remove()
    errors = []
    phone.on("pageerror", lambda error: errors.append(str(error)))

    phone.goto("/dashboard/login")
    phone.fill("#username", "commadmin")
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    phone.wait_for_selector("#periods")
    phone.goto(f"/dashboard/cases/{case_id}")
    phone.wait_for_selector("#reply-template:not([disabled])")
    phone.wait_for_selector("#new-category option:nth-child(2)", state="attached")
    assert axe_violations(phone) == []
    phone.locator("#case-handling").scroll_into_view_if_needed()
    snapshot(phone, "case-handling-fragment")

    phone.select_option("#reply-template", label="已联系清运")
    assert phone.input_value("#note-body").startswith("一网格的垃圾乱堆已联系环卫，")
    phone.fill("#note-body", phone.input_value("#note-body") + "（内部：已催两次）")
    with phone.expect_navigation():
        phone.click("#note-send")
    phone.wait_for_selector('#timeline li[data-action="internal_note"]')
    assert "已催两次" in phone.inner_text('#timeline li[data-action="internal_note"]')

    phone.select_option("#new-category", label="车辆乱停")
    phone.fill("#recategorise-note", "实为占道停车")
    with phone.expect_navigation():
        phone.click("#recategorise-send")
    phone.wait_for_selector('#timeline li[data-action="recategorise"]')
    assert "分类：垃圾乱堆 → 车辆乱停" in phone.inner_text('#timeline li[data-action="recategorise"]')
    assert "车辆乱停" in phone.inner_text("#case-title")
    snapshot(phone, "case-handling-after")
    assert errors == []
