"""Push channels: telling someone outside the app (WeChat subscribe message, SMS).

A channel is any class with a `name` and `send(user, notification)` that raises when the
message was not accepted, named by the PUSH_CHANNEL setting. The notification names its
target (kind, id); a channel that links to it asks gridapp.web.links for the page. Deliveries run as
background jobs with retries and end as a dead letter when every try failed
(services.push). The default channel writes to the log, so a deployment without
credentials still works and shows what would have been sent.
"""
from __future__ import annotations

import logging
from typing import Protocol

from flask import current_app

from gridapp.integrations import load_object
from gridapp.integrations.sms import sms_sender
from gridapp.web.links import notification_link

log = logging.getLogger("gridapp.push")


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
