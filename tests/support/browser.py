"""A real server and a real browser for the H5 pages and dashboards.

The app under test is served by werkzeug in a thread on a free port (the same app
object and database as the test, so tests can arrange data directly) and driven by
Debian's chromium through playwright at a phone-sized viewport. Playwright never
downloads a browser here: it launches /usr/bin/chromium.
"""
from __future__ import annotations

import contextlib
import io
import shutil
import threading
from typing import Iterator

from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

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


TABLET = {"viewport": {"width": 1024, "height": 768}, "device_scale_factor": 1, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def sign_in_by_sms(page, caplog, number: str) -> None:
    """On the H5 sign-in page: agree to the terms, ask for a code, read it from the SMS log, sign in."""
    from tests.support.fakes import sms_codes

    page.fill("#phone", number)
    page.check("#agree")
    page.click("#send-code")
    page.wait_for_selector("#login-message.ok")
    page.fill("#code", sms_codes(caplog, number)[-1])
    page.click("#login-submit")


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run the vendored axe-core (WCAG 2.x A and AA rules) on the page; the violations of these impacts.

    axe is loaded from this site's own static files, which the pages' Content-Security-Policy allows."""
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"][:160] for n in v["nodes"]]}
        for v in found
        if v["impact"] in impacts
    ]


def snapshot(page, name: str) -> None:
    """A full-page screenshot into $GRIDAPP_SCREENSHOTS (when set), for people to look at the pages a test walks."""
    import os

    folder = os.environ.get("GRIDAPP_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


@contextlib.contextmanager
def with_camera(browser, y4m_path: str) -> Iterator[object]:
    """A second Chromium from the same playwright whose camera is its own fake one playing a Y4M file, allowed
    without asking."""
    camera = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={y4m_path}")
    instance = browser.browser_type.launch(executable_path=shutil.which("chromium"), args=[*CHROMIUM_ARGS, *camera])
    try:
        yield instance
    finally:
        instance.close()


def y4m(picture: bytes, size: tuple[int, int] = (640, 480), frames: int = 10) -> bytes:
    """A still picture as a short Y4M video (4:2:0), centred on white: what a camera held up to it would see."""
    frame = Image.new("RGB", size, (255, 255, 255))
    still = Image.open(io.BytesIO(picture)).convert("RGB")
    still.thumbnail(size)
    frame.paste(still, ((size[0] - still.width) // 2, (size[1] - still.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{size[0]} H{size[1]} F15:1 Ip A1:1 C420jpeg\n".encode()
    return header + b"".join(b"FRAME\n" + planes for _ in range(frames))


@contextlib.contextmanager
def tile_server():
    """A tile server on a free port: every /{z}/{x}/{y}.png is one light PNG; the paths asked for are kept."""
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 236, 226)).save(out, "PNG")
    png, asked = out.getvalue(), []

    def tiles(environ, start_response):
        asked.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        return Response(png, mimetype="image/png")(environ, start_response)

    server = make_server("127.0.0.1", find_free_port(), tiles, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        thread.join(timeout=10)
