"""An SMS gateway for benchmarks: each text is kept in Redis under its phone, where the replay's phones read it.

`SMS_SENDER=sms_inbox:RedisInboxSender` with this folder on PYTHONPATH (bench/production.py sets both). The
login codes still go the production way, as a `gridapp-notify` job a worker runs; only the last hop differs.
"""
from __future__ import annotations

from redis import Redis

INBOX_SECONDS = 600


def inbox_key(phone: str) -> str:
    return f"gridapp-bench:sms:{phone}"


class RedisInboxSender:
    def __init__(self, config):
        self.redis = Redis.from_url(config["REDIS_URL"])

    def send(self, phone: str, text: str) -> None:
        key = inbox_key(phone)
        self.redis.rpush(key, text)
        self.redis.expire(key, INBOX_SECONDS)
