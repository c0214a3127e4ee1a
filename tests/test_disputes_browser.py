"""One dispute walked through the pages on phones (Chromium, 390x844), as issue 18 asks: a resident asks for
mediation and chooses the community's mediator; the community takes and assigns it; the mediator records the other
party's consent and three community sessions (a step up after two is refused by the 3-2-1 rule) and steps it up to
the street with its mediator; the street's mediator holds a session and makes the agreement; the other party signs
on the mediator's phone, the resident on their own; the mediator visits afterwards and closes it; the resident rates.
Nothing here calls the dispute API directly: every step is a page's own form or button."""
from __future__ import annotations

import io

import pypdfium2
import pytest
from sqlalchemy import select

from gridapp.authz import Role
from gridapp.extensions import db
from gridapp.models import Dispute, DisputeEvent, DisputeRating
from gridapp.services.points import ledger
from tests.support.browser import PHONE, axe_violations, device_page, sign_in_by_sms, snapshot
from tests.support.community_walk import staff_sign_in
from tests.support.disputes import RESPONDENT_PHONE, build_roster
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.browser


def resident_asks(page, caplog, number: str, community_id: int, mediator_id: int) -> int:
    page.goto("/h5/disputes/new")
    sign_in_by_sms(page, caplog, number)
    page.wait_for_url(lambda url: url.endswith("/h5/disputes/new"))
    page.select_option("#d-region", str(community_id))
    page.wait_for_selector(f"#mediator-options input[value='{mediator_id}']")
    page.select_option("#d-kind", "neighbours")
    page.fill("#d-description", "楼上邻居装修，晚上十点后仍在施工，多次沟通无果")
    page.fill("#d-name", "张三丰")
    page.fill("#d-other-name", "王五")
    page.fill("#d-other-phone", RESPONDENT_PHONE)
    page.check(f"#mediator-options input[value='{mediator_id}']")
    snapshot(page, "dispute-1-request-form")
    page.click("#dispute-submit")
    assert "请先勾选同意人民调解" in page.inner_text("#dispute-message")
    page.check("#d-consent")
    page.click("#dispute-submit")
    page.wait_for_url(lambda url: "/h5/disputes/" in url and not url.endswith("/new"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def open_dispute(page, dispute_id: int) -> None:
    page.goto(f"/h5/disputes/{dispute_id}")
    page.wait_for_selector("#dispute")


def submit(page, form: str, then: str) -> None:
    """Submit one of the dispute page's forms and wait for the reloaded page to show `then`."""
    page.eval_on_selector("#dispute-message", "el => { el.textContent = ''; }")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{then}, #dispute-message:not(:empty)")
    assert page.locator(then).count(), page.inner_text("#dispute-message")


def hold_session(page, n: int) -> None:
    page.fill("#session-summary", f"第{n}次调解：双方各自陈述，调解员释法说理")
    submit(page, "#session-form", f"#three-two-one strong:text-is('{n}')")


def draw(page, pad: str) -> None:
    """A signature drawn with the finger across the pad."""
    page.locator(pad).scroll_into_view_if_needed()
    box = page.locator(pad).bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for fx, fy in ((0.25, 0.2), (0.4, 0.8), (0.55, 0.25), (0.7, 0.75), (0.9, 0.3)):
        page.mouse.move(x + w * fx, y + h * fy, steps=6)
    page.mouse.up()


def test_one_dispute_from_request_through_three_sessions_and_a_step_up_to_a_signed_agreement_and_a_visit(
    browser, live_url, city, caplog, app,
):
    caplog.set_level("INFO", logger="gridapp.sms")
    roster = build_roster(city)
    number, city_code = city.users[Role.RESIDENT].phone, city.city.code
    village, township = roster.village.id, roster.township.id
    names = {"cadre": city.users[Role.COMMUNITY_ADMIN].username, "mediator": city.users[Role.MEDIATOR].username,
             "street_mediator": roster.users["township"].username}
    township_user_id, community_id = roster.users["township"].id, city.c1.id
    db.session.commit()  # and read nothing more until the end: an open read would hold SQLite's lock against the server

    with device_page(browser, live_url, PHONE) as resident, device_page(browser, live_url, PHONE) as cadre, \
            device_page(browser, live_url, PHONE) as mediator, device_page(browser, live_url, PHONE) as street:
        dispute_id = resident_asks(resident, caplog, number, community_id, village)
        assert resident.inner_text("#dispute-status") == "待受理"
        assert "已选调解员：mediator1" in resident.inner_text("#dispute")
        snapshot(resident, "dispute-2-requested")
        assert axe_violations(resident) == []

        # 接单, 派单: the community's cadre takes it and assigns the mediator the resident chose.
        staff_sign_in(cadre, live_url, city_code, names["cadre"], PASSWORD)
        cadre.goto("/h5/mediation")
        cadre.click(f"a.dispute-link[data-dispute-id='{dispute_id}']")
        cadre.wait_for_selector("#take-form")
        submit(cadre, "#take-form", "#assign-form")
        assert cadre.input_value("#assign-mediator") == str(village)
        cadre.select_option("#assign-difficulty", "complex")
        submit(cadre, "#assign-form", "#dispute-status:text-is('已派调解员')")
        snapshot(cadre, "dispute-3-assigned")
        assert axe_violations(cadre) == []

        # 办单: the mediator records the other party's consent in person, then three community sessions.
        staff_sign_in(mediator, live_url, city_code, names["mediator"], PASSWORD)
        open_dispute(mediator, dispute_id)
        assert RESPONDENT_PHONE in mediator.inner_text("#parties")  # the mediator of record calls them
        mediator.fill("#session-summary", "尝试调解")
        mediator.click("#session-form button[type=submit]")
        mediator.wait_for_selector("#dispute-message:has-text('尚未同意调解')")
        mediator.click("#parties button.dispute-step")
        mediator.wait_for_selector("#parties li:nth-child(2) .state:text-is('已同意调解')")
        hold_session(mediator, 1)
        hold_session(mediator, 2)
        mediator.fill("#step-up-note", "双方分歧较大")
        mediator.click("#step-up-form button[type=submit]")
        mediator.wait_for_selector("#dispute-message:has-text('须至少调解 3 次')")
        refused = mediator.inner_text("#dispute-message")
        assert "目前仅调解 2 次" in refused
        snapshot(mediator, "dispute-4-step-up-refused")
        hold_session(mediator, 3)
        mediator.fill("#step-up-note", "三次调解未果，上交街道调解")
        mediator.select_option("#step-up-mediator", str(township))
        submit(mediator, "#step-up-form", "#dispute-level:text-is('乡镇（街道）级')")
        snapshot(mediator, "dispute-5-stepped-up")
        assert mediator.locator("#session-form").count() == 0  # no longer theirs to mediate

        # The street's mediator: a session, the agreement, and the other party signs on this phone.
        staff_sign_in(street, live_url, city_code, names["street_mediator"], PASSWORD)
        open_dispute(street, dispute_id)
        hold_session(street, 1)
        street.fill("#agreement-terms", "一、王五每日施工时间调整为8时至18时；\n二、王五向张三丰赔偿损失人民币500元。")
        street.fill("#agreement-performance", "签字当日支付，按约定时间施工")
        submit(street, "#agreement-form", "#agreement-pdf")
        assert axe_violations(street) == []
        pad = "section.signature canvas"
        assert street.locator(pad).count() == 2  # each party may sign here in person
        respondent_pad = "section.signature:has-text('被申请人') canvas"
        street.click("section.signature:has-text('被申请人') .send-signature")
        assert "请先在框内签名" in street.inner_text("#dispute-message")
        draw(street, respondent_pad)
        snapshot(street, "dispute-6-respondent-signing")
        street.click("section.signature:has-text('被申请人') .send-signature")
        street.wait_for_selector("#parties li:nth-child(2) .state:text-is('已签名')")

        # The resident signs the agreement on their own phone.
        open_dispute(resident, dispute_id)
        resident.wait_for_selector("section.signature canvas")
        assert resident.locator("section.signature").count() == 1
        draw(resident, "section.signature canvas")
        snapshot(resident, "dispute-7-resident-signing")
        resident.click("section.signature .send-signature")
        resident.wait_for_selector("#dispute-status:text-is('已签协议')")
        assert "查看已签署的协议书" in resident.inner_text("#agreement-pdf")
        pdf = resident.request.get(f"{live_url}/api/v1/disputes/{dispute_id}/agreement.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        document = pypdfium2.PdfDocument(io.BytesIO(pdf.body()))
        text = "".join(page.get_textpage().get_text_range() for page in document)
        assert "人民调解协议书" in text and "赔偿损失人民币500元" in text and "（未签名）" not in text
        assert sum(1 for page in document for obj in page.get_objects() if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE) == 2
        document[0].render(scale=1.5).to_pil().save(_screenshot_path("dispute-8-agreement-pdf"))

        # 回访: the street's mediator visits; the agreement is kept and the dispute closes.
        open_dispute(street, dispute_id)
        street.fill("#follow-up-summary", "上门回访：赔偿已支付，施工时间已按约定调整")
        submit(street, "#follow-up-form", "#dispute-status:text-is('已结案')")
        snapshot(street, "dispute-9-followed-up")

        # 评单: the resident rates it.
        open_dispute(resident, dispute_id)
        resident.check("#rating-form input[name=stars][value='5']")
        resident.fill("#rating-comment", "调解员耐心细致")
        submit(resident, "#rating-form", "#my-rating")
        snapshot(resident, "dispute-10-rated")
        assert axe_violations(resident) == []

    db.session.expire_all()
    row = db.session.get(Dispute, dispute_id)
    assert (row.status, row.level, row.difficulty) == ("closed", "township", "complex")
    actions = list(db.session.scalars(select(DisputeEvent.action).where(DisputeEvent.dispute_id == dispute_id).order_by(DisputeEvent.id)))
    assert actions.count("session") == 4 and actions.count("step_up") == 1
    for step in ("request", "take", "assign", "consent", "agreement", "sign", "settle", "bonus", "follow_up", "close", "rate"):
        assert step in actions, (step, actions)
    assert db.session.scalar(select(DisputeRating.stars).where(DisputeRating.dispute_id == dispute_id)) == 5
    assert ledger.balance_of(city.city.id, "staff", township_user_id) == app.config["DISPUTE_BONUS_POINTS"]["complex"]


def _screenshot_path(name: str) -> str:
    import os
    import tempfile

    folder = os.environ.get("GRIDAPP_SCREENSHOTS") or tempfile.mkdtemp()
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, f"{name}.png")
