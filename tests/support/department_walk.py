"""A department staff member's steps through the H5 order pages in Chromium, for the lanes' tests and the
issue's whole walk: sign in, open the pool, grab (or lose the race and see 手慢了), start and resolve with a photo.

Every step takes the playwright page and the server's base URL, and waits for what the person would see.
"""
from __future__ import annotations

from tests.support.browser import snapshot
from tests.support.community_walk import staff_sign_in
from tests.support.factories import PASSWORD

TOO_SLOW = "手慢了"


def staff_signs_in(page, base: str, username: str, city: str = "testcity", password: str = PASSWORD) -> None:
    """Password sign-in through the API with the session kept in the browser's cookies (as the H5 sign-in page does)."""
    staff_sign_in(page, base, city, username, password)


def open_pool(page, base: str, order_id: int | None = None) -> None:
    """The 抢单池 page, showing the order when one is named."""
    page.goto(f"{base}/h5/orders/pool")
    page.wait_for_selector("#pool-list")
    if order_id is not None:
        page.wait_for_selector(f"#order-{order_id} button.grab")


def staff_grabs(page, base: str, order_id: int) -> None:
    """One tap on the order's 抢单 in the pool (opened unless already shown), and the order's page opens."""
    if not page.locator(f"#order-{order_id} button.grab").count():
        open_pool(page, base, order_id)
    page.click(f"#order-{order_id} button.grab")
    page.wait_for_url(f"{base}/h5/orders/{order_id}")
    assert page.text_content("#order-status") == "已抢单"


def staff_sees_too_slow(page, base: str, order_id: int) -> str:
    """Tap 抢单 on a pool page still showing an order someone else has taken: the card says 手慢了 at once
    (naming the winner), then drops out of the list. Returns what the card said."""
    if not page.locator(f"#order-{order_id} button.grab").count():
        open_pool(page, base, order_id)
    page.click(f"#order-{order_id} button.grab")
    result = page.locator(f"#order-{order_id}-result")
    result.filter(has_text=TOO_SLOW).wait_for()
    said = result.text_content()
    assert page.locator(f"#order-{order_id}").get_attribute("class").split().count("taken") == 1
    page.locator(f"#order-{order_id}").wait_for(state="detached")
    assert TOO_SLOW in page.text_content("#pool-message")
    return said


def staff_starts(page, base: str, order_id: int) -> None:
    """On the order's page: 开始处理, after which the page offers the resolve form."""
    if page.url != f"{base}/h5/orders/{order_id}":
        page.goto(f"{base}/h5/orders/{order_id}")
    page.click("#start")
    page.wait_for_selector("#resolve-form")
    assert page.text_content("#order-status") == "处理中"


def staff_resolves(page, base: str, order_id: int, photo_path: str, note: str = "已处理完毕") -> None:
    """On the started order's page: the note and one after-photo through the photo picker, then 提交处置结果."""
    if page.url != f"{base}/h5/orders/{order_id}":
        page.goto(f"{base}/h5/orders/{order_id}")
    page.fill("#resolve-note", note)
    page.set_input_files("#after-photos input[type=file]", photo_path)
    page.wait_for_selector("#after-photos .photo-tile.done")
    snapshot(page, "department-order-resolving")
    page.click("#resolve")
    page.wait_for_selector("#resolution .after-photo")
    assert page.text_content("#order-status") == "待社区核实"


def staff_starts_and_resolves(page, base: str, order_id: int, photo_path: str, note: str = "已处理完毕") -> None:
    staff_starts(page, base, order_id)
    staff_resolves(page, base, order_id, photo_path, note)
