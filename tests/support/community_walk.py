"""A community cadre's steps through the H5 pages (/h5/community), for the browser tests and the issue's full walk.

Each step starts from a page of the site (so it can follow any other lane's step) and ends on the page its
work leads to; `base` is the live server's address.
"""
from __future__ import annotations

import re

SIDE_BY_SIDE_TOLERANCE = 4  # px: two columns' tops may differ by a heading's rounding


def staff_sign_in(page, base: str, city_code: str, username: str, password: str) -> None:
    """Sign in through the JSON API with the session kept in cookies (the pages' own sign-in is another lane's)."""
    response = page.request.post(
        f"{base}/api/v1/auth/login", data={"city": city_code, "username": username, "password": password, "cookie": True}
    )
    assert response.ok, response.text()


def cadre_opens_case(page, base: str, case_id: int) -> None:
    """From 待处理, open the case's cadre page."""
    page.goto(f"{base}/h5/community/cases")
    page.click(f"a.cadre-case[data-case-id='{case_id}']")
    page.wait_for_url(re.compile(rf"/h5/community/cases/{case_id}$"))


def cadre_accepts(page, base: str, case_id: int, note: str = "") -> None:
    cadre_opens_case(page, base, case_id)
    page.fill("#accept-note", note)
    page.click("#accept")
    page.wait_for_selector("#case-state:has-text('已受理')")


def cadre_posts_order(
    page, base: str, case_id: int, bounty: int = 50, *, expect_kind: str | None = None, expect_difficulty: str | None = None
) -> int:
    """From 待处理: open the case, 派单 with the prefilled kind and difficulty (checked when expected), the budget
    shown; answers the new order's id (the page moves on to the order)."""
    cadre_opens_case(page, base, case_id)
    page.click("#order-link")
    page.wait_for_selector("#order-form")
    assert page.locator("#budget-available").inner_text().strip().isdigit()
    if expect_kind is not None:
        assert page.input_value("#order-kind") == expect_kind
    if expect_difficulty is not None:
        assert page.input_value("#order-difficulty") == expect_difficulty
    page.fill("#order-bounty", str(bounty))
    assert int(page.locator("#order-reserve").inner_text()) > 0
    page.click("#order-submit")
    page.wait_for_url(re.compile(r"/h5/community/orders/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def photos_side_by_side(page) -> bool:
    """The before and after columns of the order page sit next to each other, each with a thumbnail."""
    before = page.locator(".compare-col .before img").first.bounding_box()
    after = page.locator(".compare-col .after img").first.bounding_box()
    return abs(before["y"] - after["y"]) <= SIDE_BY_SIDE_TOLERANCE and before["x"] + before["width"] <= after["x"]


def cadre_verifies(page, base: str, order_id: int, difficulty: str | None = None, note: str = "") -> None:
    """From 订单核实: open the order, look at the photos side by side (one opened large), verify and pay."""
    page.goto(f"{base}/h5/community/orders")
    page.click(f"a.cadre-order[data-order-id='{order_id}']")
    page.wait_for_selector("#verify-form")
    assert photos_side_by_side(page)
    page.locator(".compare-col .after a").first.click()
    page.wait_for_selector("#photo-viewer[open]")
    page.click("#photo-viewer-close")
    if difficulty is not None:
        page.select_option("#verify-difficulty", difficulty)
    page.fill("#verify-note", note)
    page.click("#verify")
    page.wait_for_selector("#order-status:has-text('已核实')")


def cadre_sends_back(page, base: str, order_id: int, reason: str) -> None:
    page.goto(f"{base}/h5/community/orders/{order_id}")
    page.fill("#send-back-reason", reason)
    page.click("#send-back")
    page.wait_for_selector("#order-status:has-text('处理中')")
