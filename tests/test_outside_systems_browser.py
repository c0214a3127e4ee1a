"""The console's 外部系统 page in Chromium at a phone's size: a system admin connects a category to an outside
Open311 system, sees only the masked key, and disables it; the page is axe-clean."""
from __future__ import annotations

import pytest

from gridapp.authz import Role
from gridapp.extensions import db
from tests.support.browser import PHONE, axe_violations, device_page, snapshot
from tests.support.cases import add_categories
from tests.support.console_pages import console_sign_in
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser
SECRET = "console-typed-secret-4321"


def test_a_system_admin_connects_and_disables_an_outside_system(browser, live_url, city):
    add_categories(city)
    admin = city.users[Role.SYSTEM_ADMIN].username
    db.session.rollback()  # end the read: an open SQLite transaction would block the server
    with device_page(browser, live_url, PHONE) as console:
        console_sign_in(console, admin, PASSWORD, goto=f"{live_url}/console/outside-systems")
        console.wait_for_selector("#outside-system-form")
        console.fill("#o-name", "环卫公司系统")
        console.select_option("#o-category", label="垃圾乱堆")
        console.fill("#o-url", "https://hw.example.org/open311/v2")
        console.fill("#o-service", "RUBBISH")
        console.fill("#o-key", SECRET)
        console.click("#outside-system-submit")
        console.wait_for_selector("#outside-system-list .row")
        listed = console.inner_text("#outside-system-list")
        assert "环卫公司系统" in listed and "••••4321" in listed and SECRET not in console.content()
        assert axe_violations(console) == []
        snapshot(console, "outside-systems-console")
        console.click("#outside-system-list .row .disable")
        console.wait_for_selector("#outside-system-list .row .enable")
        assert "已停用" in console.inner_text("#outside-system-list")
