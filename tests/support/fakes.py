"""Test-only stand-ins: SMS senders' outboxes, a fake WeChat server, a probe job.

Everything here is plugged into gridapp through its own extension points (the
SMS_SENDER setting, WECHAT_JSCODE2SESSION_URL, the @job decorator), so the code
under test runs unchanged.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from gridapp.errors import Conflict
from gridapp.extensions import db
from gridapp.jobs import QUEUE_DEFAULT, job
from gridapp.models import City
from gridapp.unit_of_work import unit_of_work
from tests.support.local_http import JsonHandler

# --------------------------------------------------------------------------- #
# SMS
# --------------------------------------------------------------------------- #

OUTBOX_ENV = "GRIDAPP_TEST_SMS_OUTBOX"
CODE_RE = re.compile(r"验证码是 (\d{6})")


class FileSmsSender:
    """SMS_SENDER=tests.support.fakes:FileSmsSender appends each message as a JSON line.

    The file is named by the environment variable GRIDAPP_TEST_SMS_OUTBOX, because
    gridapp.config.load_settings only reads the settings it knows: an RQ worker
    subprocess, configured purely from its environment, can still be pointed at a file.
    """

    def __init__(self, config=None):
        path = os.environ.get(OUTBOX_ENV)
        if not path:
            raise RuntimeError(f"FileSmsSender needs ${OUTBOX_ENV} to name the outbox file")
        self.path = Path(path)

    def send(self, phone: str, text: str) -> None:
        line = json.dumps({"phone": phone, "text": text, "pid": os.getpid()}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")


def read_outbox(path: Path) -> list[dict]:
    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def code_in(text: str) -> str:
    match = CODE_RE.search(text)
    assert match, f"no 6-digit login code in {text!r}"
    return match.group(1)


def sms_codes(caplog, phone: str) -> list[str]:
    """Login codes the default LogSmsSender wrote to the "gridapp.sms" log for `phone`, oldest first."""
    return [
        code_in(record.getMessage())
        for record in caplog.records
        if record.name == "gridapp.sms" and phone in record.getMessage()
    ]


# --------------------------------------------------------------------------- #
# Jobs and a unit of work that asks for them
# --------------------------------------------------------------------------- #

SEEN: list[tuple[str, object]] = []  # what the probe job observed, in order


def _city_visible_elsewhere(code: str) -> bool:
    """Whether a *separate* connection sees the city row, i.e. whether it is committed.

    A throwaway engine without gridapp's SQLite listeners: on SQLite (WAL) a plain
    SELECT reads the last committed snapshot without waiting for the writer's lock.
    """
    engine = create_engine(db.engine.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM cities WHERE code = :c"), {"c": code}).scalar() == 1
    finally:
        engine.dispose()


@job(queue=QUEUE_DEFAULT, timeout=10, retries=0)
def probe_city_committed(code: str) -> None:
    SEEN.append((code, _city_visible_elsewhere(code)))


@job(queue=QUEUE_DEFAULT, timeout=10, retries=0)
def failing_job(code: str) -> None:
    SEEN.append((code, "failing_job ran"))
    raise RuntimeError("a side job blew up")


@unit_of_work
def open_city(code: str, *, fail: bool = False, also_fail_job: bool = False) -> str:
    db.session.add(City(code=code, name=f"城市{code}"))
    db.session.flush()
    probe_city_committed.delay(code)
    if also_fail_job:
        failing_job.delay(code)
    SEEN.append((code, "service body finished"))
    if fail:
        raise Conflict("the unit of work fails after asking for its job")
    return code


@unit_of_work
def open_cities(*codes: str, fail_last: bool = False) -> None:
    """Nested units of work: the jobs wait for the outermost commit."""
    for code in codes:
        open_city(code)
    SEEN.append(("outer", "outer body finished"))
    if fail_last:
        raise Conflict("outer unit of work fails after the inner ones returned")


# --------------------------------------------------------------------------- #
# A stand-in for https://api.weixin.qq.com: jscode2session, the access token, subscribe messages
# --------------------------------------------------------------------------- #


class FakeWeChat:
    """A real HTTP server on 127.0.0.1 answering like api.weixin.qq.com.

    jscode2session: `codes` maps a wx.login() js_code to the openid it stands for; any other code is
    answered the way WeChat does: HTTP 200 with {"errcode": 40029, "errmsg": "invalid code"}.
    When `sqlite_path` is set, each request also records whether another connection
    could take SQLite's write lock at that moment (it must: an app holding the lock
    during an outbound call stalls every other writer).

    cgi-bin/token hands out "token-1", "token-2", ... (`token_requests` counts them), each ending the
    ones before, like WeChat; `expire_tokens(errcode)` makes the current one refused with 40001 or 42001.
    cgi-bin/message/subscribe/send keeps each message it accepts in `messages`; an openid outside
    `subscribed` is answered 43101, and `fail_with` (an errcode) refuses every message.
    """

    APPID = "wx-test-appid"
    SECRET = "wx-test-secret"

    def __init__(self, codes: dict[str, str] | None = None, sqlite_path: str | None = None, subscribed=()):
        self.codes = dict(codes or {})
        self.sqlite_path = sqlite_path
        self.requests: list[dict[str, list[str]]] = []
        self.write_lock_free: list[bool] = []
        self.subscribed = set(subscribed)
        self.token_requests = 0
        self.token: str | None = None
        self.token_refusal = 0
        self.fail_with = 0
        self.messages: list[dict] = []
        self.sends: list[str] = []  # the access token of every send, accepted or not
        fake = self

        class Handler(JsonHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path == "/cgi-bin/token":
                    return self._reply(fake._token(query))
                fake.requests.append(query)
                if fake.sqlite_path:
                    fake.write_lock_free.append(fake._try_write_lock())
                self._reply(fake._answer(url.path, query))

            def do_POST(self):  # noqa: N802 (http.server API)
                url = urlparse(self.path)
                message = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                if url.path != "/cgi-bin/message/subscribe/send":
                    return self._reply({"errcode": -1, "errmsg": f"unknown path {url.path}"})
                self._reply(fake._send(parse_qs(url.query).get("access_token", [""])[0], message))

            def _reply(self, body: dict) -> None:
                self.reply(200, body)  # WeChat answers 200 with its errcode in the body

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{base}/sns/jscode2session"
        self.token_url = f"{base}/cgi-bin/token"
        self.send_url = f"{base}/cgi-bin/message/subscribe/send"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def expire_tokens(self, errcode: int = 42001) -> None:
        self.token_refusal = errcode

    def _token(self, query: dict[str, list[str]]) -> dict:
        if query.get("appid") != [self.APPID] or query.get("secret") != [self.SECRET]:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != ["client_credential"]:
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        self.token_requests += 1
        self.token, self.token_refusal = f"token-{self.token_requests}", 0
        return {"access_token": self.token, "expires_in": 7200}

    def _send(self, token: str, message: dict) -> dict:
        self.sends.append(token)
        if token != self.token:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if self.token_refusal:
            return {"errcode": self.token_refusal, "errmsg": "access_token expired"}
        if self.fail_with:
            return {"errcode": self.fail_with, "errmsg": "system error"}
        if message.get("touser") not in self.subscribed:
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        self.messages.append(message)
        return {"errcode": 0, "errmsg": "ok", "msgid": len(self.messages)}

    def _answer(self, path: str, query: dict[str, list[str]]) -> dict:
        def one(name):
            values = query.get(name, [])
            return values[0] if len(values) == 1 else None

        if path != "/sns/jscode2session":
            return {"errcode": -1, "errmsg": f"unknown path {path}"}
        if one("appid") != self.APPID:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if one("secret") != self.SECRET:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if one("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        openid = self.codes.get(one("js_code") or "")
        if openid is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"openid": openid, "session_key": "c2Vzc2lvbi1rZXk="}

    def _try_write_lock(self) -> bool:
        connection = sqlite3.connect(self.sqlite_path, timeout=0.2, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            connection.close()

    def __enter__(self) -> "FakeWeChat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
