"""The 包案督办 and 会商研判 pages in Chromium at phone size: a street leader sets up a leader-owned case, the lead
department receives and finishes its sub-task, the leader closes it; the leader records a meeting whose item the
department closes with a photo as evidence and the leader marks off (销号). Each page passes axe."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from gridapp.authz import Role
from gridapp.extensions import db
from tests.support.browser import axe_violations, snapshot
from tests.support.cases import jpeg, report_at
from tests.support.factories import PASSWORD


def sign_in(phone, city_code: str, username: str) -> None:
    phone.context.clear_cookies()
    signed_in = phone.request.post("/api/v1/auth/login", data={"city": city_code, "username": username, "password": PASSWORD, "cookie": True})
    assert signed_in.ok, signed_in.text()


def test_a_leader_case_and_a_review_meeting_on_the_phone(phone, live_url, client, city, cats, tmp_path):
    case = report_at(client, city.users[Role.RESIDENT], cats["garbage"])
    code, department, street = city.city.code, city.department.id, city.s1.id
    # The live server is another connection: the test's session must hold no transaction (SQLite's BEGIN IMMEDIATE).
    db.session.commit()
    sign_in(phone, code, "streetadmin")
    phone.goto(f"/h5/task-forces/new?subject_kind=case&subject_id={case['id']}")
    assert axe_violations(phone) == []
    phone.fill("#title", "小区垃圾长期堆放包案")
    phone.fill("#measures", "每周两次联合清理")
    phone.select_option("#lead-department", str(department))
    phone.fill("#lead-task", "清运并设置围挡")
    phone.click("#task-force-form button[type=submit]")
    phone.wait_for_url(re.compile(r".*/h5/task-forces/\d+$"))
    assert "清运并设置围挡" in phone.inner_text("main") and "待接收" in phone.inner_text("main")
    detail = phone.url
    snapshot(phone, "task-force-created")

    sign_in(phone, code, "staff")
    phone.goto("/h5/task-forces/subtasks")
    assert "清运并设置围挡" in phone.inner_text("#subtasks")
    assert axe_violations(phone) == []
    phone.goto(detail)
    phone.click("form.member-step button[data-action=start]")
    phone.wait_for_selector(".state-in_progress")
    phone.fill("form.member-step textarea", "已清运 3 车，围挡已设置")
    phone.click("form.member-step button[data-action=finish]")
    phone.wait_for_selector(".state-done")
    assert axe_violations(phone) == []
    snapshot(phone, "task-force-subtask-done")

    sign_in(phone, code, "streetadmin")
    phone.goto("/h5/task-forces")
    assert "子任务 1/1 完成" in phone.inner_text("#task-forces")
    assert axe_violations(phone) == []
    snapshot(phone, "task-forces-leader-view")
    phone.goto(detail)
    phone.fill("#close-note", "已长效治理")
    phone.click("#close-form button[type=submit]")
    phone.wait_for_selector(".state-closed")

    phone.goto("/h5/review-meetings/new")
    assert axe_violations(phone) == []
    phone.select_option("#region", str(street))
    phone.fill("#title", "一街道矛盾纠纷月度会商")
    phone.fill("#held-at", "2026-01-05T09:00")
    phone.fill("#item-0", "城管局清理一社区垃圾点")
    phone.select_option("#item-owner-0", f"department:{department}")
    phone.click("#meeting-form button[type=submit]")
    phone.wait_for_url(re.compile(r".*/h5/review-meetings/\d+$"))
    meeting = phone.url
    assert "待落实" in phone.inner_text("main")

    sign_in(phone, code, "staff")
    phone.goto("/h5/action-items")
    assert "城管局清理一社区垃圾点" in phone.inner_text("#action-items")
    phone.goto(meeting)
    picture = tmp_path / "evidence.jpg"
    picture.write_bytes(jpeg(640, 480))
    phone.fill("form.evidence-form textarea", "垃圾点已清理完毕")
    phone.set_input_files("form.evidence-form input[type=file]", str(picture))
    phone.click("form.evidence-form button[type=submit]")
    phone.wait_for_selector(".state-submitted")
    assert phone.locator(".evidence-photos img").count() == 1
    src = urlsplit(phone.get_attribute(".evidence-photos img", "src")).path  # absolute on PUBLIC_BASE_URL, not the test's port
    assert phone.request.get(src).ok, src
    assert axe_violations(phone) == []
    snapshot(phone, "review-meeting-evidence")

    sign_in(phone, code, "streetadmin")
    phone.goto(meeting)
    phone.click("form.review-form button[data-accept=true]")
    phone.wait_for_selector(".state-closed")
    assert axe_violations(phone) == []
    snapshot(phone, "review-meeting-closed")
