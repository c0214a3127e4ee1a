"""Running a real city from `create_city` alone, through the pages in Chromium at a phone's size (390x844): the
founder imports the region tree and creates a department, a category and staff in the console; each new staff
member chooses a password at the first sign-in; the community admin imports the registry; residents signed in by
SMS ask on 我的家庭 / 我的店铺 (/h5/links) and the grid worker confirms in /console/links; the resident reports,
redeems at the shop's code page, and the linked owner confirms on /h5/links.

One step has no page: accepting a case (the grid worker's app does it over the API), so the worker's signed-in
browser calls that endpoint. The test writes nothing to the database after `create_city`; it only reads."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import Household, QrCode, Redemption, Shop
from gridapp.services.accounts.cities import create_city
from gridapp.services.points import ledger
from tests.support.browser import PHONE, device_page, sign_in_by_sms, snapshot
from tests.support.cases import jpeg
from tests.support.console_pages import add_category, add_department, console_sign_in
from tests.support.factories import feature_collection, square

pytestmark = pytest.mark.browser
CITY = "webcity"
FOUNDER_PASSWORD = "founder password 1"
RESIDENT_PHONE = "13800000011"
OWNER_PHONE = "13800000012"
LNG, LAT = 118.0, 31.0  # the corner of grid "wg1"; "wg2" lies east of it

TREE = [
    ("wd", "东湖区", "district", "", None),
    ("ws", "湖滨街道", "street", "wd", None),
    ("wc", "荷花社区", "community", "ws", None),
    ("wg1", "荷花一网格", "grid", "wc", square(LNG, LAT)),
    ("wg2", "荷花二网格", "grid", "wc", square(LNG + 0.01, LAT)),
]

HOUSEHOLDS = (
    "网格编码,楼栋,单元,楼层,房号,姓名,与户主关系,手机号,身份证号\n"
    f"wg1,3号楼,2单元,4,402,陈明,户主,{RESIDENT_PHONE},\n"
    "wg1,3号楼,2单元,4,402,陈小月,女儿,,\n"
)
SHOPS = (
    "网格编码,店名,类别,地址,营业执照号,执照状态,经营者,经营者手机号\n"
    f"wg1,荷花便利店,零售,湖滨路8号,,valid,周老板,{OWNER_PHONE}\n"
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def choose_password(browser, live_url, username: str, given: str, official: bool = False) -> str:
    """The first sign-in of a staff member an admin created: refused until they choose their own password."""
    mine = f"{username} own password"
    with device_page(browser, live_url, PHONE) as page:
        console_sign_in(page, username, given)
        page.wait_for_selector("#login-message:has-text('修改密码')")
        page.get_by_role("link", name="首次登录或密码被重置？修改密码").click()
        page.get_by_label("用户名").fill(username)
        page.get_by_label("当前密码").fill(given)
        page.get_by_label("新密码（至少 8 位）").fill(mine)
        page.get_by_label("再次输入新密码").fill(mine)
        page.get_by_role("button", name="修改并登录").click()
        if official:  # an admin goes on to the console's home; others stay, signed in, on the page
            page.wait_for_url(lambda url: urlsplit(url).path == "/console/")
        else:
            page.wait_for_selector("#password-message.ok")
        me = page.evaluate("fetch('/api/v1/me', {credentials: 'same-origin'}).then(r => r.json())")
        assert me["username"] == username
    return mine


def new_staff(page, username: str, name: str, given: str, role: str, scope: str) -> None:
    page.goto("/console/staff/new")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("姓名").fill(name)
    page.get_by_label("初始密码（至少 8 位，首次登录须修改）").fill(given)
    page.get_by_label("角色").select_option(role)
    if role == "grid_worker":
        page.get_by_label(scope).check()
    else:
        page.locator(f"select[name='scope-{role}']").select_option(label=scope)
    page.get_by_role("button", name="创建账号").click()
    page.wait_for_selector(f"h1:has-text('{name}')")


def test_a_city_is_set_up_staffed_linked_and_trading_through_the_pages(browser, live_url, app, tmp_path, caplog):
    caplog.set_level("INFO", logger="gridapp.sms")
    create_city(CITY, "东湖市", "founder", FOUNDER_PASSWORD)
    db.session.commit()
    db.session.remove()  # touch no ORM object while the pages drive the live server

    with device_page(browser, live_url, PHONE) as founder:
        console_sign_in(founder, "founder", FOUNDER_PASSWORD, f"/console/login?city={CITY}")
        founder.wait_for_url("**/console/")
        founder.click("text=区域管理")
        tree = write(tmp_path, "tree.geojson", json.dumps(feature_collection(TREE)))
        founder.set_input_files("#import-file", tree)
        founder.click("#import-submit")
        founder.wait_for_selector("#import-message:has-text('已导入 5 个区域')")

        add_department(founder, "cgj", "东湖城管局", "city_management", serves="东湖区")
        add_category(founder, "garbage", "垃圾乱堆", "grid_worker")
        assert "垃圾乱堆" in founder.inner_text("#category-list")

        new_staff(founder, "hhadmin", "荷花社区管理员", "given-admin-1", "community_admin", "湖滨街道 · 荷花社区")
        new_staff(founder, "grid1", "一网格员", "given-grid-1", "grid_worker", "荷花社区 · 荷花一网格")
        new_staff(founder, "cgstaff", "城管队员", "given-dept-1", "department_staff", "东湖城管局")
        assert founder.evaluate("document.documentElement.scrollWidth") <= 390
        snapshot(founder, "run-city-staff")

    admin_password = choose_password(browser, live_url, "hhadmin", "given-admin-1", official=True)
    worker_password = choose_password(browser, live_url, "grid1", "given-grid-1")
    choose_password(browser, live_url, "cgstaff", "given-dept-1")

    with device_page(browser, live_url, PHONE) as admin:
        console_sign_in(admin, "hhadmin", admin_password, "/console/staff")
        admin.wait_for_selector("h1:has-text('工作人员')")
        # The community admin is offered no role at or above their own.
        admin.goto("/console/staff/new")
        offered = admin.locator("select.grant-role option").evaluate_all("options => options.map(o => o.value)")
        assert "grid_worker" in offered and "street_admin" not in offered and "community_admin" not in offered

        header = "用户名,姓名,手机号,初始密码,角色,范围编码,职务\n"
        good_row = "grid2,二网格员,13700000022,given-grid-2,网格员,wg2,专职\n"
        admin.goto("/console/staff/import")
        bad_row = "badphone,号码错,1370000,given-grid-3,网格员,wg2,\n"
        admin.set_input_files("#staff-import input[name=file]", write(tmp_path, "bad.csv", header + good_row + bad_row))
        admin.click("#staff-import button[type=submit]")
        admin.wait_for_selector("#import-errors li")
        assert "第 3 行" in admin.inner_text("#import-errors"), admin.inner_text("#import-errors")
        admin.set_input_files("#staff-import input[name=file]", write(tmp_path, "good.csv", header + good_row))
        admin.click("#staff-import button[type=submit]")
        admin.wait_for_selector("#import-message:has-text('已导入 1 个账号')")

        admin.goto("/console/imports")
        for kind, sheet in (("households", HOUSEHOLDS), ("shops", SHOPS)):
            admin.select_option("#r-kind", kind)
            admin.set_input_files("#r-file", write(tmp_path, f"{kind}.csv", sheet))
            admin.set_checked("#r-codes", kind == "shops")  # the shop's code is what residents scan to pay
            admin.click("#records-submit")
            admin.wait_for_selector("#records-message.ok:has-text('已导入')")
        assert "生成二维码 1 个" in admin.inner_text("#records-message")
        snapshot(admin, "run-city-imports")
    other_password = choose_password(browser, live_url, "grid2", "given-grid-2")

    with (
        device_page(browser, live_url, PHONE) as resident,
        device_page(browser, live_url, PHONE) as owner,
        device_page(browser, live_url, PHONE) as worker,
    ):
        for person, number, label in ((resident, RESIDENT_PHONE, "（户主）"), (owner, OWNER_PHONE, "荷花便利店")):
            person.goto("/h5/links")
            sign_in_by_sms(person, caplog, number)
            person.wait_for_selector("#candidates .ask")
            person.wait_for_load_state("load")  # the page script listens by then (a loaded machine is slow)
            assert label in person.inner_text("#candidates")
            person.click("#candidates .ask")
            person.wait_for_selector("#links-message:not(:empty)")
            assert "已" in person.inner_text("#links-message"), person.inner_text("#links-message")
            person.wait_for_selector("#my-links .status-pending")

        # The worker of the other grid has nothing to confirm; the grid's own worker confirms both.
        with device_page(browser, live_url, PHONE) as other:
            console_sign_in(other, "grid2", other_password, "/console/links")
            other.wait_for_selector("#link-queue")
            assert other.locator(".link-row").count() == 0
        console_sign_in(worker, "grid1", worker_password, "/console/links")
        worker.wait_for_selector(".link-row")
        worker.wait_for_load_state("load")
        assert worker.locator(".link-row").count() == 2
        for _ in range(2):
            worker.click(".link-row:has(button[data-step=confirm]) button[data-step=confirm] >> nth=0")
            worker.wait_for_selector("#links-message.ok")
            worker.wait_for_load_state("load")
            worker.reload()
        assert worker.locator(".link-row button[data-step=confirm]").count() == 0
        snapshot(worker, "run-city-links")

        resident.reload()
        resident.wait_for_selector(".household")
        assert "陈明" in resident.inner_text(".household") and "陈小月" in resident.inner_text(".household")

        # The resident reports from where they stand; the grid worker accepts (no page: the API, from the
        # worker's signed-in browser), which pays the award.
        resident.context.grant_permissions(["geolocation"])
        resident.context.set_geolocation({"latitude": LAT + 0.005, "longitude": LNG + 0.005})
        resident.goto("/h5/report")
        resident.wait_for_selector("#location-status.ok")
        photo = {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
        resident.set_input_files("#report-photos input[type=file]", files=[photo])
        resident.wait_for_selector("#report-photos .photo-tile.done img")
        resident.click(".category:has-text('垃圾乱堆')")
        resident.fill("#description", "楼下垃圾堆了三天")
        resident.click("#report-submit")
        resident.wait_for_url(lambda url: "/h5/reports?sent=" in url)
        case_id = int(resident.url.split("sent=")[1].split("&")[0])
        accepted = worker.evaluate(
            "id => gridapp.api('POST', '/api/v1/cases/' + id + '/accept', {}).then(c => c.state)", case_id
        )
        assert accepted == "accepted"
        award = app.config["POINTS_REPORT_ACCEPTED"]

        # The resident scans the shop's printed code and offers points; the linked owner confirms.
        token = db.session.scalar(select(QrCode.token).where(QrCode.entity_type == "shop"))
        db.session.remove()
        resident.goto(f"/c/{token}")
        resident.fill("#redeem-form input[name=points]", str(award - 2))
        resident.click("#redeem-form button")
        resident.wait_for_selector("#action-message.ok")
        owner.reload()
        owner.wait_for_selector(".shop .confirm-redemption")
        assert f"{award - 2}" in owner.inner_text(".shop .redemption")
        owner.click(".shop .confirm-redemption")
        owner.wait_for_selector("#links-message.ok")
        owner.wait_for_selector(".shop .statement:has-text('已确认 1 笔')")  # the page reloads with the statement
        assert owner.locator(".shop .confirm-redemption").count() == 0
        snapshot(owner, "run-city-owner")

    household = db.session.scalar(select(Household))
    shop = db.session.scalar(select(Shop))
    assert {m.phone for m in household.members if m.user_id} == {RESIDENT_PHONE}
    assert shop.owner_user_id is not None
    redemption = db.session.scalar(select(Redemption))
    assert (redemption.status, redemption.points) == ("confirmed", award - 2)
    city_id = shop.city_id
    assert ledger.balance_of(city_id, "resident", redemption.resident_user_id) == 2
    assert ledger.balance_of(city_id, "shop", shop.id) == award - 2
    db.session.rollback()
