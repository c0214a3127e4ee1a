"""Steps a grid worker takes on the H5 staff pages (网格员助手) in a browser page, for the workbench's walk tests.

Each step starts from a URL under `base` (the live server) and ends when the page shows its result, so the
issue's full walk composes them with the other lanes' steps.
"""
from __future__ import annotations

from tests.support.factories import PASSWORD


def worker_signs_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """On /h5/login's staff tab: username and password, landing on the home with the worker's menu."""
    page.goto(f"{base}/h5/login")
    page.click("#tab-staff")
    page.fill("#h5-username", username)
    page.fill("#h5-password", password)
    page.click("#h5-login-submit")
    page.wait_for_url(f"{base}/h5/")


def open_case_from_inbox(page, base: str, case_id: int) -> None:
    page.goto(f"{base}/h5/work")
    page.click(f".work-item[data-case-id='{case_id}']")
    page.wait_for_url(f"{base}/h5/work/cases/{case_id}")


def take_action(page, action: str, note: str = "") -> None:
    """Open the action's form, write the note, send it, and wait for the page to come back with the new state."""
    details = page.locator(f"details.action[data-action='{action}']")
    details.locator("summary").click()
    if note:
        details.locator("textarea[name=note]").fill(note)
    with page.expect_navigation():
        details.locator("button[type=submit]").click()
    page.wait_for_selector("#case-state")


def check_in(page) -> str:
    """Ask the phone for its position (the context grants it), read the distance shown, then check in."""
    details = page.locator("details.action[data-action='check_in']")
    details.locator("summary").click()
    details.locator(".locate").click()
    shown = details.locator("[data-distance].ok", has_text="您距上报位置")  # "正在获取位置" shows first
    shown.wait_for()
    distance = shown.inner_text()
    with page.expect_navigation():
        details.locator("button[type=submit]").click()
    page.wait_for_selector("#case-state")
    return distance


def worker_accepts_checks_in_and_hands_up(page, base: str, case_id: int, note: str = "需要城管执法，请社区下单") -> str:
    """From the inbox: accept the case, take it (派给网格员: a worker takes it themselves), check in on site and
    hand it up to the community; answers the distance the page showed before the check-in."""
    open_case_from_inbox(page, base, case_id)
    take_action(page, "accept")
    take_action(page, "assign")
    distance = check_in(page)
    take_action(page, "hand_up", note)
    page.wait_for_selector("#timeline .event-hand_up")
    return distance


def worker_resolves(page, base: str, case_id: int, photo_path: str, note: str = "已清理完毕") -> None:
    """On the case page: a resolution note and an after-photo through the shared photo picker."""
    page.goto(f"{base}/h5/work/cases/{case_id}")
    details = page.locator("details.action[data-action='resolve']")
    details.locator("summary").click()
    details.locator("textarea[name=note]").fill(note)
    details.locator("input[type=file]").set_input_files(photo_path)
    with page.expect_navigation():
        details.locator("button[type=submit]").click()
    page.wait_for_selector("#timeline .event-resolve")
