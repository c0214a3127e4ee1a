"""A real server and a real browser for the H5 pages and dashboards.

The app under test is served by werkzeug in a thread on a free port (the same app
object and database as the test, so tests can arrange data directly) and driven by
Debian's chromium through playwright at a phone-sized viewport. Playwright never
downloads a browser here: it launches /usr/bin/chromium.
"""
from __future__ import annotations

import contextlib
import shutil
import threading
from typing import Iterator

from werkzeug.serving import make_server

from tests.support.servers import find_free_port

# Chromium's background services try to reach Google; this machine has no such network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
    ),
}


@contextlib.contextmanager
def live_server(app) -> Iterator[str]:
    port = find_free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def device_page(browser, base_url: str, device: dict) -> Iterator[object]:
    """A page in a fresh browser context of the device's size and user agent, pointed at base_url."""
    context = browser.new_context(base_url=base_url, **device)
    try:
        yield context.new_page()
    finally:
        context.close()
