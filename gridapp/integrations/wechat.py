"""WeChat's server API for the mini-program: sign-in (jscode2session), the access token, subscribe messages.

Every endpoint URL is configurable so tests (and a private gateway) can stand in for
api.weixin.qq.com. WeChat answers HTTP 200 with an `errcode` on failure, so the body,
not the status, decides.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from gridapp.errors import Unauthenticated, UpstreamUnavailable, UpstreamUnreachable

# Errors that are ours or WeChat's, not the user's: busy (-1), bad appid (40013), bad secret
# (40125), rate limited (45011). A user's stale code is 40029 / 40163.
SERVER_SIDE_ERRCODES = frozenset({-1, 40013, 40125, 45011})


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str | None = None


def call(url: str, query: dict, timeout: float, body: dict | None = None) -> dict:
    """GET (or, with a body, POST as JSON) one WeChat endpoint and read its JSON answer."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        f"{url}?{urllib.parse.urlencode(query)}", data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (urllib.error.HTTPError, ValueError) as exc:  # reached, but answered with no usable body
        raise UpstreamUnavailable("微信服务暂时不可用，请稍后再试", details={"reason": str(exc)}) from exc
    except OSError as exc:  # not reached: refused, unresolved or timed out (URLError is an OSError)
        raise UpstreamUnreachable("微信服务暂时不可用，请稍后再试", details={"reason": str(exc)}) from exc


def configured(config) -> tuple[str, str]:
    """The mini-program's appid and secret, which every server call needs."""
    if not (config.get("WECHAT_APPID") and config.get("WECHAT_SECRET")):
        raise UpstreamUnavailable("未配置微信小程序（WECHAT_APPID / WECHAT_SECRET）", code="wechat_not_configured")
    return config["WECHAT_APPID"], config["WECHAT_SECRET"]


class WeChatClient:
    def __init__(self, appid: str | None, secret: str | None, url: str, timeout: float = 5):
        self.appid, self.secret, self.url, self.timeout = appid, secret, url, timeout

    @classmethod
    def from_config(cls, config) -> "WeChatClient":
        return cls(
            config.get("WECHAT_APPID"),
            config.get("WECHAT_SECRET"),
            config["WECHAT_JSCODE2SESSION_URL"],
            config.get("WECHAT_TIMEOUT_SECONDS", 5),
        )

    def code_to_session(self, js_code: str) -> WeChatSession:
        appid, secret = configured({"WECHAT_APPID": self.appid, "WECHAT_SECRET": self.secret})
        query = {"appid": appid, "secret": secret, "js_code": js_code, "grant_type": "authorization_code"}
        body = call(self.url, query, self.timeout)
        if body.get("errcode") in SERVER_SIDE_ERRCODES:
            raise UpstreamUnavailable(
                "微信登录暂时不可用，请稍后再试",
                code="wechat_unavailable",
                details={"errcode": body.get("errcode"), "errmsg": body.get("errmsg")},
            )
        if body.get("errcode") or not body.get("openid"):
            raise Unauthenticated(
                "微信登录凭证无效或已过期，请重新进入小程序",
                code="wechat_code_invalid",
                details={"errcode": body.get("errcode"), "errmsg": body.get("errmsg")},
            )
        return WeChatSession(openid=body["openid"], unionid=body.get("unionid"))
