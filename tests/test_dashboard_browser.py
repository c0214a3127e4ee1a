"""The dashboard in headless Chromium at a phone's, a tablet's and a desktop's size: sign in with a
password, every page (overview, a street, a community with case pins, a grid, a case, the overdue
list, the departments) renders its map and passes axe-core with no serious or critical violation;
the map draws tiles from a tile server when one is configured and the grid boundaries alone when
not; a click on a grid drills down; the period picker, the instruction dialog with its phrases,
and a nudge that reaches the handler's inbox."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.demo.city import DEMO_PASSWORD
from gridapp.extensions import db
from gridapp.models import Case, Instruction, Notification, Region
from gridapp.services.cases import states as S
from gridapp.services.cases import workflow as cases
from gridapp.services.supervision import oversight as supervision
from tests.support.browser import PHONE, TABLET, axe_violations, device_page, snapshot, tile_server

pytestmark = pytest.mark.browser
DESKTOP = {**TABLET, "viewport": {"width": 1440, "height": 900}}
DEVICES = {"phone": PHONE, "tablet": TABLET, "desktop": DESKTOP}


@pytest.fixture
def demo(demo_city):
    """The demo city, its active cases given a position near their grid's middle (pins), committed."""
    city_id = demo_city
    grids = {r.id: r for r in db.session.scalars(select(Region).where(Region.city_id == city_id, Region.level == "grid"))}
    for case in db.session.scalars(select(Case).where(Case.city_id == city_id, Case.state.in_(sorted(S.ACTIVE_STATES)))):
        grid = grids[case.grid_id]
        step = (case.id % 7) / 7
        case.lat = grid.min_lat + (grid.max_lat - grid.min_lat) * (0.2 + 0.6 * step)
        case.lng = grid.min_lng + (grid.max_lng - grid.min_lng) * (0.8 - 0.6 * step)
    db.session.commit()
    db.session.remove()  # touch no ORM object while the page drives the live server
    return city_id


def sign_in(page, username="kbs_shuji"):
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto("/dashboard/")
    assert "/dashboard/login" in page.url
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#periods")


def check(page, name: str) -> None:
    assert page.errors == [], name
    assert page.locator(".leaflet-container[data-ready=true]").count() <= 1
    assert axe_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways"
    snapshot(page, name)


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_every_dashboard_page_at_each_size(browser, live_url, demo, device):
    with device_page(browser, live_url, DEVICES[device]) as page:
        sign_in(page)
        page.wait_for_selector("#region-map[data-ready=true]", state="attached")
        grids = page.locator("#region-map path.leaflet-interactive")
        assert grids.count() > 0 and page.locator("#region-map.map-no-tiles").count() == 1  # boundaries are the base map
        assert page.locator("#region-map .leaflet-tile").count() == 0
        assert page.locator("svg[data-chart=line] polyline").count() == 2
        assert page.locator("svg[data-chart=bar] rect").count() >= 2
        check(page, f"{device}-overview")

        with page.expect_navigation():
            grids.first.click()  # a grid leads one level down: the street it lies in
        page.wait_for_selector("#region-map[data-ready=true]", state="attached")
        assert page.locator("#heat .cell").count() > 0
        assert page.locator("#region-map path.leaflet-interactive").count() > 0
        check(page, f"{device}-street")

        with page.expect_navigation():
            page.click("#children tbody tr:first-child a")  # a community: its grids and pins
        page.wait_for_selector("#region-map[data-ready=true]", state="attached")
        pins = page.locator("#region-map path.pin")
        assert pins.count() > 0
        check(page, f"{device}-community")

        with page.expect_navigation():
            page.click("#children tbody tr:first-child a")  # a grid
        page.wait_for_selector("#region-map[data-ready=true]", state="attached")
        assert page.locator("#cases .case-link").count() > 0
        check(page, f"{device}-grid")

        pin = page.locator("#region-map path.pin").last  # the topmost of any that overlap
        with page.expect_navigation():
            pin.click()  # a pin opens its case
        page.wait_for_selector("#case-map[data-ready=true]", state="attached")
        assert page.locator("#case-map path.pin").count() == 1 and page.locator("#sla-due").inner_text()
        assert page.locator("#timeline .actor").count() == page.locator("#timeline > li").count()
        check(page, f"{device}-case")

        with page.expect_navigation():
            page.click("#nav-overdue")
        assert page.locator("#overdue tbody tr").count() > 0
        check(page, f"{device}-overdue")

        page.goto("/dashboard/departments")
        page.wait_for_selector("#ranking .department")
        check(page, f"{device}-departments")


def test_tiles_come_from_the_configured_server(browser, live_url, demo, app, monkeypatch):
    with tile_server() as (base, seen):
        monkeypatch.setitem(app.config, "MAP_TILE_URL", base + "/{z}/{x}/{y}.png")
        monkeypatch.setitem(app.config, "MAP_TILE_ATTRIBUTION", "测试底图")
        with device_page(browser, live_url, TABLET) as page:
            sign_in(page)
            page.wait_for_selector("#region-map .leaflet-tile-loaded")
            assert seen and all(path.split("?")[0].endswith(".png") for path in seen)
            assert page.locator("#region-map.map-no-tiles").count() == 0
            assert "测试底图" in page.inner_text("#region-map .leaflet-control-attribution")
            assert page.locator("#region-map path.leaflet-interactive").count() > 0  # the grids drawn over the tiles
            assert axe_violations(page) == []
            snapshot(page, "tablet-overview-tiles")


def test_period_picker_and_definitions(browser, live_url, demo):
    with device_page(browser, live_url, PHONE) as page:
        sign_in(page)
        assert page.inner_text("#period-label") == "本月"
        page.select_option("#period-select", "week")
        page.click("#period-apply")
        page.wait_for_url("**period=week**")
        assert page.inner_text("#period-label") == "本周"
        assert "period=week" in page.get_attribute("#children tbody tr:first-child a", "href")

        page.fill("#period-from", "2026-11-01")  # picking a day picks 自定义
        page.fill("#period-to", "2026-11-15")
        page.dispatch_event("#period-to", "change")
        assert page.input_value("#period-select") == "custom"
        page.click("#period-apply")
        page.wait_for_url("**period=custom**")
        assert page.inner_text("#period-label") == "2026-11-01 至 2026-11-15"
        assert page.locator("#definitions dt").count() == 18  # 8 case figures, 10 ratings and 12345 figures
        assert "无人评价时显示“—”" in page.inner_text("#definitions")
        assert "数据更新于" in page.inner_text("#updated-at")
        snapshot(page, "phone-overview-custom-period")


def test_instruction_dialog_with_phrases_and_nudge(browser, live_url, demo):
    seen = db.session.scalar(select(func.max(Notification.id)))  # the demo's leaders nudged before
    db.session.remove()
    with device_page(browser, live_url, PHONE) as page:
        sign_in(page, "kbs_quzhang")
        page.click("#nav-overdue")
        row = page.locator("#overdue tbody tr").first
        case_id = int(row.get_attribute("data-case-id"))
        row.locator("button.instruct").click()
        dialog = page.locator("#instruct-dialog")
        dialog.wait_for(state="visible")
        assert page.inner_text("#instruct-case") == f"案件 #{case_id}"
        phrase = dialog.locator(".phrase").first
        phrase.click()
        assert page.input_value("#instruct-text") == phrase.get_attribute("data-phrase")
        assert axe_violations(page) == []
        snapshot(page, "phone-instruction-dialog")
        page.click("#instruct-send")
        row.locator(".message.ok", has_text="批示已送达").wait_for()
        assert not dialog.is_visible()

        row.locator("button.nudge").click()
        row.locator(".message.ok", has_text="已拍一拍").wait_for()

    text = db.session.scalar(select(Instruction.text).where(Instruction.case_id == case_id))
    assert text == supervision.INSTRUCTION_PHRASES[0]
    case = cases.get_case(demo, case_id)
    targets = supervision.responsible(case)
    got = list(db.session.scalars(select(Notification.user_id).where(Notification.kind == "nudge", Notification.id > seen)))
    assert got == targets and targets
    db.session.rollback()



def test_case_page_shows_photos_and_every_steps_actor(browser, live_url, demo, monkeypatch):
    from io import BytesIO

    from PIL import Image

    from gridapp.models import CaseEvent, CasePhoto, User
    from gridapp.storage import media_storage

    kbs = db.session.scalar(select(Region.path).where(Region.city_id == demo, Region.code == "kbs"))
    case = db.session.scalar(
        select(Case).where(Case.city_id == demo, Case.state == S.IN_PROGRESS, Case.region_path.startswith(kbs)).order_by(Case.id)
    )
    moved = db.session.scalar(  # the step that started the work (a check-in on site, or a start)
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.to_state == S.IN_PROGRESS).order_by(CaseEvent.id)
    )
    handler = db.session.get(User, case.handler_user_id).display_name
    before = db.session.scalar(select(func.count(CasePhoto.id)).where(CasePhoto.case_id == case.id, CasePhoto.kind == "before"))
    added = [("after", "#1a7f37", moved.id)] + ([] if before else [("before", "#b3121f", None)])
    for kind, colour, event_id in added:
        out = BytesIO()
        Image.new("RGB", (64, 48), colour).save(out, "JPEG")
        key = f"test/{case.id}-{kind}.jpg"
        media_storage().save(key, out.getvalue(), "image/jpeg")
        db.session.add(
            CasePhoto(city_id=demo, case_id=case.id, event_id=event_id, kind=kind, content_type="image/jpeg", width=64, height=48,
                      byte_size=len(out.getvalue()), original_key=key)
        )
    before = max(before, 1)
    moved_action = moved.action
    db.session.commit()
    case_id = case.id
    db.session.remove()
    monkeypatch.setattr(media_storage(), "base_url", live_url)  # the media links point at the live server

    with device_page(browser, live_url, PHONE) as page:
        sign_in(page)
        page.goto(f"/dashboard/cases/{case_id}")
        page.wait_for_selector("#case-map[data-ready=true]", state="attached")
        photos = page.locator("#photos img")
        assert photos.count() == before + 1
        assert page.get_attribute("#photos img >> nth=0", "alt") == "处置前照片 1"
        assert page.get_attribute(f"#photos img >> nth={before}", "alt") == "处置后照片 1"
        page.locator("#timeline").scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        assert all(page.evaluate("[...document.querySelectorAll('#photos img')].map(i => i.naturalWidth)"))  # every photo loads
        assert page.locator(f'#timeline > li[data-action="{moved_action}"] img').count() == 1
        actors = page.locator("#timeline .actor").all_inner_texts()
        assert all(actors) and handler in actors  # every step names who took it
        assert "本小时还可 3 次" in page.inner_text("#nudge-count")
        check(page, "phone-case-photos")
