"""The dashboard in headless Chromium at a tablet's size: sign in with a password, see the
overview with its charts, drill down to a case, and nudge from the overdue list into the
handler's inbox."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.demo.cases import demo_city_id
from gridapp.demo.city import DEMO_PASSWORD
from gridapp.extensions import db
from gridapp.models import Notification
from gridapp.services.cases import workflow as cases
from gridapp.services.supervision import oversight as supervision
from tests.support.browser import PHONE, device_page

pytestmark = pytest.mark.browser
TABLET = {**PHONE, "viewport": {"width": 1024, "height": 1366}, "user_agent": "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"}


@pytest.fixture
def tablet(browser, live_url):
    with device_page(browser, live_url, TABLET) as page:
        yield page


def test_leader_signs_in_drills_down_and_nudges(tablet, app, clock, demo_city):
    seen = db.session.scalar(select(func.max(Notification.id)))  # the demo's leaders nudged before
    db.session.remove()  # touch no ORM object while the page drives the live server

    tablet.goto("/dashboard/")
    assert "/dashboard/login" in tablet.url
    tablet.fill("#username", "kbs_shuji")
    tablet.fill("#password", DEMO_PASSWORD)
    tablet.click("#login-submit")
    tablet.wait_for_selector("#periods")
    assert tablet.locator("svg[data-chart=line] polyline").count() == 2
    assert tablet.locator("svg[data-chart=bar] rect").count() >= 2

    tablet.click("#children tbody tr:first-child a")  # a street
    tablet.wait_for_selector("#heat")
    tablet.click("#children tbody tr:first-child a")  # a community
    tablet.wait_for_selector("#heat .cell")
    tablet.click("#children tbody tr:first-child a")  # a grid
    tablet.click("#cases .case-link >> nth=0")
    tablet.wait_for_selector("#timeline li")
    assert "处理过程" in tablet.inner_text("main")

    tablet.click("#nav-overdue")
    row = tablet.locator("#overdue tbody tr").first
    case_id = int(row.get_attribute("data-case-id"))
    row.locator("button.nudge").click()
    row.locator(".message.ok").wait_for()

    case = cases.get_case(demo_city_id(), case_id)
    targets = supervision.responsible(case)
    got = list(db.session.scalars(select(Notification.user_id).where(Notification.kind == "nudge", Notification.id > seen)))
    assert got == targets and targets
    db.session.rollback()
