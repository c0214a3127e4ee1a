"""Sending text messages.

A provider is any class with `send(phone, text)` named by the SMS_SENDER setting. The
default writes the message to the log, which is how the embedded demo hands residents
their login codes.
"""
from __future__ import annotations

import logging
from typing import Protocol

from flask import current_app

from gridapp.integrations import load_object

log = logging.getLogger("gridapp.sms")


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogSmsSender:
    def __init__(self, config=None):
        self.config = config

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", phone, text)


def sms_sender() -> SmsSender:
    return load_object(current_app.config["SMS_SENDER"])(current_app.config)
