"""Push channels: telling someone outside the app (WeChat subscribe message, SMS).

A channel is any class with a `name` and `send(user, notification)` that raises when the
message was not accepted, named by the PUSH_CHANNEL setting; `Undeliverable` when it never will
be (the person has no address on the channel, or declined it), which is not retried. The
notification names its target (kind, id); a channel that links to it asks gridapp.web.links for
the page. Deliveries run as background jobs with retries and end as a dead letter when every try
failed (services.notifications.push). The default channel writes to the log, so a deployment
without credentials still works and shows what would have been sent.
"""
from __future__ import annotations

import logging
import re
from typing import Protocol

from flask import current_app

from gridapp.clock import CHINA
from gridapp.integrations import load_object
from gridapp.integrations.sms import sms_sender
from gridapp.integrations.wechat import call
from gridapp.integrations.wechat_tokens import access_token
from gridapp.web.links import notification_link

log = logging.getLogger("gridapp.push")


class Undeliverable(Exception):
    """This channel cannot reach this person with this notification, and trying again would not change that."""


class PushChannel(Protocol):
    name: str

    def send(self, user, notification) -> None: ...


class LogPushChannel:
    name = "log"

    def __init__(self, config=None):
        self.config = config

    def send(self, user, notification) -> None:
        log.info("push to user %s: %s %s", user.id, notification.title, notification_link(notification) or "")


class SmsPushChannel:
    """The notification's title as a text message, through the configured SMS sender."""

    name = "sms"

    def __init__(self, config=None):
        self.config = config

    def send(self, user, notification) -> None:
        if not user.phone:
            raise ValueError("该用户没有手机号")
        sms_sender().send(user.phone, f"【网格通】{notification.title}")


def push_channel() -> PushChannel:
    return load_object(current_app.config["PUSH_CHANNEL"])(current_app.config)


class WeChatSubscribePushChannel:
    """WeChat subscribe messages (订阅消息) to the mini-program: the template configured for the notification's
    kind (WECHAT_SUBSCRIBE_TEMPLATES), each field showing a part of it within WeChat's length for the
    field's type, opening the notification's page.

    A person without a bound WeChat, a kind without a template, and a person who has not subscribed
    (or declined: 43101) are undeliverable. A token WeChat refuses (40001, 42001) is refreshed and the
    message sent once more; any other refusal is retried by the delivery job.
    """

    name = "wechat"
    TOKEN_REFUSED = frozenset({40001, 42001})
    NOT_SUBSCRIBED = 43101
    # The most characters WeChat takes in a field of each type (the field's key without its number).
    LIMITS = {
        "thing": 20, "short_thing": 5, "name": 10, "phrase": 5, "character_string": 32, "number": 32,
        "letter": 32, "symbol": 5, "phone_number": 17, "car_number": 8,
    }  # fmt: skip
    ELLIPSIZED = frozenset({"thing", "short_thing"})  # free text: a cut shows as "…"; codes and names are cut

    def __init__(self, config=None):
        self.config = config

    def send(self, user, notification) -> None:
        template = self.config["WECHAT_SUBSCRIBE_TEMPLATES"].get(notification.kind)
        if template is None:
            raise Undeliverable(f"通知类型 {notification.kind} 未配置订阅消息模板")
        if not user.wechat_openid:
            raise Undeliverable("该用户未绑定微信")
        message = {
            "touser": user.wechat_openid,
            "template_id": template["template_id"],
            "data": {key: {"value": self.value(key, source, notification)} for key, source in template["fields"].items()},
            "miniprogram_state": self.config["WECHAT_MINIPROGRAM_STATE"],
            "lang": "zh_CN",
        }
        page = notification_link(notification)
        if page:
            message["page"] = page
        token = access_token(self.config)
        answer = self._post(token, message)
        if answer.get("errcode") in self.TOKEN_REFUSED:
            answer = self._post(access_token(self.config, stale=token), message)
        if answer.get("errcode") == self.NOT_SUBSCRIBED:
            raise Undeliverable("用户未订阅或已拒收该消息（43101）")
        if answer.get("errcode"):
            raise RuntimeError(f"微信订阅消息发送失败：{answer.get('errcode')} {answer.get('errmsg', '')}")

    def _post(self, token: str, message: dict) -> dict:
        timeout = self.config.get("WECHAT_TIMEOUT_SECONDS", 5)
        return call(self.config["WECHAT_SUBSCRIBE_SEND_URL"], {"access_token": token}, timeout, body=message)

    @classmethod
    def value(cls, key: str, source: str, notification) -> str:
        """One template field: the part of the notification it shows (config.SUBSCRIBE_SOURCES), within its type's length."""
        if source == "time":
            at = notification.created_at.astimezone(CHINA)
            return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"
        if source == "number":
            text = str(notification.target_id or notification.id)
        else:
            text = (notification.body if source == "body" else "") or notification.title
        kind = re.sub(r"\d+$", "", key)
        limit = cls.LIMITS.get(kind)
        if limit is None or len(text) <= limit:
            return text
        return text[: limit - 1] + "…" if kind in cls.ELLIPSIZED else text[:limit]
