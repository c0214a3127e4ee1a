"""Steps an admin takes on the console's pages (/console) in a browser page, shared by the browser tests."""
from __future__ import annotations


def console_sign_in(page, username: str, password: str, goto: str = "/console/login") -> None:
    """Open `goto` (the sign-in page, or a console page that sends there) and sign in with a password."""
    page.goto(goto)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")


def add_department(page, code: str, name: str, kind: str, serves: str) -> None:
    """Create a department of `kind` serving the region node named `serves`."""
    page.goto("/console/departments")
    page.fill("#d-code", code)
    page.fill("#d-name", name)
    page.fill("#d-kind", kind)
    page.check(f"label.check:has-text('{serves}') input")
    page.click("#department-submit")
    page.wait_for_selector("#department-list .row")


def add_category(page, code: str, name: str, route: str, kind: str | None = None, questions: str | None = None) -> None:
    """Create a category routed to the grid worker or (route "department") to a department kind."""
    page.goto("/console/categories")
    page.fill("#c-code", code)
    page.fill("#c-name", name)
    page.select_option("#c-route", route)
    if kind:
        page.select_option("#c-kind", kind)
    if questions:
        page.fill("#c-questions", questions)
    page.click("#category-submit")
    page.wait_for_selector("#category-list .row")
