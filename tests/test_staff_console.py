"""The console's staff section in headless Chromium on a phone: a community admin creates a grid worker for a
grid of their community, and the new worker signs in, choosing their own password first."""
from __future__ import annotations

import pytest

from gridapp.extensions import db
from tests.support.browser import PHONE, device_page
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_community_admin_creates_a_grid_worker_who_then_signs_in(browser, live_url, city, tmp_path):
    db.session.commit()
    db.session.remove()  # touch no ORM object while the pages drive the live server

    with device_page(browser, live_url, PHONE) as page:
        page.goto("/console/staff")
        assert "/console/login" in page.url
        page.fill("#username", "commadmin")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("h1:has-text('工作人员')")
        page.screenshot(path=str(tmp_path / "staff-list.png"), full_page=True)

        page.get_by_role("link", name="新建账号").click()
        page.get_by_label("用户名").fill("gridnew")
        page.get_by_label("姓名").fill("新网格员")
        page.get_by_label("手机号（选填）").fill("13700000009")
        page.get_by_label("初始密码（至少 8 位，首次登录须修改）").fill("given-by-admin")
        page.get_by_label("角色").select_option("grid_worker")
        page.get_by_label("一社区 · 一网格").check()
        page.screenshot(path=str(tmp_path / "staff-new.png"), full_page=True)
        page.get_by_role("button", name="创建账号").click()
        page.wait_for_selector("h1:has-text('新网格员')")
        assert "网格员：一网格" in page.inner_text(".grants")
        assert "新建账号" in page.inner_text(".audit")
        page.screenshot(path=str(tmp_path / "staff-detail.png"), full_page=True)

    with device_page(browser, live_url, PHONE) as page:
        page.goto("/console/login")
        page.fill("#username", "gridnew")
        page.fill("#password", "given-by-admin")
        page.click("#login-submit")
        page.wait_for_selector("#login-message:has-text('修改密码')")
        page.get_by_role("link", name="首次登录或密码被重置？修改密码").click()
        page.get_by_label("用户名").fill("gridnew")
        page.get_by_label("当前密码").fill("given-by-admin")
        page.get_by_label("新密码（至少 8 位）").fill("my own password")
        page.get_by_label("再次输入新密码").fill("my own password")
        page.get_by_role("button", name="修改并登录").click()
        page.wait_for_selector("#password-message.ok")
        page.screenshot(path=str(tmp_path / "password.png"), full_page=True)
        me = page.evaluate("fetch('/api/v1/me', {credentials: 'same-origin'}).then(r => r.json())")
        assert me["username"] == "gridnew" and [g["region_name"] for g in me["grants"]] == ["一网格"]
